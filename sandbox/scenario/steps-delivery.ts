import { SYSTEMS } from '../../registry/systems';
import { fleetMilestones } from './fleet-milestones';
import { expectStatuses, ORDER_ID, orderTrace, shipmentOf, skipUnlessFullStack, ticketOf } from './helpers';
import type { Expectation, ScenarioContext, ScenarioStep } from './runner';
import { CLOSED_CASE, followUpOfClosedCase } from './steps-cs';

/**
 * Steps 6–8 of the reference scenario (docs/architecture.md, "Reference scenario"): arrival, proof of delivery
 * and the invoice; a late departure that changes nothing; the whole trace.
 */
export const DELIVERY_STEPS: readonly ScenarioStep[] = [
  {
    name: '6. arrival and proof of delivery → ERP delivered and billing-ready → the ERP posts the invoice → the CS ticket gets POD and invoice',
    skipUnless: skipUnlessFullStack,
    async run(ctx) {
      const milestones = fleetMilestones(ctx);
      await milestones.arrive(ctx);
      // A driver submits the POD after arriving; wait for the arrival to reach the ERP so the story reads in order.
      const deadline = Date.now() + 20_000;
      while (typeof expectStatuses(ctx, ['arrived'], { subset: true }) === 'string' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      await milestones.deliver(ctx);
    },
    expectations: (ctx) => [
      ...(fleetMilestones(ctx).expectations?.(ctx, 'arrived') ?? []),
      ...(fleetMilestones(ctx).expectations?.(ctx, 'delivered') ?? []),
      { name: 'the ERP shipment status went arrived → delivered', withinMs: 20_000, check: () => expectStatuses(ctx, ['arrived', 'delivered'], { subset: true }) },
      {
        name: 'the ERP got exactly one billing-ready',
        withinMs: 20_000,
        check: () => {
          const writes = ctx.sandbox.simulators!.erpPort.billingReadyWrites(ORDER_ID);
          return writes === 1 ? undefined : `${writes} billing-ready writes`;
        },
      },
      // An ERP that posts no invoice back (erpPort.postsInvoices false) ends its part at billing-ready.
      ...(ctx.sandbox.simulators!.erpPort.postsInvoices ? invoiceExpectations(ctx) : noInvoiceExpectations(ctx)),
      {
        name: 'the delivery releases the waiting temperature-excursion workflow',
        withinMs: 30_000,
        check: () => {
          const executions = ctx.sandbox.stepFunctions.allExecutions().filter((e) => e.name.startsWith('temp-'));
          if (executions.length === 0) return undefined; // step 4 did not run (no workflow in the stack)
          const open = executions.filter((e) => e.status !== 'SUCCEEDED');
          return open.length === 0 ? undefined : open.map((e) => `${e.name} ${e.status}`).join(', ');
        },
      },
    ],
  },
  {
    name: '7. a late departure arrives after the delivery: recorded as late, the state stays delivered',
    skipUnless: skipUnlessFullStack,
    async run(ctx) {
      await fleetMilestones(ctx).depart(ctx, { at: new Date(Date.now() - 3_600_000) });
    },
    expectations: (ctx) => [
      {
        name: 'the timeline holds the departure, marked late',
        withinMs: 20_000,
        async check() {
          const trace = await orderTrace(ctx);
          return trace?.timeline.some((h) => h.eventType === 'shipment.departed' && h.late) ? undefined : 'no late departure in the timeline';
        },
      },
      {
        name: 'the shipment is still delivered, in the index and in the ERP',
        withinMs: 20_000,
        async check() {
          const trace = await orderTrace(ctx);
          const state = trace?.shipments.find((s) => s.shipmentId === shipmentOf(ctx));
          if (state?.milestone !== 'delivered') return `index says ${state?.milestone ?? 'nothing'}`;
          return expectStatuses(ctx, ['dispatched', 'in-transit', 'exception', 'arrived', 'delivered'], { subset: true });
        },
      },
    ],
  },
  {
    name: `8. the trace of ${ORDER_ID} shows the whole chain across ERP, fleet and CS, with the POD-to-invoice cycle time`,
    skipUnless: skipUnlessFullStack,
    expectations: (ctx) => [
      {
        name: 'events from the ERP, the fleet and customer service are in one timeline',
        withinMs: 20_000,
        async check() {
          const trace = await orderTrace(ctx);
          const systems = new Set(trace?.timeline.map((h) => h.system));
          const missing = SYSTEMS.filter((s) => !systems.has(s));
          return missing.length === 0 ? undefined : `nothing from ${missing.join(', ')}`;
        },
      },
      {
        name: 'every call to the simulated ERP, fleet and CS systems was accepted by their published contracts',
        withinMs: 1_000,
        check: () => {
          const sims = ctx.sandbox.simulators!;
          const called = [
            { system: `erp (${sims.erpVendor})`, calls: sims.erpPort.calls },
            { system: 'fleet', calls: sims.fleet.calls },
            { system: `cs (${sims.csVendor})`, calls: sims.csPort.calls },
          ];
          const outside = called.flatMap((sim) =>
            sim.calls.filter((c) => c.contract && (c.contract.errors.length > 0 || c.contract.responseErrors?.length)).map((c) => `${sim.system} ${c.method} ${c.path}: ${[...c.contract!.errors, ...(c.contract!.responseErrors ?? [])].join('; ')}`),
          );
          const checked = called.reduce((n, sim) => n + sim.calls.filter((c) => c.contract?.operationId).length, 0);
          if (checked === 0) return 'no call was checked against a contract';
          return outside.length === 0 ? undefined : outside.slice(0, 3).join(' | ');
        },
      },
      {
        name: ctx.sandbox.simulators?.erpPort.postsInvoices === false ? 'no hop failed (the ERP posts no invoice: no POD-to-invoice cycle time)' : 'the POD-to-invoice cycle time is known and no hop failed',
        withinMs: 20_000,
        async check() {
          const trace = await orderTrace(ctx);
          if (!trace) return 'no trace';
          if (ctx.sandbox.simulators!.erpPort.postsInvoices && !trace.summary.podToInvoiceMs) return 'no POD-to-invoice cycle time';
          return trace.failed.length === 0 ? undefined : `${trace.failed.length} failed hops`;
        },
      },
    ],
  },
];

/** The ERP posts the invoice back: it reaches the bus and the shipment's ticket (or its follow-up) once, with the POD. */
function invoiceExpectations(ctx: ScenarioContext): Expectation[] {
  return [
      {
        name: 'invoice.posted (from the ERP) is on the bus',
        withinMs: 20_000,
        check: () =>
          ctx.sandbox.busTap.events().some((e) => e['detail-type'] === 'invoice.posted' && (e.detail as { refs?: { orderId?: string } }).refs?.orderId === ORDER_ID)
            ? undefined
            : 'not yet',
      },
      // Step 5b closes the exception ticket; without it the ticket is still open and takes the update.
      ctx.state.has(CLOSED_CASE)
        ? {
            name: 'the exception ticket is closed, so the proof of delivery and the invoice land once on a follow-up linked to it',
            withinMs: 30_000,
            check: () => followUpOfClosedCase(ctx),
          }
        : {
            name: 'the exception ticket gets one comment with the proof of delivery and the invoice',
            withinMs: 30_000,
            check: () => {
              const ticketId = ticketOf(ctx);
              if (!ticketId) return 'no ticket for the shipment';
              const comments = ctx.sandbox.simulators!.csPort.writes().filter((w) => w.kind === 'comment' && w.ticketId === ticketId && /invoice/i.test(JSON.stringify(w.body)));
              if (comments.length !== 1) return `${comments.length} comments mention the invoice`;
              return /proof of delivery/i.test(JSON.stringify(comments[0]!.body)) ? undefined : 'the comment does not mention the proof of delivery';
            },
          },
  ];
}

/**
 * The ERP posts no invoice back (a vendor port with postsInvoices false: billing-ready is its last write): nothing is
 * written to the closed exception ticket, and no follow-up opens for an invoice that never comes.
 */
function noInvoiceExpectations(ctx: ScenarioContext): Expectation[] {
  if (!ctx.state.has(CLOSED_CASE)) return [];
  return [
    {
      name: 'the closed exception ticket is left alone (no invoice comes to note on it)',
      withinMs: 1_000,
      check: () => {
        const closedId = String(ctx.state.get(CLOSED_CASE));
        const writes = ctx.sandbox.simulators!.csPort.writes().filter((w) => (w.kind === 'create' ? w.followUpOf === closedId : w.ticketId === closedId));
        return writes.length === 0 ? undefined : `${writes.length} writes to or after the closed ticket ${closedId}`;
      },
    },
  ];
}
