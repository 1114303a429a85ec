/**
 * Runs statemachines/*.asl.json in the aws-local-stepfunctions interpreter with every Task bound to an
 * in-process double: the Lambda tasks run the real task code (erp-actions, cs-actions, rules-actions) over
 * in-memory ERP and CS ports; the direct service integrations (EventBridge PutEvents, SNS Publish,
 * DynamoDB PutItem/UpdateItem, PutItem.waitForTaskToken) are recorded by {@link FakeAws}. No real AWS.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import type { CsPort, NewTicket, ShipmentTicketUpdate, TicketUpdate, UpdateByExternalIdOptions, UpdatedTicket } from '../../lambdas/cs/cs-port';
import { planUpdateByExternalId } from '../../lambdas/cs/ticket-plan';
import type { ErpCustomerContract, ErpOrder, ErpPort, ErpShipmentStatus } from '../../lambdas/erp/erp-port';
import { csActions, type CsTaskInput } from '../../lambdas/workflows/cs-actions';
import { erpActions, type ErpTaskInput } from '../../lambdas/workflows/erp-actions';
import type { ExceptionThresholds, FlowName, WorkflowInput } from '../../lambdas/workflows/model';
import { rulesActions, type RulesTaskInput } from '../../lambdas/workflows/rules-actions';

const root = path.resolve(import.meta.dirname, '..', '..');

export const THRESHOLDS: ExceptionThresholds = {
  temperature: { minorMinutes: 10, majorMinutes: 20, criticalDeltaCelsius: 5 },
  delay: { graceMinutes: 15, majorMinutes: 120 },
  failedDelivery: { maxAttempts: 3 },
};

/** What CloudFormation would put in for each `${…}` (fake, but well-formed ARNs and names). */
export const SUBSTITUTIONS: Readonly<Record<string, string>> = {
  ErpTaskFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:ErpTask',
  CsTaskFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:CsTask',
  RulesTaskFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:RulesTask',
  EventBusName: 'test-bus',
  CorrelationTableName: 'test-correlation',
  NotificationTopicArn: 'arn:aws:sns:us-east-1:123456789012:notifications',
  OnCallTopicArn: 'arn:aws:sns:us-east-1:123456789012:on-call',
};

export function definitionPath(flow: FlowName): string {
  return path.join(root, 'statemachines', `${flow}.asl.json`);
}

export function rawDefinition(flow: FlowName): Record<string, unknown> {
  return JSON.parse(readFileSync(definitionPath(flow), 'utf8')) as Record<string, unknown>;
}

/** The definition as CloudFormation's DefinitionSubstitutions would leave it. */
export function substitutedDefinition(flow: FlowName, substitutions: Readonly<Record<string, string>> = SUBSTITUTIONS): Record<string, unknown> {
  const text = readFileSync(definitionPath(flow), 'utf8').replace(/\$\{([A-Za-z0-9]+)\}/g, (whole, key: string) => substitutions[key] ?? whole);
  return JSON.parse(text) as Record<string, unknown>;
}

type StateDef = Record<string, unknown> & { Type: string; Resource?: string; Branches?: { States: Record<string, StateDef> }[] };

/** Every state of a definition, including those inside Parallel branches, by name. */
export function allStates(definition: { States: Record<string, StateDef> } | Record<string, unknown>): [string, StateDef][] {
  const out: [string, StateDef][] = [];
  const visit = (states: Record<string, StateDef>) => {
    for (const [name, state] of Object.entries(states)) {
      out.push([name, state]);
      for (const branch of state.Branches ?? []) visit(branch.States);
      const processor = (state as { ItemProcessor?: { States: Record<string, StateDef> } }).ItemProcessor;
      if (processor) visit(processor.States);
    }
  };
  visit((definition as { States: Record<string, StateDef> }).States);
  return out;
}

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
  /** Entries PutEvents should report as failed (FailedEntryCount), by detail type. */
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
    return { FailedEntryCount: failed, Entries: input.Entries.map(() => ({ EventId: 'x' })) };
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

export interface World {
  readonly erp: FakeErp;
  readonly cs: FakeCs;
  readonly aws: FakeAws;
  /** Errors a Task state (by name) fails with before its double runs: a Lambda error or a service error. */
  readonly states: Faults;
  readonly now: Date;
}

export function newWorld(now = new Date('2026-03-12T10:41:00Z')): World {
  return { erp: new FakeErp(), cs: new FakeCs(), aws: new FakeAws(), states: new Faults(), now };
}

export interface RunResult {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: Record<string, unknown>;
  readonly error?: string;
  readonly cause?: unknown;
  /** State transitions as Step Functions bills them: every state entered, every retry. */
  readonly transitions: number;
  readonly entered: string[];
  readonly retries: Record<string, number>;
  readonly caught: string[];
}

function jsonClean<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Binds each Task state (by name, as the interpreter's overrides want) to its double. */
export function taskHandlers(definition: Record<string, unknown>, world: World): Record<string, (input: unknown) => Promise<unknown>> {
  const clock = () => world.now;
  const lambdas: Record<string, (input: never) => Promise<unknown>> = {
    [SUBSTITUTIONS.ErpTaskFunctionArn]: erpActions(world.erp, clock) as (input: ErpTaskInput) => Promise<unknown>,
    [SUBSTITUTIONS.CsTaskFunctionArn]: csActions(world.cs, clock) as (input: CsTaskInput) => Promise<unknown>,
    [SUBSTITUTIONS.RulesTaskFunctionArn]: rulesActions({ thresholds: THRESHOLDS, recordTtlDays: 30 }, clock) as (input: RulesTaskInput) => Promise<unknown>,
  };
  const services: Record<string, (input: never) => unknown> = {
    'arn:aws:states:::events:putEvents': (input: never) => world.aws.putEvents(input),
    'arn:aws:states:::sns:publish': (input: never) => world.aws.snsPublish(input),
    'arn:aws:states:::dynamodb:putItem': (input: never) => world.aws.putItem(input),
    'arn:aws:states:::dynamodb:updateItem': (input: never) => world.aws.updateItem(input),
    'arn:aws:states:::dynamodb:putItem.waitForTaskToken': (input: never) => world.aws.waitForTaskToken(input),
  };
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const [name, state] of allStates(definition)) {
    if (state.Type !== 'Task') continue;
    const resource = String(state.Resource);
    const lambda = lambdas[resource];
    const service = services[resource];
    if (!lambda && !service) throw new Error(`no test double for ${name} (${resource})`);
    handlers[name] = async (input) => {
      world.states.check(name);
      const call = (lambda ?? service) as (input: never) => unknown;
      return jsonClean(await call(jsonClean(input) as never));
    };
  }
  return handlers;
}

const machines = new Map<FlowName, { definition: Record<string, unknown>; machine: StateMachine }>();

/** The interpreter validates a definition (asl-validator) when constructed: once per flow is enough. */
function machineFor(flow: FlowName): { definition: Record<string, unknown>; machine: StateMachine } {
  let entry = machines.get(flow);
  if (!entry) {
    const definition = substitutedDefinition(flow);
    entry = { definition, machine: new StateMachine(structuredClone(definition) as never, { validationOptions: { checkPaths: true, checkArn: true } }) };
    machines.set(flow, entry);
  }
  return entry;
}

/** Runs one execution to its end (or until a manual wait is released). */
export async function runFlow(flow: FlowName, input: WorkflowInput, world: World, executionName = `exec-${input.event.metadata.eventId.slice(0, 12)}`): Promise<RunResult> {
  const { definition, machine } = machineFor(flow);
  const handlers = taskHandlers(definition, world);
  // Retries happen at once (their policy is asserted on the definition, not waited out).
  const retryIntervalOverrides = Object.fromEntries(allStates(definition).filter(([, s]) => 'Retry' in s).map(([name]) => [name, 0]));
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: handlers as never, retryIntervalOverrides },
    context: {
      Execution: { Id: `arn:aws:states:us-east-1:123456789012:execution:${flow}:${executionName}`, Name: executionName },
      // One token per execution is enough: an execution waits at one state at a time.
      Task: { Token: `token-${executionName}` },
    },
  });
  const entered: string[] = [];
  const retries: Record<string, number> = {};
  const caught: string[] = [];
  const logs = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') entered.push(event.state.name);
      if (event.type === 'StateRetried') retries[event.state.name] = (retries[event.state.name] ?? 0) + 1;
      if (event.type === 'StateCaught') caught.push(event.state.name);
    }
  })();
  let result: RunResult;
  try {
    const output = (await execution.result) as Record<string, unknown>;
    await logs;
    result = { status: 'SUCCEEDED', output, transitions: 0, entered, retries, caught };
  } catch (error) {
    await logs;
    const cause = (error as { cause?: { name?: string; message?: string } }).cause;
    result = { status: 'FAILED', error: cause?.name ?? (error as Error).name, cause: cause?.message, transitions: 0, entered, retries, caught };
  }
  const transitions = entered.length + Object.values(retries).reduce((a, b) => a + b, 0);
  return { ...result, transitions };
}

/** The canonical examples in schemas/examples, the workflows' triggers. */
export function example<T = WorkflowInput['event']>(name: string): T {
  return JSON.parse(readFileSync(path.join(root, 'schemas', 'examples', `${name}.json`), 'utf8')) as T;
}
