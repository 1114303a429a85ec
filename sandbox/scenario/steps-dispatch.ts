import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { matchesPattern } from '../../registry/event-pattern';
import { webhookPath } from '../../registry/vendors';
import { PROJECT_ROOT } from '../python-env';
import { fleetMilestones } from './fleet-milestones';
import { answered, assignmentsOfShipment, expectStatuses, functionsMentioning, isOrderReleased, ORDER_ID, orderTrace, productOutput, shipmentOf, skipUnlessFullStack, sqsRoutes, webhookRoute } from './helpers';
import type { ScenarioStep } from './runner';

/**
 * Steps 1–3 of the reference scenario (docs/architecture.md, "Reference scenario"): the ERP releases the order,
 * the bus routes it, the correlation index links it, dispatch creates the fleet route, the truck departs (as the
 * fleet vendor the scenario plays reports it: fleet-milestones.ts).
 */
export const DISPATCH_STEPS: readonly ScenarioStep[] = [
  {
    name: `1. ERP releases order ${ORDER_ID}`,
    skipUnless: (ctx) => (productOutput(ctx, 'EventBusName') ? undefined : 'the product stack has no event bus output'),
    async run(ctx) {
      const erp = ctx.sandbox.simulators?.erpPort;
      if (erp && webhookRoute(ctx, webhookPath('erp', erp.webhookRoute))) {
        // Through the whole inbound path: the stage's ERP (sandbox/simulators/erp-port.ts) tells our API its way — a
        // signed CloudEvent, or Business Central's thin notification to the subscription our scheduled job made.
        for (const schedule of erp.setupSchedules) {
          if (!ctx.sandbox.schedules) throw new Error(`the ${erp.vendor} ERP needs the product's ${schedule} schedule, and this sandbox runs no schedules`);
          const failed = (await ctx.sandbox.schedules.fire(schedule)).filter((f) => f.error);
          if (failed.length > 0) throw new Error(`schedule ${schedule} failed: ${failed.map((f) => f.error).join('; ')}`);
        }
        const notReady = erp.notReady();
        if (notReady) throw new Error(notReady);
        ctx.state.set('via', 'erp-webhook');
        ctx.state.set('delivery', await erp.releaseOrder(ORDER_ID));
      } else {
        // No inbound route yet: publish the canonical example as the inbound adapter would.
        ctx.state.set('via', 'canonical-example');
        const detail = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'schemas', 'examples', 'order.released.json'), 'utf8')) as Record<string, unknown>;
        const result = await ctx.events.send(
          new PutEventsCommand({ Entries: [{ EventBusName: productOutput(ctx, 'EventBusName'), Source: 'logistics-sync.erp', DetailType: 'order.released', Detail: JSON.stringify(detail) }] }),
        );
        if (result.FailedEntryCount) throw new Error(`PutEvents failed: ${JSON.stringify(result.Entries)}`);
      }
    },
    expectations: (ctx) => [
      ...(ctx.state.get('via') === 'erp-webhook'
        ? [
            {
              name: `${ctx.sandbox.simulators!.erpPort.releasedBy} is accepted (202)`,
              check: () => {
                const delivery = ctx.state.get('delivery') as { status: number | null };
                return delivery.status === 202 ? undefined : `answered ${delivery.status}`;
              },
            },
          ]
        : []),
      {
        name: `order.released for ${ORDER_ID} is on the canonical bus`,
        check: () => (ctx.sandbox.busTap.events().some(isOrderReleased) ? undefined : 'not seen on the bus'),
      },
    ],
  },
  {
    name: '2a. order.released is routed to every queue whose rule matches it',
    skipUnless: (ctx) => (sqsRoutes(ctx).length > 0 ? undefined : 'the product has no routing rules with SQS targets yet'),
    expectations: (ctx) => {
      const event = ctx.sandbox.busTap.events().find(isOrderReleased);
      if (!event) return [];
      const { bus: _bus, tappedAt: _tappedAt, ...envelope } = event;
      return sqsRoutes(ctx)
        .filter((route) => matchesPattern(route.pattern, envelope))
        .map((route) => ({
          name: `rule ${route.rule} delivers it to ${route.queue}`,
          check: () => {
            const poller = ctx.sandbox.pollers.find((p) => p.spec.queueArn === route.queueArn);
            if (!poller) return undefined; // no consumer: moto's delivery is all there is to see
            return poller.seen.some((r) => (JSON.parse(r.body) as { id?: string }).id === event.id) ? undefined : `${poller.fn.spec.functionName} has not received it`;
          },
        }));
    },
  },
  {
    name: `2b. the correlation index links ${ORDER_ID}`,
    skipUnless: (ctx) => {
      const table = productOutput(ctx, 'CorrelationTableName');
      if (!table) return 'the product stack has no CorrelationTableName output';
      return functionsMentioning(ctx, table).length > 0 ? undefined : 'no function writes the correlation table yet';
    },
    expectations: (ctx) => [
      {
        name: `the trace of ${ORDER_ID} finds its correlation`,
        withinMs: 15_000,
        async check() {
          // As `lsync trace` resolves it: the order's id names its correlation (CORR#<id>, no link of its own).
          const trace = await orderTrace(ctx);
          if (!trace || trace.correlationIds.length === 0) return 'no correlation for the order yet';
          if (!trace.matchedAs.some((m) => m.kind === 'order')) return `matched as ${trace.matchedAs.map((m) => m.kind).join(', ')}, not as an order`;
          ctx.state.set('correlationId', trace.correlationIds.includes(ORDER_ID) ? ORDER_ID : trace.correlationIds[0]);
          return undefined;
        },
      },
      {
        name: 'the timeline records order.released',
        withinMs: 15_000,
        async check() {
          const correlationId = ctx.state.get('correlationId');
          if (!correlationId) return 'no correlation yet';
          const table = productOutput(ctx, 'CorrelationTableName')!;
          const { Items } = await ctx.dynamodb.send(
            new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :tl)', ExpressionAttributeValues: { ':pk': `CORR#${String(correlationId)}`, ':tl': 'TL#' } }),
          );
          return Items?.some((i) => i.eventType === 'order.released') ? undefined : 'no timeline entry yet';
        },
      },
    ],
  },
  {
    name: '2c. dispatch: the fleet system gets one route for the order, the ERP hears "dispatched"',
    skipUnless: (ctx) => {
      const fleet = ctx.sandbox.simulators?.urls.fleet;
      if (!fleet) return 'no simulators';
      return functionsMentioning(ctx, fleet).length > 0 ? undefined : 'no function calls the fleet system yet';
    },
    expectations: (ctx) => [
      {
        name: `the fleet simulator received a route creation for ${ORDER_ID}`,
        withinMs: 20_000,
        check: () => {
          const calls = ctx.sandbox.simulators!.fleet.calls;
          return calls.some((c) => c.method === 'POST' && JSON.stringify(c).includes(ORDER_ID)) ? undefined : `${calls.length} calls, none creates a route for ${ORDER_ID}`;
        },
      },
      {
        name: 'the route is one Samsara accepts: stops with coordinates, the first scheduled to depart, assigned to the order\'s vehicle',
        withinMs: 20_000,
        check: () => {
          const created = answered(ctx.sandbox.simulators!.fleet.calls, 'POST', '/fleet/routes').find((c) => JSON.stringify(c.body).includes(ORDER_ID));
          if (!created) return 'no accepted route creation yet';
          const body = created.body as { vehicleId?: string; stops: { singleUseLocation?: { latitude?: number }; addressId?: string; scheduledDepartureTime?: string }[] };
          if (created.contract?.errors.length) return `outside Samsara's contract: ${created.contract.errors.join('; ')}`;
          if (!body.vehicleId) return 'the route is not assigned to a vehicle';
          return body.stops[0]?.scheduledDepartureTime ? undefined : 'the first stop has no departure time';
        },
      },
      {
        name: 'the ERP shipment status is "dispatched"',
        withinMs: 20_000,
        check: () => expectStatuses(ctx, ['dispatched']),
      },
      {
        name: 'the index records the vehicle and the reefer trailer carrying the shipment',
        withinMs: 20_000,
        async check() {
          const items = await assignmentsOfShipment(ctx.dynamodb, productOutput(ctx, 'CorrelationTableName')!, shipmentOf(ctx));
          const kinds = items.map((i) => String(i.assetKind)).sort();
          return kinds.join() === 'trailer,vehicle' ? undefined : `assignments: ${kinds.join(', ') || 'none'}`;
        },
      },
      {
        name: 'the correlation index links the order, the shipment and the route',
        withinMs: 20_000,
        async check() {
          const trace = await orderTrace(ctx);
          if (!trace) return 'no trace yet';
          const missing = (['order', 'shipment', 'route'] as const).filter((kind) => !trace.ids[kind]?.length);
          return missing.length === 0 ? undefined : `no ${missing.join(', ')} link yet`;
        },
      },
    ],
  },
  {
    name: '3. the fleet departs the DC → ERP status "in transit"',
    skipUnless: skipUnlessFullStack,
    async run(ctx) {
      await fleetMilestones(ctx).depart(ctx);
    },
    expectations: (ctx) => [
      { name: 'the ERP shipment status is "in-transit"', withinMs: 20_000, check: () => expectStatuses(ctx, ['dispatched', 'in-transit']) },
      ...(fleetMilestones(ctx).expectations?.(ctx, 'departed') ?? []),
    ],
  },
];
