/** Test doubles and fixtures for the outbound and indexer handler tests (in-memory ports, no SDK mocks). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import type { CsPort, NewTicket, ShipmentTicketUpdate, TicketUpdate, UpdateByExternalIdOptions } from '../../lambdas/cs/cs-port';
import { planUpdateByExternalId } from '../../lambdas/cs/ticket-plan';
import type { ErpPort } from '../../lambdas/erp/erp-port';
import type { FleetPort, NewRoute } from '../../lambdas/fleet/fleet-port';
import { buildCanonicalEvent, type CanonicalDetail } from '../../lambdas/shared/canonical-event';
import { validateCanonicalEvent } from '../../lambdas/shared/canonical-validation';
import { InMemoryPublisher } from '../../lambdas/shared/event-publisher';
import { InMemoryPersistenceLayer } from '../../lambdas/shared/idempotency';
import type { Degradation } from '../../lambdas/shared/outbound/degradation';
import { InMemoryCircuitStore } from '../../lambdas/shared/outbound/circuit-store';
import type { CircuitSettings } from '../../lambdas/shared/outbound/decisions';
import { PowertoolsIdempotentRunner } from '../../lambdas/shared/outbound/idempotency';
import { InMemoryMessageOps } from '../../lambdas/shared/outbound/queue-ops';
import { createOutboundHandler, type OutboundAction, type OutboundTarget } from '../../lambdas/shared/outbound/runner';
import { InMemorySyncMetrics } from '../../lambdas/shared/outbound/sync-metrics';

const examplesDir = path.resolve(import.meta.dirname, '..', '..', 'schemas', 'examples');

/** A canonical example from schemas/examples (the SO-1001 reference scenario). */
export function example(name: string): CanonicalDetail {
  return JSON.parse(readFileSync(path.join(examplesDir, `${name}.json`), 'utf8')) as CanonicalDetail;
}

/** A canonical event of the scenario with its own vendor event id (so its event id differs from the example's). */
export function scenarioEvent(input: {
  eventType: string;
  system: 'erp' | 'fleet' | 'cs' | 'orchestrator';
  vendorEventId: string;
  occurredAt: string;
  refs: CanonicalDetail['refs'];
  data?: Record<string, unknown>;
  causationId?: string;
  correlationId?: string;
}): CanonicalDetail {
  return buildCanonicalEvent({
    eventType: input.eventType,
    system: input.system,
    vendor: input.system === 'fleet' ? 'samsara' : input.system === 'cs' ? 'zendesk' : input.system === 'erp' ? 'generic-erp' : 'logistics-sync',
    vendorEventId: input.vendorEventId,
    occurredAt: input.occurredAt,
    receivedAt: new Date(Date.parse(input.occurredAt) + 1500).toISOString(),
    refs: input.refs,
    data: input.data ?? {},
    causationId: input.causationId,
    correlationId: input.correlationId,
  });
}

let seq = 0;

/** An SQS record as an EventBridge rule delivers a canonical event. */
export function sqsRecord(detail: CanonicalDetail | string, options: { receiveCount?: number; attributes?: Record<string, string>; messageId?: string } = {}): SQSRecord {
  const body =
    typeof detail === 'string'
      ? detail
      : JSON.stringify({
          version: '0',
          id: `evt-${++seq}`,
          'detail-type': detail.metadata.eventType,
          source: `logistics-sync.${detail.metadata.source.system}`,
          account: '123456789012',
          time: detail.metadata.occurredAt,
          region: 'eu-west-1',
          resources: [],
          detail,
        });
  return {
    messageId: options.messageId ?? `msg-${++seq}`,
    receiptHandle: `rh-${seq}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: String(Date.now()),
      SenderId: 'events.amazonaws.com',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: Object.fromEntries(Object.entries(options.attributes ?? {}).map(([k, v]) => [k, { stringValue: v, dataType: 'String', stringListValues: [], binaryListValues: [] }])),
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:erp-sync',
    awsRegion: 'eu-west-1',
  };
}

export function sqsEvent(...records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

/** A Lambda context with plenty of time left (or `remainingMs`). */
export function lambdaContext(remainingMs = 25_000): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'test-fn',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:test-fn',
    memoryLimitInMB: '256',
    awsRequestId: `req-${++seq}`,
    logGroupName: '/aws/lambda/test-fn',
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** A logger that keeps lines in memory. */
export function memoryLogger() {
  const lines: { level: string; message: string; extra?: unknown }[] = [];
  return {
    lines,
    info: (message: string, extra?: unknown) => void lines.push({ level: 'info', message, extra }),
    warn: (message: string, extra?: unknown) => void lines.push({ level: 'warn', message, extra }),
    error: (message: string, extra?: unknown) => void lines.push({ level: 'error', message, extra }),
    appendKeys: () => undefined,
    removeKeys: () => undefined,
  };
}

/** Scripted failure: the next calls of a port method throw these errors in order. */
export class Script {
  private readonly queues = new Map<string, unknown[]>();
  failNext(method: string, ...errors: unknown[]): void {
    this.queues.set(method, [...(this.queues.get(method) ?? []), ...errors]);
  }
  /** Forgets every scripted failure: the target works again. */
  clear(): void {
    this.queues.clear();
  }
  check(method: string): void {
    const queue = this.queues.get(method);
    const next = queue?.shift();
    if (next !== undefined) throw next;
  }
}

/** An in-memory ERP: records every call; `script` makes calls fail. */
export class InMemoryErp implements ErpPort {
  readonly calls: { method: string; args: unknown[] }[] = [];
  readonly script = new Script();
  private record(method: string, args: unknown[]): void {
    this.script.check(method);
    this.calls.push({ method, args });
  }
  async getOrder(orderId: string) {
    this.record('getOrder', [orderId]);
    return { orderId, customerId: 'C-77', lines: [] };
  }
  async getCustomerContract(customerId: string) {
    this.record('getCustomerContract', [customerId]);
    return { customerId, sla: {} };
  }
  async updateShipmentStatus(...args: Parameters<ErpPort['updateShipmentStatus']>) {
    this.record('updateShipmentStatus', args);
  }
  async placeQualityHold(...args: Parameters<ErpPort['placeQualityHold']>) {
    this.record('placeQualityHold', args);
    return { holdId: 'H-1' };
  }
  async releaseQualityHold(...args: Parameters<ErpPort['releaseQualityHold']>) {
    this.record('releaseQualityHold', args);
  }
  /** Orders and shipments marked billing-ready: a repeat answers the first mark, as the port promises. */
  readonly billingReady = new Set<string>();
  async markBillingReady(...args: Parameters<ErpPort['markBillingReady']>) {
    this.record('markBillingReady', args);
    this.billingReady.add(`${args[0]}/${args[1].shipmentId ?? ''}`);
  }
  callsOf(method: string) {
    return this.calls.filter((c) => c.method === method);
  }
}

export class InMemoryFleet implements FleetPort {
  readonly routes: { route: NewRoute; idempotencyKey: string }[] = [];
  /** Every createRoute call, a repeat included (the port returns the shipment's existing route to a repeat). */
  createCalls = 0;
  readonly script = new Script();
  async createRoute(route: NewRoute, idempotencyKey: string) {
    this.script.check('createRoute');
    this.createCalls++;
    if (!this.routes.some((r) => r.route.shipmentId === route.shipmentId)) this.routes.push({ route, idempotencyKey });
    return { routeId: 'RT-4421', stopIds: route.stops.map((_, i) => `STP-4421-${i + 1}`), ...(route.assignment && 'vehicleId' in route.assignment ? { vehicleId: '212014918087523' } : {}) };
  }
  /** Samsara's id of the trailers it knows, by the refs the ERP uses. */
  readonly trailers = new Map<string, string>([['erp.trailer:RF-204', '281474977110204']]);
  async trailerId(ref: string) {
    this.script.check('trailerId');
    return this.trailers.get(ref);
  }
}

/** Tickets in memory; which ticket an update by external id reaches is decided by the real plan (ticket-plan.ts). */
export class InMemoryCs implements CsPort {
  readonly tickets = new Map<string, NewTicket & { id: string; closed?: boolean }>();
  readonly updates: { ticketId: string; update: TicketUpdate }[] = [];
  readonly script = new Script();
  async createTicket(ticket: NewTicket) {
    this.script.check('createTicket');
    const id = String(38210 + this.tickets.size + 1);
    this.tickets.set(id, { ...ticket, id });
    return { ticketId: id };
  }
  async updateTicket(ticketId: string, update: TicketUpdate) {
    this.script.check('updateTicket');
    this.updates.push({ ticketId, update });
  }
  /** Idempotency-Keys of the updates each ticket received (the Zendesk client's marker tags). */
  readonly keysByTicket = new Map<string, Set<string>>();
  async updateTicketByExternalId(externalId: string, update: ShipmentTicketUpdate, options: UpdateByExternalIdOptions) {
    this.script.check('updateTicketByExternalId');
    const listed = [...this.tickets.values()].filter((t) => t.externalId === externalId).map((t) => ({ ...t, status: t.closed ? 'closed' : 'open' }));
    const landed = listed.find((t) => this.keysByTicket.get(t.id)?.has(options.idempotencyKey));
    if (landed) return { ticketId: landed.id, alreadyDone: 'updated' as const };
    const plan = planUpdateByExternalId(externalId, listed, update, options.followUp);
    if (plan.kind === 'none') return undefined;
    if (plan.kind === 'update') {
      await this.updateTicket(plan.ticketId, update);
      this.keysByTicket.set(plan.ticketId, (this.keysByTicket.get(plan.ticketId) ?? new Set()).add(options.idempotencyKey));
      return { ticketId: plan.ticketId };
    }
    return { ...(await this.createTicket(plan.ticket)), followUpOf: plan.sourceTicketId };
  }
}

export const TEST_CIRCUIT: CircuitSettings = { failureThreshold: 3, cooldownSeconds: 30, maxCooldownSeconds: 600 };

/** An outbound handler over in-memory ports, with everything it did inspectable. */
export function outboundHarness<A extends OutboundAction>(
  target: OutboundTarget<A>,
  options: { maxReceiveCount?: number; windows?: { day: '*'; startUtc: string; durationMinutes: number }[]; now?: () => Date; degradation?: Degradation; rateLimitWait?: () => number } = {},
) {
  const messages = new InMemoryMessageOps();
  const circuit = new InMemoryCircuitStore(TEST_CIRCUIT);
  const persistence = new InMemoryPersistenceLayer();
  const publisher = new InMemoryPublisher();
  const metrics = new InMemorySyncMetrics();
  const logger = memoryLogger();
  const handler = createOutboundHandler({
    target,
    messages,
    circuit,
    idempotency: new PowertoolsIdempotentRunner(persistence, { keyPrefix: `test-${target.target}`, expiresAfterSeconds: 3600 }),
    publisher,
    metrics,
    logger,
    settings: {
      maxReceiveCount: options.maxReceiveCount ?? 3,
      backoff: { baseSeconds: 2, maxSeconds: 900 },
      maintenanceWindows: options.windows ?? [],
      maxHoldSeconds: 3 * 86_400,
      callBudgetMs: 5_000,
      queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/erp-sync',
    },
    clock: options.now,
    random: () => 0.5,
    ...(options.degradation ? { degradation: options.degradation } : {}),
    ...(options.rateLimitWait ? { rateLimitWait: options.rateLimitWait } : {}),
  });
  return { handler, messages, circuit, persistence, publisher, metrics, logger };
}

/** Asserts every event is a valid canonical event (schemas/canonical) and returns them. */
export function expectValidCanonical(events: readonly CanonicalDetail<object>[]): CanonicalDetail[] {
  for (const event of events) {
    const result = validateCanonicalEvent(event);
    if (!result.ok) throw new Error(`${event.metadata.eventType} is not a valid canonical event: ${result.errors.join('; ')}`);
  }
  return [...events] as CanonicalDetail[];
}
