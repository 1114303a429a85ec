import { fleetRouteOfOrder, ORDER_ID } from './helpers';
import type { ScenarioContext, ScenarioStep } from './runner';
import type { ScenarioTicket } from '../simulators/index';

/**
 * The customer-service part of the reference scenario (`npm start -- --once`), on whichever CS platform the
 * stage calls (sandbox/simulators/cs-port.ts: Zendesk, Freshdesk): after the temperature case is opened (step 4),
 * an agent solves the ticket and the platform's automation closes it (Zendesk closes solved tickets after a
 * while, and a closed ticket can never be updated again; Freshdesk closes resolved tickets with a default
 * automation, and nobody works a closed ticket). Step 6's proof-of-delivery and invoice note must then land on a
 * follow-up linked to the closed ticket, see {@link followUpOfClosedCase}.
 */

/** State key: the id of the exception ticket this step closed. */
export const CLOSED_CASE = 'closedCase';

function shipmentTickets(ctx: ScenarioContext): ScenarioTicket[] {
  const shipmentId = fleetRouteOfOrder(ctx, ORDER_ID).shipmentId;
  return ctx.sandbox.simulators!.csPort.tickets().filter((t) => t.shipmentId === shipmentId);
}

export const CS_FOLLOW_UP_STEPS: readonly ScenarioStep[] = [
  {
    name: "5b. an agent solves the exception ticket and the CS platform's automation closes it: the case is resolved, the ticket is no longer worked",
    skipUnless: (ctx) => {
      if (!ctx.sandbox.simulators) return 'no simulators';
      try {
        return shipmentTickets(ctx).length > 0 ? undefined : `no ticket for ${ORDER_ID}'s shipment (the exception steps did not run)`;
      } catch {
        return `the fleet has no route for ${ORDER_ID}`;
      }
    },
    async run(ctx) {
      const cs = ctx.sandbox.simulators!.csPort;
      const [ticket] = shipmentTickets(ctx);
      ctx.state.set(CLOSED_CASE, ticket!.id);
      for (const delivery of [...(await cs.solveTicket(ticket!.id, 'Product released by QA; the customer accepts the delivery.')), ...(await cs.closeSolvedTickets())]) {
        if (delivery.status !== 202) throw new Error(`the ${cs.vendor} ${delivery.eventType} webhook was answered ${delivery.status}`);
      }
    },
    expectations: (ctx) => [
      {
        name: `the exception ticket is closed in ${ctx.sandbox.simulators!.csPort.vendor}`,
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
 * land once on a follow-up linked to the closed ticket, and nothing is written to the closed ticket itself.
 */
export function followUpOfClosedCase(ctx: ScenarioContext): string | undefined {
  const cs = ctx.sandbox.simulators!.csPort;
  const closedId = String(ctx.state.get(CLOSED_CASE));
  const writes = cs.writes();
  if (writes.some((w) => w.kind !== 'create' && w.ticketId === closedId)) return `the closed ticket ${closedId} was written to`;
  const followUps = writes.filter((w) => w.kind === 'create' && w.followUpOf === closedId);
  if (followUps.length !== 1) return `${followUps.length} follow-ups of ticket ${closedId}`;
  const body = JSON.stringify(followUps[0]!.body);
  if (!/invoice/i.test(body) || !/proof of delivery/i.test(body)) return 'the follow-up does not carry the invoice and the proof of delivery';
  const linked = cs.tickets().filter((t) => t.followUpOf === closedId);
  return linked.length === 1 ? undefined : `${linked.length} tickets follow up ticket ${closedId}`;
}
