/**
 * In-process doubles for the exception workflows' tests (test/workflows/harness.ts runs the state machines with
 * them): the ERP and CS ports in memory, and a recorder of the direct service integrations.
 */
import type { CsPort, NewTicket, ShipmentTicketUpdate, TicketUpdate, UpdateByExternalIdOptions, UpdatedTicket } from '../../lambdas/cs/cs-port';
import { planUpdateByExternalId } from '../../lambdas/cs/ticket-plan';
import type { ErpCustomerContract, ErpOrder, ErpPort, ErpShipmentStatus } from '../../lambdas/erp/erp-port';

/** An error as a Lambda or service integration reports it: Step Functions matches on `name`. */
export function namedError(name: string, message = `${name} (injected)`): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** Queue of errors a double throws before it starts succeeding. */
export class Faults {
  private readonly queued = new Map<string, Error[]>();
  fail(operation: string, error: Error, times = 1): void {
    const list = this.queued.get(operation) ?? [];
    for (let i = 0; i < times; i++) list.push(error);
    this.queued.set(operation, list);
  }
  check(operation: string): void {
    const error = this.queued.get(operation)?.shift();
    if (error) throw error;
  }
}

export class FakeErp implements ErpPort {
  readonly faults = new Faults();
  readonly calls: { operation: string; idempotencyKey?: string }[] = [];
  readonly statusUpdates: { shipmentId: string; status: ErpShipmentStatus; idempotencyKey: string }[] = [];
  /** Holds by idempotency key: a repeated key returns the same hold, as the ERP's idempotency does. */
  readonly holds = new Map<string, { holdId: string; orderId: string; severity: string }>();
  orders = new Map<string, ErpOrder>([
    [
      'SO-1001',
      {
        orderId: 'SO-1001',
        customerId: 'C-77',
        lines: [{ sku: 'VAC-FLU-25', quantity: 40, refrigerated: true }],
        temperatureRange: { minCelsius: 2, maxCelsius: 8 },
        deliveryWindow: { from: '2026-03-12T12:00:00Z', to: '2026-03-12T16:00:00Z' },
      },
    ],
  ]);
  contracts = new Map<string, ErpCustomerContract>([
    ['C-77', { customerId: 'C-77', temperatureRange: { minCelsius: 2, maxCelsius: 8 }, productCategory: 'pharma-cold-chain', sla: { deliveryWindowHours: 4, exceptionResponseMinutes: 30 } }],
  ]);

  async getOrder(orderId: string): Promise<ErpOrder> {
    this.calls.push({ operation: 'getOrder' });
    this.faults.check('getOrder');
    const order = this.orders.get(orderId);
    if (!order) throw namedError('RejectedByTargetError', `order ${orderId} not found`);
    return order;
  }
  async getCustomerContract(customerId: string): Promise<ErpCustomerContract> {
    this.calls.push({ operation: 'getCustomerContract' });
    this.faults.check('getCustomerContract');
    const contract = this.contracts.get(customerId);
    if (!contract) throw namedError('RejectedByTargetError', `contract of ${customerId} not found`);
    return contract;
  }
  async updateShipmentStatus(shipmentId: string, update: { status: ErpShipmentStatus }, idempotencyKey: string): Promise<void> {
    this.calls.push({ operation: 'updateShipmentStatus', idempotencyKey });
    this.faults.check('updateShipmentStatus');
    if (!this.statusUpdates.some((u) => u.idempotencyKey === idempotencyKey)) this.statusUpdates.push({ shipmentId, status: update.status, idempotencyKey });
  }
  async placeQualityHold(hold: { orderId: string; severity: string }, idempotencyKey: string): Promise<{ holdId: string }> {
    this.calls.push({ operation: 'placeQualityHold', idempotencyKey });
    this.faults.check('placeQualityHold');
    const existing = this.holds.get(idempotencyKey);
    if (existing) return { holdId: existing.holdId };
    const holdId = `QH-${5000 + this.holds.size + 1}`;
    this.holds.set(idempotencyKey, { holdId, orderId: hold.orderId, severity: hold.severity });
    return { holdId };
  }
  async releaseQualityHold(): Promise<void> {
    throw new Error('not used by the workflows');
  }
  async markBillingReady(): Promise<void> {
    throw new Error('not used by the workflows');
  }
}

export interface FakeTicket {
  ticketId: string;
  ticket: NewTicket;
  idempotencyKey: string;
  updates: TicketUpdate[];
  /** Closed in Zendesk (by an agent or the automation): updates go to a follow-up. */
  closed?: boolean;
}

export class FakeCs implements CsPort {
  readonly faults = new Faults();
  readonly tickets = new Map<string, FakeTicket>();
  private next = 38211;

  async createTicket(ticket: NewTicket, idempotencyKey: string): Promise<{ ticketId: string }> {
    this.faults.check('createTicket');
    const replay = [...this.tickets.values()].find((t) => t.idempotencyKey === idempotencyKey);
    if (replay) return { ticketId: replay.ticketId };
    const ticketId = String(this.next++);
    this.tickets.set(ticketId, { ticketId, ticket, idempotencyKey, updates: [] });
    return { ticketId };
  }
  async updateTicket(ticketId: string, update: TicketUpdate): Promise<void> {
    this.faults.check('updateTicket');
    const ticket = this.tickets.get(ticketId);
    if (!ticket) throw namedError('RejectedByTargetError', `ticket ${ticketId} not found`);
    ticket.updates.push(update);
  }
  /** Which ticket gets the update is decided by the real plan (lambdas/cs/ticket-plan.ts). */
  async updateTicketByExternalId(externalId: string, update: ShipmentTicketUpdate, options: UpdateByExternalIdOptions): Promise<UpdatedTicket | undefined> {
    this.faults.check('updateTicketByExternalId');
    const listed = [...this.tickets.values()]
      .filter((t) => t.ticket.externalId === externalId)
      .map((t) => ({ id: t.ticketId, status: t.closed ? 'closed' : 'open', subject: t.ticket.subject, priority: t.ticket.priority, type: t.ticket.type ?? null, tags: t.ticket.tags }));
    const plan = planUpdateByExternalId(externalId, listed, update, options.followUp);
    if (plan.kind === 'none') return undefined;
    if (plan.kind === 'update') {
      await this.updateTicket(plan.ticketId, update);
      return { ticketId: plan.ticketId };
    }
    return { ...(await this.createTicket(plan.ticket, options.idempotencyKey)), followUpOf: plan.sourceTicketId };
  }
}

export interface PublishedEvent {
  Source: string;
  DetailType: string;
  EventBusName: string;
  detail: { metadata: { eventId: string; eventType: string; causationId?: string; correlationId: string }; refs: Record<string, string>; data: Record<string, unknown> };
}

/** How the wait for resolution ends in a test. */
export type WaitBehaviour =
  | { readonly kind: 'resolve'; readonly output: object }
  | { readonly kind: 'timeout' }
  /** Left pending: the test releases it with {@link FakeAws.release}. */
  | { readonly kind: 'manual' };

/** Records the direct service integrations the state machines call. */
export class FakeAws {
  readonly faults = new Faults();
  readonly events: PublishedEvent[] = [];
  readonly snsMessages: { TopicArn: string; Subject?: string; Message: string; MessageAttributes?: Record<string, { StringValue: string }> }[] = [];
  readonly items = new Map<string, Record<string, { S?: string; N?: string }>>();
  readonly waits = new Map<string, { item: Record<string, { S?: string; N?: string }>; resolve: (output: unknown) => void; reject: (error: Error) => void }>();
  /**
   * Entries PutEvents should reject, by detail type. The optimized integration (`arn:aws:states:::events:putEvents`)
   * fails the Task with `EventBridge.FailedEntry` when the response has a non-zero `FailedEntryCount`
   * (https://docs.aws.amazon.com/step-functions/latest/dg/connect-eventbridge.html), as this double does.
   */
  readonly rejectDetailTypes = new Set<string>();
  waitBehaviour: WaitBehaviour = { kind: 'resolve', output: { resolvedBy: 'case.resolved', resolvedByEventId: 'f'.repeat(64), resolvedAt: '2026-03-13T08:30:00Z' } };

  putEvents(input: { Entries: { Source: string; DetailType: string; Detail: string; EventBusName: string }[] }): { FailedEntryCount: number; Entries: object[] } {
    this.faults.check('events:putEvents');
    let failed = 0;
    for (const entry of input.Entries) {
      if (this.rejectDetailTypes.has(entry.DetailType)) {
        failed++;
        continue;
      }
      this.events.push({ Source: entry.Source, DetailType: entry.DetailType, EventBusName: entry.EventBusName, detail: JSON.parse(entry.Detail) as PublishedEvent['detail'] });
    }
    if (failed > 0) throw namedError('EventBridge.FailedEntry', JSON.stringify({ FailedEntryCount: failed }));
    return { FailedEntryCount: 0, Entries: input.Entries.map(() => ({ EventId: 'x' })) };
  }

  snsPublish(input: { TopicArn: string; Subject?: string; Message: string; MessageAttributes?: Record<string, { StringValue: string }> }): { MessageId: string } {
    this.faults.check('sns:publish');
    this.snsMessages.push(input);
    return { MessageId: `msg-${this.snsMessages.length}` };
  }

  putItem(input: { TableName: string; Item: Record<string, { S?: string; N?: string }> }): object {
    this.faults.check('dynamodb:putItem');
    this.items.set(`${input.Item.pk.S}|${input.Item.sk.S}`, input.Item);
    return {};
  }

  updateItem(input: {
    Key: { pk: { S: string }; sk: { S: string } };
    UpdateExpression: string;
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues: Record<string, { S?: string; N?: string }>;
  }): object {
    this.faults.check('dynamodb:updateItem');
    const key = `${input.Key.pk.S}|${input.Key.sk.S}`;
    const item: Record<string, { S?: string; N?: string }> = this.items.get(key) ?? { pk: input.Key.pk, sk: input.Key.sk };
    // Enough of UpdateExpression for the records: `SET a = :a, #b = :b`.
    const match = /^SET (.+)$/.exec(input.UpdateExpression.trim());
    if (!match) throw namedError('DynamoDB.ValidationException', `unsupported UpdateExpression ${input.UpdateExpression}`);
    for (const assignment of match[1].split(',')) {
      const [lhs, rhs] = assignment.split('=').map((part) => part.trim());
      const name = input.ExpressionAttributeNames?.[lhs] ?? lhs;
      const value = input.ExpressionAttributeValues[rhs];
      if (!value) throw namedError('DynamoDB.ValidationException', `no value for ${rhs}`);
      item[name] = value;
    }
    this.items.set(key, item);
    return {};
  }

  waitForTaskToken(input: { TableName: string; Item: Record<string, { S?: string; N?: string }> }): Promise<unknown> {
    this.faults.check('dynamodb:putItem.waitForTaskToken');
    this.items.set(`${input.Item.pk.S}|${input.Item.sk.S}`, input.Item);
    const token = input.Item.taskToken.S!;
    const behaviour = this.waitBehaviour;
    if (behaviour.kind === 'resolve') return Promise.resolve(behaviour.output);
    // The interpreter's own States.Timeout would need the real TimeoutSeconds to pass; a timeout is
    // simulated by failing the task with the error Step Functions raises.
    if (behaviour.kind === 'timeout') return Promise.reject(namedError('States.Timeout', 'Task timed out'));
    return new Promise((resolve, reject) => this.waits.set(token, { item: input.Item, resolve, reject }));
  }

  /** SendTaskSuccess. */
  release(token: string, output: object): void {
    const wait = this.waits.get(token);
    if (!wait) throw new Error(`no task waits on ${token}`);
    this.waits.delete(token);
    wait.resolve(output);
  }

  itemsWithPrefix(pk: string): Record<string, { S?: string; N?: string }>[] {
    return [...this.items.entries()].filter(([key]) => key.startsWith(`${pk}|`)).map(([, item]) => item);
  }
}
