import { GetCommand, paginateScan, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseFleetExternalIds } from '../../lambdas/shared/fleet-external-ids';
import { traceById, type Trace } from '../../lambdas/trace/trace-query';
import type { TappedEvent } from '../runtime/bus-tap';
import type { CallRecord } from '../simulators/index';
import type { ScenarioContext } from './runner';

// Helpers for the reference scenario's steps: everything is found in the deployed template, never in a list kept here.

/** The order the reference scenario follows (docs/architecture.md, "Reference scenario"). */
export const ORDER_ID = 'SO-1001';

/** The product's REST API method for a webhook path, when the stack has one. */
export function webhookRoute(ctx: ScenarioContext, webhookPath: string): boolean {
  const productApis = ctx.sandbox.apis.filter((api) => api.spec.stackName === ctx.sandbox.endpoints.stackName);
  return productApis.some((api) => api.methodFor('POST', webhookPath) !== undefined);
}

/** Functions of the product whose environment mentions `value` (e.g. a simulator URL or a table name). */
export function functionsMentioning(ctx: ScenarioContext, value: string) {
  return ctx.sandbox.functions.functions.filter((fn) => fn.spec.stackName === ctx.sandbox.endpoints.stackName && Object.values(fn.spec.environment).some((v) => v.includes(value)));
}

export function productOutput(ctx: ScenarioContext, name: string): string | undefined {
  return ctx.sandbox.endpoints.outputs[ctx.sandbox.endpoints.stackName]?.[name];
}

export function isOrderReleased(event: TappedEvent): boolean {
  const detail = event.detail as { refs?: { orderId?: string } };
  return event['detail-type'] === 'order.released' && detail.refs?.orderId === ORDER_ID;
}

/** Rules on the product's buses (from the template) with the SQS queues they target. */
export function sqsRoutes(ctx: ScenarioContext): { rule: string; pattern: unknown; bus: string; queueArn: string; queue: string }[] {
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

/**
 * The fleet simulator's route for one of our orders, found by the ids dispatch wrote into its external ids
 * (lambdas/shared/fleet-external-ids.ts): its Samsara id, usable wherever the simulator takes a route
 * reference, and our shipment id. The most recent route wins when the order has several shipments.
 */
export function fleetRouteOfOrder(ctx: ScenarioContext, orderId: string): { id: string; shipmentId: string } {
  const { routes } = ctx.sandbox.simulators!.fleet.snapshot() as { routes: { id: string; externalIds: Record<string, string> }[] };
  for (const route of [...routes].reverse()) {
    const ids = parseFleetExternalIds(route.externalIds);
    if (ids.orderId === orderId && ids.shipmentId) return { id: route.id, shipmentId: ids.shipmentId };
  }
  throw new Error(`the fleet has no route for ${orderId}`);
}

// ------------------------------------------------------------------------------------------------
// Helpers for the full-stack steps (3–8).

export function skipUnlessFullStack(ctx: ScenarioContext): string | undefined {
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
export function shipmentOf(ctx: ScenarioContext): string {
  return fleetRouteOfOrder(ctx, ORDER_ID).shipmentId;
}

/** The fleet route of the reference order (its Samsara id). */
export function routeRef(ctx: ScenarioContext): string {
  return fleetRouteOfOrder(ctx, ORDER_ID).id;
}

export async function accepted(delivery: Promise<{ status: number | null }>, what: string): Promise<void> {
  const { status } = await delivery;
  if (status !== 202) throw new Error(`${what} was answered ${status}`);
}

export function answered(calls: readonly CallRecord[], method: string, path: string): CallRecord[] {
  return calls.filter((c) => c.method === method && c.path === path && c.status !== null && c.status < 300);
}

/**
 * The ERP's accepted status updates for the shipment must equal `expected` in order (or, with `subset`,
 * contain it in order): each status once, none backwards.
 */
export function expectStatuses(ctx: ScenarioContext, expected: readonly string[], options: { subset?: boolean } = {}): string | undefined {
  if (!ctx.sandbox.simulators) return 'no simulators';
  let shipmentId: string;
  try {
    shipmentId = shipmentOf(ctx);
  } catch {
    return `no route for ${ORDER_ID}`;
  }
  const statuses = ctx.sandbox.simulators.erpPort.shipmentStatuses(shipmentId);
  if (new Set(statuses).size !== statuses.length) return `a status was sent twice: ${statuses.join(' → ')}`;
  if (!options.subset) return statuses.join() === expected.join() ? undefined : `statuses ${statuses.join(' → ') || '(none)'}`;
  let at = 0;
  for (const status of statuses) if (status === expected[at]) at++;
  return at === expected.length ? undefined : `statuses ${statuses.join(' → ') || '(none)'}`;
}

/** The first ticket of the shipment on the stage's CS platform (sandbox/simulators/cs-port.ts). */
export function ticketOf(ctx: ScenarioContext): string | undefined {
  return ctx.sandbox.simulators!.csPort.tickets().find((t) => t.shipmentId === shipmentOf(ctx))?.id;
}

/** The product's own trace of the order (the query behind `lsync trace` and `GET /trace/{id}`). */
export async function orderTrace(ctx: ScenarioContext): Promise<Trace | undefined> {
  return traceById(ctx.dynamodb, productOutput(ctx, 'CorrelationTableName')!, ORDER_ID);
}

/** Reads one item (helper for steps that check a key directly). */
export async function getItem(ctx: ScenarioContext, tableName: string, key: Record<string, string>): Promise<Record<string, unknown> | undefined> {
  return (await ctx.dynamodb.send(new GetCommand({ TableName: tableName, Key: key }))).Item;
}

/**
 * The asset assignments the correlation index holds for a shipment (`ASSET#<kind>#<id>` / `AT#…#<shipmentId>`,
 * written at dispatch). They are keyed by asset, as the alert lookup finds them; a sandbox check that knows only the
 * shipment scans its small table for them (the scenario's dispatch step, the e2e tests' waits).
 */
export async function assignmentsOfShipment(client: DynamoDBDocumentClient, tableName: string, shipmentId: string): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  const pages = paginateScan(
    { client },
    { TableName: tableName, FilterExpression: 'itemType = :type AND shipmentId = :id', ExpressionAttributeValues: { ':type': 'asset-assignment', ':id': shipmentId } },
  );
  for await (const page of pages) found.push(...(page.Items ?? []));
  return found;
}
