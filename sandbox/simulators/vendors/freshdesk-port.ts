import type { CallRecord } from '../common';
import type { CsScenarioPort, ScenarioTicket, ScenarioWrite } from '../cs-port';
import type { FreshdeskSimulator } from './freshdesk-api';

/**
 * Freshdesk behind the scenario's CS port (sandbox/simulators/cs-port.ts): tickets by the `cf_lsync_shipment_id`
 * custom field, statuses 2 Open … 5 Closed and priorities 1 Low … 4 Urgent in the port's words, the agent's
 * "Resolved" and the automation that closes resolved tickets. Freshdesk's API has no follow-up link: a ticket our
 * client opened for a shipment whose tickets were all closed names the closed one on the first line of its
 * description (lambdas/cs/freshdesk/tickets.ts, `followUpLine`), which is how the scenario recognises it.
 */
const STATUSES: Readonly<Record<number, string>> = { 2: 'open', 3: 'pending', 4: 'solved', 5: 'closed' };
const PRIORITIES: Readonly<Record<number, ScenarioTicket['priority']>> = { 1: 'low', 2: 'normal', 3: 'high', 4: 'urgent' };
const FOLLOW_UP = /^Follow-up of closed ticket #(\d+)\./;
const answered = (c: CallRecord) => c.status !== null && c.status < 300 && !c.replayed;

export function freshdeskScenarioPort(freshdesk: FreshdeskSimulator): CsScenarioPort {
  return {
    vendor: 'freshdesk',
    words: { solved: 'resolved', closing: "Freshdesk's automation closes resolved tickets" },
    tickets() {
      return freshdesk.snapshot().tickets.map((t) => {
        const source = FOLLOW_UP.exec(t.description_text)?.[1];
        const shipment = t.custom_fields.cf_lsync_shipment_id;
        return { id: String(t.id), status: STATUSES[t.status] ?? String(t.status), priority: PRIORITIES[t.priority] ?? null, shipmentId: typeof shipment === 'string' ? shipment : null, ...(source ? { followUpOf: source } : {}) };
      });
    },
    solveTicket: (ticketId, comment) => freshdesk.resolveTicket(Number(ticketId), { reply: comment }),
    closeSolvedTickets: () => freshdesk.closeResolvedTickets(),
    writes() {
      return freshdesk.calls.filter(answered).flatMap((c): ScenarioWrite[] => {
        if (c.method === 'POST' && c.path === '/api/v2/tickets') {
          const source = FOLLOW_UP.exec(String((c.body as { description?: unknown }).description ?? ''))?.[1];
          return [{ kind: 'create', ...(source ? { followUpOf: source } : {}), body: c.body }];
        }
        const note = c.method === 'POST' ? /^\/api\/v2\/tickets\/(\d+)\/notes$/.exec(c.path)?.[1] : undefined;
        if (note) return [{ kind: 'comment', ticketId: note, body: c.body }];
        const updated = c.method === 'PUT' ? /^\/api\/v2\/tickets\/(\d+)$/.exec(c.path)?.[1] : undefined;
        return updated ? [{ kind: 'fields', ticketId: updated, body: c.body }] : [];
      });
    },
    get calls() {
      return freshdesk.calls;
    },
  };
}
