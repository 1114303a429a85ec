import type { ScenarioContext, ScenarioStep } from './scenario';
import { fleetRouteOfOrder } from './scenario-fleet';

/**
 * The customer-service part of the reference scenario (`npm start -- --once`): after the temperature case is
 * opened (step 4), an agent solves the ticket and Zendesk's automation closes it (Zendesk closes solved tickets
 * after a while; a closed ticket can never be updated again). Step 6's proof-of-delivery and invoice note must
 * then land on a follow-up linked to the closed ticket (`via_followup_source_id`), see
 * {@link followUpOfClosedCase}.
 */

const ORDER_ID = 'SO-1001';
/** State key: the id of the exception ticket this step closed. */
export const CLOSED_CASE = 'closedCase';

interface Ticket {
  id: number;
  external_id: string | null;
  status: string;
  followup_ids: number[];
}

interface TicketCall {
  method: string;
  path: string;
  status: number | null;
  replayed?: boolean;
  body: unknown;
}

function shipmentTickets(ctx: ScenarioContext): Ticket[] {
  const shipmentId = fleetRouteOfOrder(ctx, ORDER_ID).shipmentId;
  return (ctx.sandbox.simulators!.cs.snapshot() as { tickets: Ticket[] }).tickets.filter((t) => t.external_id === shipmentId);
}

export const CS_FOLLOW_UP_STEPS: readonly ScenarioStep[] = [
  {
    name: "5b. an agent solves the exception ticket and Zendesk's automation closes it: the case is resolved, the ticket can no longer be updated",
    skipUnless: (ctx) => {
      if (!ctx.sandbox.simulators) return 'no simulators';
      try {
        return shipmentTickets(ctx).length > 0 ? undefined : `no ticket for ${ORDER_ID}'s shipment (the exception steps did not run)`;
      } catch {
        return `the fleet has no route for ${ORDER_ID}`;
      }
    },
    async run(ctx) {
      const cs = ctx.sandbox.simulators!.cs;
      const [ticket] = shipmentTickets(ctx);
      ctx.state.set(CLOSED_CASE, ticket.id);
      for (const delivery of [...(await cs.solveTicket(ticket.id, { comment: 'Product released by QA; the customer accepts the delivery.' })), ...(await cs.closeSolvedTickets())]) {
        if (delivery.status !== 202) throw new Error(`the ${delivery.eventType} webhook was answered ${delivery.status}`);
      }
    },
    expectations: (ctx) => [
      {
        name: 'the exception ticket is closed in Zendesk',
        check: () => {
          const ticket = shipmentTickets(ctx).find((t) => t.id === ctx.state.get(CLOSED_CASE));
          return ticket?.status === 'closed' ? undefined : `ticket ${String(ctx.state.get(CLOSED_CASE))} is ${ticket?.status ?? 'gone'}`;
        },
      },
      {
        name: 'case.resolved (solved, then closed) from customer service is on the bus',
        withinMs: 20_000,
        check: () => {
          const resolved = ctx.sandbox.busTap
            .events()
            .filter((e) => e['detail-type'] === 'case.resolved' && (e.detail as { refs?: { caseId?: string } }).refs?.caseId === String(ctx.state.get(CLOSED_CASE)))
            .map((e) => (e.detail as { data: { status: string } }).data.status);
          return resolved.includes('solved') && resolved.includes('closed') ? undefined : `case.resolved seen with ${resolved.join(', ') || 'nothing'}`;
        },
      },
    ],
  },
];

/**
 * Step 6's check on customer service once the exception ticket is closed: the proof of delivery and the invoice
 * land once on a follow-up linked to the closed ticket, never on the closed ticket itself.
 */
export function followUpOfClosedCase(ctx: ScenarioContext, calls: readonly TicketCall[]): string | undefined {
  const closedId = Number(ctx.state.get(CLOSED_CASE));
  const answered = (c: TicketCall) => c.status !== null && c.status < 300;
  if (calls.some((c) => c.method === 'PUT' && c.path === `/api/v2/tickets/${closedId}.json` && answered(c))) return `the closed ticket ${closedId} was updated`;
  const followUps = calls.filter(
    (c) => c.method === 'POST' && /^\/api\/v2\/tickets(\.json)?$/.test(c.path) && answered(c) && !c.replayed && (c.body as { ticket?: { via_followup_source_id?: number } }).ticket?.via_followup_source_id === closedId,
  );
  if (followUps.length !== 1) return `${followUps.length} follow-ups of ticket ${closedId}`;
  const body = JSON.stringify(followUps[0].body);
  if (!/invoice/i.test(body) || !/proof of delivery/i.test(body)) return 'the follow-up does not carry the invoice and the proof of delivery';
  const closed = shipmentTickets(ctx).find((t) => t.id === closedId);
  return closed?.followup_ids.length === 1 ? undefined : `ticket ${closedId} lists follow-ups ${JSON.stringify(closed?.followup_ids)}`;
}
