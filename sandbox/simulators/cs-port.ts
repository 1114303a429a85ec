import type { CallRecord, WebhookDelivery } from './common';
import type { CsSimulator } from './cs';

/**
 * The customer-service platform as the reference scenario drives and reads it, whichever vendor the stage calls
 * (`systems.cs.vendor`): its tickets in the product's words, what an agent and the vendor's automation do, and
 * what our clients wrote. One adapter per CS vendor (cs-vendors.ts); the scenario's steps use only this port, so
 * the same story runs against Zendesk and Freshdesk.
 */

/** A ticket in the port's words (the CS port's statuses and priorities). */
export interface ScenarioTicket {
  readonly id: string;
  /** open, pending, solved, closed (or the vendor's word for a status the port does not know). */
  readonly status: string;
  readonly priority: 'low' | 'normal' | 'high' | 'urgent' | null;
  /** Our shipment id, as the vendor keeps it (Zendesk `external_id`, Freshdesk `cf_lsync_shipment_id`). */
  readonly shipmentId: string | null;
  /** The closed ticket this one follows up, when it does. */
  readonly followUpOf?: string;
}

/** A write our client made that the vendor answered (2xx, not an idempotent replay). */
export type ScenarioWrite =
  /** A new ticket; `followUpOf` when it follows up a closed one. */
  | { readonly kind: 'create'; readonly followUpOf?: string; readonly body: unknown }
  /** A comment or note on an existing ticket, or a change of its status, priority or tags. */
  | { readonly kind: 'comment' | 'fields'; readonly ticketId: string; readonly body: unknown };

export interface CsScenarioPort {
  /** The vendor (registry/api-vendors.ts), e.g. `zendesk`. */
  readonly vendor: string;
  /** The vendor's own name for a solved ticket and for the automation that closes it, for step names and messages. */
  readonly words: { readonly solved: string; readonly closing: string };
  tickets(): ScenarioTicket[];
  /** An agent solves the ticket with a public comment; the webhooks the vendor sends for it. */
  solveTicket(ticketId: string, comment: string): Promise<WebhookDelivery[]>;
  /** The vendor's automation closes every solved ticket; its webhooks. */
  closeSolvedTickets(): Promise<WebhookDelivery[]>;
  /** Every answered write of our clients, oldest first. */
  writes(): ScenarioWrite[];
  /** Every request the simulator received (for the contract checks of the scenario). */
  readonly calls: readonly CallRecord[];
}

const answered = (c: CallRecord) => c.status !== null && c.status < 300 && !c.replayed;
const ZENDESK_TICKET = /^\/api\/v2\/tickets\/(\d+)(?:\.json)?$/;

/** Zendesk: tickets by `external_id`, follow-ups by `via_followup_source_id`, comments as `ticket.comment` of an update. */
export function zendeskScenarioPort(cs: CsSimulator): CsScenarioPort {
  return {
    vendor: 'zendesk',
    words: { solved: 'solved', closing: "Zendesk's automation closes it" },
    tickets() {
      const { tickets } = cs.snapshot() as { tickets: { id: number; status: string; priority: ScenarioTicket['priority']; external_id: string | null; followup_ids: number[] }[] };
      return tickets.map((t) => {
        const source = tickets.find((s) => s.followup_ids.includes(t.id));
        return { id: String(t.id), status: t.status, priority: t.priority, shipmentId: t.external_id, ...(source ? { followUpOf: String(source.id) } : {}) };
      });
    },
    solveTicket: (ticketId, comment) => cs.solveTicket(Number(ticketId), { comment }),
    closeSolvedTickets: () => cs.closeSolvedTickets(),
    writes() {
      return cs.calls.filter(answered).flatMap((c): ScenarioWrite[] => {
        const ticket = (c.body as { ticket?: Record<string, unknown> } | undefined)?.ticket ?? {};
        if (c.method === 'POST' && /^\/api\/v2\/tickets(\.json)?$/.test(c.path)) {
          const source = ticket.via_followup_source_id;
          return [{ kind: 'create', ...(typeof source === 'number' ? { followUpOf: String(source) } : {}), body: c.body }];
        }
        const updated = c.method === 'PUT' ? ZENDESK_TICKET.exec(c.path)?.[1] : undefined;
        if (!updated) return [];
        const { comment, ...fields } = ticket;
        return [...(comment ? [{ ticketId: updated, kind: 'comment' as const, body: c.body }] : []), ...(Object.keys(fields).length > 0 ? [{ ticketId: updated, kind: 'fields' as const, body: c.body }] : [])];
      });
    },
    get calls() {
      return cs.calls;
    },
  };
}
