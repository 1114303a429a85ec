import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { traceById, type Trace } from '../lambdas/trace/trace-query';
import { clientConfig } from './aws';
import { PROJECT_ROOT } from './python-env';
import { CLOSED_CASE, CS_FOLLOW_UP_STEPS, followUpOfClosedCase } from './scenario-cs';
import { EXCEPTION_WORKFLOW_STEPS } from './scenario-exceptions';
import { fleetRouteOfOrder } from './scenario-fleet';
import { VISIBILITY_STEPS } from './scenario-visibility';
import type { TappedEvent } from './runtime/bus-tap';
import { matchesPattern } from '../registry/event-pattern';
import type { Sandbox } from './sandbox';
import type { CallRecord } from './simulators/index';
import { SYSTEMS } from '../registry/systems';
import { webhookPath } from '../registry/vendors';

/**
 * The reference scenario (docs/architecture.md, "Reference scenario") as a list of named steps with named expectations. A step runs only
 * when the stack implements what it needs (`skipUnless`), so the scenario grows with the product: add a
 * step to {@link REFERENCE_SCENARIO} (or pass your own list to {@link runScenario}).
 *
 * ```ts
 * const step: ScenarioStep = {
 *   name: 'fleet departs the DC',
 *   skipUnless: (ctx) => (ctx.sandbox.simulators ? undefined : 'no simulators'),
 *   run: async (ctx) => { await ctx.sandbox.simulators!.fleet.departStop(String(ctx.state.get('routeId'))); },
 *   expectations: [{ name: 'ERP shipment status is "in transit"', withinMs: 15_000, check: async (ctx) => { ... } }],
 * };
 * ```
 */

export interface ScenarioContext {
  readonly sandbox: Sandbox;
  readonly log: (line: string) => void;
  /** Values a step hands to later steps (ids, deliveries, timestamps). */
  readonly state: Map<string, unknown>;
  /** Document client on the emulator's DynamoDB. */
  readonly dynamodb: DynamoDBDocumentClient;
  readonly events: EventBridgeClient;
}

export interface Expectation {
  readonly name: string;
  /**
   * Holds when it returns without throwing (or returns undefined). A thrown error or a returned string is
   * the reason it does not hold (yet): checked again until `withinMs` has passed.
   */
  check(ctx: ScenarioContext): Promise<string | void> | string | void;
  /** How long the pipeline may take to make it hold. @default 10 000 ms */
  readonly withinMs?: number;
}

export interface ScenarioStep {
  readonly name: string;
  /** Why the stack cannot run this step yet, or undefined when it can. */
  readonly skipUnless?: (ctx: ScenarioContext) => string | undefined;
  readonly run?: (ctx: ScenarioContext) => Promise<void>;
  /** Fixed, or derived from the stack and what `run` did (e.g. one per routing rule). */
  readonly expectations: readonly Expectation[] | ((ctx: ScenarioContext) => readonly Expectation[]);
}

export interface ExpectationResult {
  readonly name: string;
  readonly ok: boolean;
  readonly reason?: string;
  readonly ms: number;
}

export interface StepResult {
  readonly name: string;
  readonly status: 'passed' | 'failed' | 'skipped';
  readonly reason?: string;
  readonly expectations: readonly ExpectationResult[];
  readonly ms: number;
}

export interface ScenarioReport {
  readonly ok: boolean;
  readonly steps: readonly StepResult[];
  /** The first expectation that did not hold, as `<step> › <expectation>: <reason>`. */
  readonly firstFailure?: string;
}

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function eventually(expectation: Expectation, ctx: ScenarioContext): Promise<ExpectationResult> {
  const started = performance.now();
  const deadline = Date.now() + (expectation.withinMs ?? 10_000);
  let reason: string;
  for (;;) {
    try {
      const result = await expectation.check(ctx);
      if (typeof result !== 'string') return { name: expectation.name, ok: true, ms: Math.round(performance.now() - started) };
      reason = result;
    } catch (error) {
      reason = reasonOf(error);
    }
    if (Date.now() >= deadline) return { name: expectation.name, ok: false, reason, ms: Math.round(performance.now() - started) };
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs the steps in order; a failed step stops the scenario (later steps depend on earlier ones). */
export async function runScenario(sandbox: Sandbox, steps: readonly ScenarioStep[] = REFERENCE_SCENARIO, options: { log?: (line: string) => void } = {}): Promise<ScenarioReport> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const base = new DynamoDBClient(clientConfig(sandbox.endpoints.awsEndpoint));
  const events = new EventBridgeClient(clientConfig(sandbox.endpoints.awsEndpoint));
  const ctx: ScenarioContext = { sandbox, log, state: new Map(), dynamodb: DynamoDBDocumentClient.from(base), events };
  const results: StepResult[] = [];
  let firstFailure: string | undefined;
  try {
    for (const step of steps) {
      const started = performance.now();
      const ms = () => Math.round(performance.now() - started);
      if (firstFailure) {
        results.push({ name: step.name, status: 'skipped', reason: 'an earlier step failed', expectations: [], ms: 0 });
        continue;
      }
      const skip = step.skipUnless?.(ctx);
      if (skip) {
        results.push({ name: step.name, status: 'skipped', reason: skip, expectations: [], ms: 0 });
        log(`  - ${step.name}: skipped (${skip})`);
        continue;
      }
      try {
        await step.run?.(ctx);
      } catch (error) {
        firstFailure = `${step.name}: ${reasonOf(error)}`;
        results.push({ name: step.name, status: 'failed', reason: reasonOf(error), expectations: [], ms: ms() });
        log(`  ✗ ${step.name}: ${reasonOf(error)}`);
        continue;
      }
      const expectations = typeof step.expectations === 'function' ? step.expectations(ctx) : step.expectations;
      if (expectations.length === 0) {
        results.push({ name: step.name, status: 'skipped', reason: 'nothing in the stack to check yet', expectations: [], ms: ms() });
        log(`  - ${step.name}: nothing in the stack to check yet`);
        continue;
      }
      const checked = await Promise.all(expectations.map((e) => eventually(e, ctx)));
      const failed = checked.find((c) => !c.ok);
      if (failed) firstFailure = `${step.name} › ${failed.name}: ${failed.reason}`;
      results.push({ name: step.name, status: failed ? 'failed' : 'passed', expectations: checked, ms: ms() });
      log(`  ${failed ? '✗' : '✓'} ${step.name} (${ms()} ms)`);
      for (const c of checked) log(`      ${c.ok ? '✓' : '✗'} ${c.name}${c.ok ? ` (${c.ms} ms)` : `: ${c.reason}`}`);
    }
  } finally {
    base.destroy();
    events.destroy();
  }
  return { ok: firstFailure === undefined, steps: results, firstFailure };
}

// ------------------------------------------------------------------------------------------------
// Helpers for steps: everything is found in the deployed template, never in a list kept here.

const ORDER_ID = 'SO-1001';

/** The product's REST API method for a webhook path, when the stack has one. */
function webhookRoute(ctx: ScenarioContext, webhookPath: string): boolean {
  const productApis = ctx.sandbox.apis.filter((api) => api.spec.stackName === ctx.sandbox.endpoints.stackName);
  return productApis.some((api) => api.methodFor('POST', webhookPath) !== undefined);
}

/** Functions of the product whose environment mentions `value` (e.g. a simulator URL or a table name). */
function functionsMentioning(ctx: ScenarioContext, value: string) {
  return ctx.sandbox.functions.functions.filter((fn) => fn.spec.stackName === ctx.sandbox.endpoints.stackName && Object.values(fn.spec.environment).some((v) => v.includes(value)));
}

function productOutput(ctx: ScenarioContext, name: string): string | undefined {
  return ctx.sandbox.endpoints.outputs[ctx.sandbox.endpoints.stackName]?.[name];
}

function isOrderReleased(event: TappedEvent): boolean {
  const detail = event.detail as { refs?: { orderId?: string } };
  return event['detail-type'] === 'order.released' && detail.refs?.orderId === ORDER_ID;
}

/** Rules on the product's buses (from the template) with the SQS queues they target. */
function sqsRoutes(ctx: ScenarioContext): { rule: string; pattern: unknown; bus: string; queueArn: string; queue: string }[] {
  const product = ctx.sandbox.product;
  if (!product) return [];
  const routes: { rule: string; pattern: unknown; bus: string; queueArn: string; queue: string }[] = [];
  for (const rule of product.ofType('AWS::Events::Rule')) {
    const props = product.properties(rule.logicalId);
    if (!props.EventPattern || props.State === 'DISABLED') continue;
    for (const target of (props.Targets ?? []) as { Arn: string; Id: string }[]) {
      if (!String(target.Arn).startsWith('arn:aws:sqs:')) continue;
      routes.push({ rule: rule.logicalId, pattern: props.EventPattern, bus: String(props.EventBusName ?? 'default'), queueArn: target.Arn, queue: target.Arn.split(':').pop()! });
    }
  }
  return routes;
}

// ------------------------------------------------------------------------------------------------

/** The reference scenario (docs/architecture.md), as far as the stack implements it. Later steps are added as the product grows. */
export const REFERENCE_SCENARIO: readonly ScenarioStep[] = [
  {
    name: `1. ERP releases order ${ORDER_ID}`,
    skipUnless: (ctx) => (productOutput(ctx, 'EventBusName') ? undefined : 'the product stack has no event bus output'),
    async run(ctx) {
      const sims = ctx.sandbox.simulators;
      if (sims && webhookRoute(ctx, webhookPath('erp', 'cloudevents'))) {
        // Through the whole inbound path: the ERP simulator signs a CloudEvent and posts it to our API.
        ctx.state.set('via', 'erp-webhook');
        ctx.state.set('delivery', await sims.erp.releaseOrder(ORDER_ID));
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
              name: 'the CloudEvents webhook is accepted (202)',
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
        name: `LINK#order#${ORDER_ID} points at a correlation`,
        withinMs: 15_000,
        async check() {
          const table = productOutput(ctx, 'CorrelationTableName')!;
          const { Items } = await ctx.dynamodb.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `LINK#order#${ORDER_ID}` } }));
          if (!Items?.length) return 'no link item yet';
          ctx.state.set('correlationId', Items[0]!.correlationId);
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
          const table = productOutput(ctx, 'CorrelationTableName')!;
          const { Items } = await ctx.dynamodb.send(
            new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :asset)', ExpressionAttributeValues: { ':pk': `SHIPMENT#${shipmentOf(ctx)}`, ':asset': 'ASSET#' } }),
          );
          const kinds = (Items ?? []).map((i) => String(i.sk).split('#')[1]).sort();
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
      await accepted(ctx.sandbox.simulators!.fleet.departStop(routeRef(ctx), 0), 'the departure webhook');
    },
    expectations: (ctx) => [{ name: 'the ERP shipment status is "in-transit"', withinMs: 20_000, check: () => expectStatuses(ctx, ['dispatched', 'in-transit']) }],
  },
  ...EXCEPTION_WORKFLOW_STEPS,
  ...CS_FOLLOW_UP_STEPS,
  {
    name: '6. arrival and proof of delivery → ERP delivered and billing-ready → the ERP posts the invoice → the CS ticket gets POD and invoice',
    skipUnless: skipUnlessFullStack,
    async run(ctx) {
      const fleet = ctx.sandbox.simulators!.fleet;
      await accepted(fleet.arriveAtStop(routeRef(ctx)), 'the arrival webhook');
      // A driver submits the POD after arriving; wait for the arrival to reach the ERP so the story reads in order.
      const deadline = Date.now() + 20_000;
      while (typeof expectStatuses(ctx, ['arrived'], { subset: true }) === 'string' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      await accepted(fleet.submitProofOfDelivery(routeRef(ctx)), 'the proof-of-delivery webhook');
    },
    expectations: (ctx) => [
      { name: 'the ERP shipment status went arrived → delivered', withinMs: 20_000, check: () => expectStatuses(ctx, ['arrived', 'delivered'], { subset: true }) },
      {
        name: 'the ERP got exactly one billing-ready',
        withinMs: 20_000,
        check: () => {
          const calls = answered(ctx.sandbox.simulators!.erp.calls, 'POST', `/orders/${ORDER_ID}/billing-ready`).filter((c) => !c.replayed);
          return calls.length === 1 ? undefined : `${calls.length} billing-ready calls`;
        },
      },
      {
        name: 'invoice.posted (from the ERP) is on the bus',
        withinMs: 20_000,
        check: () =>
          ctx.sandbox.busTap.events().some((e) => e['detail-type'] === 'invoice.posted' && (e.detail as { refs?: { orderId?: string } }).refs?.orderId === ORDER_ID)
            ? undefined
            : 'not yet',
      },
      // Step 5b closes the exception ticket in Zendesk; without it the ticket is still open and takes the update.
      ctx.state.has(CLOSED_CASE)
        ? {
            name: 'the exception ticket is closed, so the proof of delivery and the invoice land once on a follow-up linked to it (via_followup_source_id)',
            withinMs: 30_000,
            check: () => followUpOfClosedCase(ctx, ctx.sandbox.simulators!.cs.calls),
          }
        : {
            name: 'the exception ticket is updated once with the proof of delivery and the invoice',
            withinMs: 30_000,
            check: () => {
              const ticketId = ticketOf(ctx);
              if (!ticketId) return 'no ticket for the shipment';
              const updates = answered(ctx.sandbox.simulators!.cs.calls, 'PUT', `/api/v2/tickets/${ticketId}.json`).filter((c) => /invoice/i.test(JSON.stringify(c.body)));
              if (updates.length !== 1) return `${updates.length} ticket updates mention the invoice`;
              return /proof of delivery/i.test(JSON.stringify(updates[0].body)) ? undefined : 'the update does not mention the proof of delivery';
            },
          },
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
      await accepted(ctx.sandbox.simulators!.fleet.departStop(routeRef(ctx), 0, { at: new Date(Date.now() - 3_600_000) }), 'the late departure webhook');
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
          const outside = [sims.erp, sims.fleet, sims.cs].flatMap((sim) =>
            sim.calls.filter((c) => c.contract && (c.contract.errors.length > 0 || c.contract.responseErrors?.length)).map((c) => `${sim.system} ${c.method} ${c.path}: ${[...c.contract!.errors, ...(c.contract!.responseErrors ?? [])].join('; ')}`),
          );
          const checked = [sims.erp, sims.fleet, sims.cs].reduce((n, sim) => n + sim.calls.filter((c) => c.contract?.operationId).length, 0);
          if (checked === 0) return 'no call was checked against a contract';
          return outside.length === 0 ? undefined : outside.slice(0, 3).join(' | ');
        },
      },
      {
        name: 'the POD-to-invoice cycle time is known and no hop failed',
        withinMs: 20_000,
        async check() {
          const trace = await orderTrace(ctx);
          if (!trace?.summary.podToInvoiceMs) return 'no POD-to-invoice cycle time';
          return trace.failed.length === 0 ? undefined : `${trace.failed.length} failed hops`;
        },
      },
    ],
  },
  ...VISIBILITY_STEPS,
];

// ------------------------------------------------------------------------------------------------
// Helpers for the full-stack steps (3 and 6–8).


function skipUnlessFullStack(ctx: ScenarioContext): string | undefined {
  if (!ctx.sandbox.simulators) return 'no simulators';
  if (!productOutput(ctx, 'CorrelationTableName')) return 'the product stack has no correlation table';
  try {
    shipmentOf(ctx);
  } catch {
    return `the fleet has no route for ${ORDER_ID}`;
  }
  return undefined;
}

/** Our shipment id, as dispatch wrote it into the fleet route's external ids. */
function shipmentOf(ctx: ScenarioContext): string {
  return fleetRouteOfOrder(ctx, ORDER_ID).shipmentId;
}

/** The fleet route of the reference order (its Samsara id). */
function routeRef(ctx: ScenarioContext): string {
  return fleetRouteOfOrder(ctx, ORDER_ID).id;
}

async function accepted(delivery: Promise<{ status: number | null }>, what: string): Promise<void> {
  const { status } = await delivery;
  if (status !== 202) throw new Error(`${what} was answered ${status}`);
}

function answered(calls: readonly CallRecord[], method: string, path: string): CallRecord[] {
  return calls.filter((c) => c.method === method && c.path === path && c.status !== null && c.status < 300);
}

/**
 * The ERP's accepted status updates for the shipment must equal `expected` in order (or, with `subset`,
 * contain it in order): each status once, none backwards.
 */
function expectStatuses(ctx: ScenarioContext, expected: readonly string[], options: { subset?: boolean } = {}): string | undefined {
  if (!ctx.sandbox.simulators) return 'no simulators';
  let shipmentId: string;
  try {
    shipmentId = shipmentOf(ctx);
  } catch {
    return `no route for ${ORDER_ID}`;
  }
  const statuses = answered(ctx.sandbox.simulators.erp.calls, 'PUT', `/shipments/${shipmentId}/status`)
    .filter((c) => !c.replayed)
    .map((c) => (c.body as { status: string }).status);
  if (new Set(statuses).size !== statuses.length) return `a status was sent twice: ${statuses.join(' → ')}`;
  if (!options.subset) return statuses.join() === expected.join() ? undefined : `statuses ${statuses.join(' → ') || '(none)'}`;
  let at = 0;
  for (const status of statuses) if (status === expected[at]) at++;
  return at === expected.length ? undefined : `statuses ${statuses.join(' → ') || '(none)'}`;
}

function ticketOf(ctx: ScenarioContext): number | undefined {
  const tickets = (ctx.sandbox.simulators!.cs.snapshot() as { tickets: { id: number; external_id: string | null }[] }).tickets;
  return tickets.find((t) => t.external_id === shipmentOf(ctx))?.id;
}

/** The product's own trace of the order (the query behind `lsync trace` and `GET /trace/{id}`). */
async function orderTrace(ctx: ScenarioContext): Promise<Trace | undefined> {
  return traceById(ctx.dynamodb, productOutput(ctx, 'CorrelationTableName')!, ORDER_ID);
}

/** Reads one item (helper for steps that check a key directly). */
export async function getItem(ctx: ScenarioContext, tableName: string, key: Record<string, string>): Promise<Record<string, unknown> | undefined> {
  return (await ctx.dynamodb.send(new GetCommand({ TableName: tableName, Key: key }))).Item;
}
