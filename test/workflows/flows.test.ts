/**
 * The three exception workflows executed by the ASL interpreter: happy paths, every Task's retry path,
 * every Task's catch/compensation path, rejected PutEvents entries, the timeout escalation.
 * Lambda tasks run the real task code over in-memory ERP/CS ports; service integrations are recorded.
 */
import { describe, expect, test } from 'vitest';
import { validateCanonicalEvent } from '../../lambdas/shared/canonical-validation';
import type { FlowName, TriggerEvent, WorkflowInput } from '../../lambdas/workflows/model';
import { allStates, example, namedError, newWorld, runFlow, substitutedDefinition, SUBSTITUTIONS, type RunResult, type World } from './harness';

const TEMPERATURE = example<TriggerEvent>('shipment.exception-raised');
const DELAY = example<TriggerEvent>('shipment.exception-raised.delay');
const FAILED_DELIVERY = example<TriggerEvent>('shipment.exception-raised.failed-delivery');
const ETA_UPDATED = example<TriggerEvent>('shipment.eta-updated');

function withData(event: TriggerEvent, data: Record<string, unknown>): TriggerEvent {
  const copy = structuredClone(event) as unknown as { data: Record<string, unknown> };
  copy.data = { ...copy.data, ...data };
  return copy as unknown as TriggerEvent;
}

interface Path {
  readonly name: string;
  readonly input: WorkflowInput;
  readonly setup?: (world: World) => void;
  readonly ends: { status: RunResult['status']; state: string };
}

const NEEDS_HUMAN = { status: 'FAILED', state: 'NeedsHuman' } as const;
const input = (flow: FlowName, event: TriggerEvent): WorkflowInput => ({ flow, event });
const timeout = (world: World) => {
  world.aws.waitBehaviour = { kind: 'timeout' };
};
const enrichFails = (world: World) => world.states.fail('Enrich', namedError('RejectedByTargetError', 'order SO-1001 not found'));
const csDownDuringCompensation = (world: World) => {
  enrichFails(world);
  world.states.fail('AnnotateCaseForHuman', namedError('UpstreamUnavailableError', 'Zendesk 503'), 99);
};

/** Paths through each flow; together they enter every state (asserted below). */
const PATHS: Record<FlowName, Path[]> = {
  'temperature-excursion': [
    { name: 'major excursion, resolved', input: input('temperature-excursion', TEMPERATURE), ends: { status: 'SUCCEEDED', state: 'Resolved' } },
    {
      name: 'tolerated blip',
      input: input('temperature-excursion', withData(TEMPERATURE, { readingCelsius: 9, peakCelsius: 9, durationMinutes: 4 })),
      ends: { status: 'SUCCEEDED', state: 'Observed' },
    },
    { name: 'no resolution in time', input: input('temperature-excursion', TEMPERATURE), setup: timeout, ends: { status: 'SUCCEEDED', state: 'Escalated' } },
    { name: 'ERP refuses the lookup', input: input('temperature-excursion', TEMPERATURE), setup: enrichFails, ends: NEEDS_HUMAN },
    { name: 'CS down during compensation', input: input('temperature-excursion', TEMPERATURE), setup: csDownDuringCompensation, ends: NEEDS_HUMAN },
  ],
  delay: [
    { name: 'reported delay, resolved', input: input('delay', DELAY), ends: { status: 'SUCCEEDED', state: 'Resolved' } },
    { name: 'ETA inside the window', input: input('delay', ETA_UPDATED), ends: { status: 'SUCCEEDED', state: 'Observed' } },
    { name: 'no resolution in time', input: input('delay', DELAY), setup: timeout, ends: { status: 'SUCCEEDED', state: 'Escalated' } },
    { name: 'ERP refuses the lookup', input: input('delay', DELAY), setup: enrichFails, ends: NEEDS_HUMAN },
    { name: 'CS down during compensation', input: input('delay', DELAY), setup: csDownDuringCompensation, ends: NEEDS_HUMAN },
  ],
  'failed-delivery': [
    { name: 'first attempt failed, resolved', input: input('failed-delivery', FAILED_DELIVERY), ends: { status: 'SUCCEEDED', state: 'Resolved' } },
    {
      name: 'delivery refused',
      input: input('failed-delivery', withData(FAILED_DELIVERY, { reason: 'refused', nextAttemptAt: undefined })),
      ends: { status: 'SUCCEEDED', state: 'Resolved' },
    },
    { name: 'no resolution in time', input: input('failed-delivery', FAILED_DELIVERY), setup: timeout, ends: { status: 'SUCCEEDED', state: 'Escalated' } },
    { name: 'ERP refuses the lookup', input: input('failed-delivery', FAILED_DELIVERY), setup: enrichFails, ends: NEEDS_HUMAN },
    { name: 'CS down during compensation', input: input('failed-delivery', FAILED_DELIVERY), setup: csDownDuringCompensation, ends: NEEDS_HUMAN },
  ],
};

const FLOWS = Object.keys(PATHS) as FlowName[];

async function run(path: Path, extra?: (world: World) => void): Promise<{ world: World; result: RunResult }> {
  const world = newWorld();
  path.setup?.(world);
  extra?.(world);
  const result = await runFlow(path.input.flow, path.input, world);
  // Whatever the path, everything the workflow published is a valid canonical event caused by the trigger.
  for (const published of world.aws.events) {
    const validation = validateCanonicalEvent(published.detail);
    expect(validation, `${published.DetailType} is not valid: ${JSON.stringify(validation)}`).toMatchObject({ ok: true });
    expect(published.Source).toBe('logistics-sync.orchestrator');
    expect(published.EventBusName).toBe(SUBSTITUTIONS.EventBusName);
    expect(published.DetailType).toBe(published.detail.metadata.eventType);
    expect(published.detail.metadata.causationId).toBe(path.input.event.metadata.eventId);
    expect(published.detail.metadata.correlationId).toBe(path.input.event.metadata.correlationId);
  }
  return { world, result };
}

const baselines = new Map<Path, Promise<{ world: World; result: RunResult }>>();

/** A path's run without injected faults (memoized: the tables below compare against it many times). */
function baselineOf(path: Path): Promise<{ world: World; result: RunResult }> {
  let baseline = baselines.get(path);
  if (!baseline) {
    baseline = run(path);
    baselines.set(path, baseline);
  }
  return baseline;
}

function lastState(result: RunResult): string {
  return result.entered[result.entered.length - 1];
}

function publishedTypes(world: World): string[] {
  return world.aws.events.map((e) => e.DetailType).sort();
}

/** Side effects a retry must not change. */
function effects(world: World) {
  return {
    tickets: [...world.cs.tickets.values()].map((t) => ({ externalId: t.ticket.externalId, priority: t.ticket.priority, updates: t.updates.length })),
    holds: world.erp.holds.size,
    statusUpdates: world.erp.statusUpdates.length,
    events: publishedTypes(world),
    sns: world.aws.snsMessages.map((m) => m.TopicArn),
  };
}

describe.each(FLOWS)('%s workflow', (flow) => {
  const definition = substitutedDefinition(flow);
  const tasks = allStates(definition).filter(([, s]) => s.Type === 'Task');
  const stateByName = new Map(allStates(definition));

  test.each(PATHS[flow].map((p) => [p.name, p] as const))('path "%s" ends where expected', async (_name, path) => {
    const { result } = await run(path);
    expect({ status: result.status, state: lastState(result) }).toEqual(path.ends);
    if (path.ends.status === 'FAILED') expect(result.error).toBe('ExceptionWorkflow.NeedsHuman');
  });

  test('the paths together enter every Task state (so the retry and catch tables below reach each one)', async () => {
    const entered = new Set<string>();
    for (const path of PATHS[flow]) (await baselineOf(path)).result.entered.forEach((s) => entered.add(s));
    expect(tasks.map(([name]) => name).filter((name) => !entered.has(name))).toEqual([]);
  });

  /** The first path that enters a state, and what that path does without faults. */
  async function pathThrough(state: string): Promise<{ path: Path; baseline: { world: World; result: RunResult } }> {
    for (const path of PATHS[flow]) {
      const baseline = await baselineOf(path);
      if (baseline.result.entered.includes(state)) return { path, baseline };
    }
    throw new Error(`no path enters ${state}`);
  }

  function transientError(resource: string): Error {
    if (resource.includes(':lambda:')) return namedError('UpstreamUnavailableError', 'target answered 503');
    if (resource.includes('events:')) return namedError('EventBridge.InternalException');
    if (resource.includes('sns:')) return namedError('SNS.InternalErrorException');
    return namedError('DynamoDB.InternalServerErrorException');
  }

  test.each(tasks.map(([name, state]) => [name, state.Resource!] as const))('%s retries a transient error and the run ends as without it', async (name, resource) => {
    const { path, baseline } = await pathThrough(name);
    const { world, result } = await run(path, (w) => w.states.fail(name, transientError(resource), 1));
    expect(result.retries[name]).toBe(1);
    expect(result.caught).not.toContain(name);
    expect({ status: result.status, state: lastState(result) }).toEqual({ status: baseline.result.status, state: lastState(baseline.result) });
    expect(effects(world)).toEqual(effects(baseline.world));
  });

  /** The step name the compensation path reports for a state, from its Catch target (a `…Failed` Pass). */
  function stepOf(name: string): string | undefined {
    const catchers = (stateByName.get(name)!.Catch ?? []) as { ErrorEquals: string[]; Next: string }[];
    const target = stateByName.get(catchers[catchers.length - 1].Next);
    return (target?.Parameters as { step?: string } | undefined)?.step;
  }

  test.each(tasks.map(([name, state]) => [name, state.Resource!] as const))(
    '%s, failing after its retries, is caught by the compensation path and nothing is lost',
    async (name, resource) => {
      const { path } = await pathThrough(name);
      const { world, result } = await run(path, (w) => w.states.fail(name, transientError(resource), 99));
      const state = stateByName.get(name)!;
      const retriers = state.Retry as { ErrorEquals: string[]; MaxAttempts: number }[];
      expect(result.retries[name]).toBe(retriers[retriers.length - 1].MaxAttempts);
      expect(result.caught).toContain(name);
      expect({ status: result.status, error: result.error }).toEqual({ status: 'FAILED', error: 'ExceptionWorkflow.NeedsHuman' });

      const syncFailed = world.aws.events.filter((e) => e.DetailType === 'sync.failed');
      const pages = world.aws.snsMessages.filter((m) => m.TopicArn === SUBSTITUTIONS.OnCallTopicArn);
      const humanCase = [...world.cs.tickets.values()].find(
        (t) => t.ticket.tags?.includes('needs-human') || t.updates.some((u) => u.additionalTags?.includes('needs-human')),
      );
      const step = stepOf(name);
      if (step) {
        // A workflow step: sync.failed names it, the case is left for a human, on-call is not paged twice.
        expect(syncFailed.map((e) => e.detail.data.operation)).toContain(step);
        expect(syncFailed[0].detail.data).toMatchObject({ stage: 'workflow', failedEventId: path.input.event.metadata.eventId, retryable: true, attempts: retriers[retriers.length - 1].MaxAttempts + 1 });
        if (path.name.startsWith('CS down')) expect(pages).toHaveLength(1);
        else {
          expect(humanCase, 'a case for a human').toBeDefined();
          expect(pages).toHaveLength(0);
        }
      } else {
        // A compensation step: whatever else happened, a human is told (a page, or a case plus sync.failed).
        expect(pages.length > 0 || (humanCase !== undefined && syncFailed.length > 0) || name === 'PageOnCall').toBe(true);
        if (name === 'PageOnCall') expect(syncFailed.length > 0 || humanCase !== undefined).toBe(true);
      }
    },
  );

  test('a non-retryable error goes to compensation at once, reported as not retryable', async () => {
    const path = PATHS[flow].find((p) => p.name === 'ERP refuses the lookup')!;
    const { world, result } = await run(path);
    expect(result.retries.Enrich).toBeUndefined();
    const [syncFailed] = world.aws.events.filter((e) => e.DetailType === 'sync.failed');
    expect(syncFailed.detail.data).toMatchObject({ targetSystem: 'erp', operation: 'enrich', errorCode: 'RejectedByTargetError', retryable: false, attempts: 1 });
    expect(syncFailed.detail.data.reason).toMatch(/order SO-1001 not found/);
    const [ticket] = world.cs.tickets.values();
    expect(ticket.ticket).toMatchObject({ priority: 'high', externalId: path.input.event.refs.shipmentId, tags: expect.arrayContaining(['needs-human']) });
    expect(publishedTypes(world)).toEqual(['case.opened', 'sync.failed']);
  });

  test('a rate-limited task is retried on its own, slower ladder', async () => {
    const { world, result } = await run(PATHS[flow][0], (w) => w.states.fail('OpenCase', namedError('RateLimitedError', 'Zendesk 429'), 2));
    expect(result.status).toBe('SUCCEEDED');
    expect(result.retries.OpenCase).toBe(2);
    expect(world.cs.tickets.size).toBe(1);
  });

  test('a rejected PutEvents entry (FailedEntryCount > 0) is a failure, not a success', async () => {
    const { world, result } = await run(PATHS[flow][0], (w) => w.aws.rejectDetailTypes.add('case.opened'));
    expect(result.entered).toContain('CaseEventRejected');
    expect(result.error).toBe('ExceptionWorkflow.NeedsHuman');
    const syncFailed = world.aws.events.filter((e) => e.DetailType === 'sync.failed');
    expect(syncFailed.map((e) => e.detail.data.operation)).toEqual(['publish-case-event']);
    // The case exists, so compensation annotates it rather than opening a second one.
    expect(world.cs.tickets.size).toBe(1);
    expect([...world.cs.tickets.values()][0].updates.at(-1)?.additionalTags).toEqual(['needs-human']);
  });

  test('no resolution in time: the case is escalated to urgent with a comment, case.updated is published, the record says escalated', async () => {
    const { world, result } = await run(PATHS[flow].find((p) => p.name === 'no resolution in time')!);
    expect(result.caught).toContain('WaitForResolution');
    const [ticket] = world.cs.tickets.values();
    expect(ticket.updates.at(-1)).toMatchObject({ priority: 'urgent', comment: { public: false, body: expect.stringMatching(/^Escalated: no resolution/) } });
    const escalation = world.aws.events.find((e) => e.DetailType === 'case.updated');
    expect(escalation?.detail.data).toMatchObject({ change: 'priority-changed', priority: 'urgent' });
    expect(escalation?.detail.refs.caseId).toBe(ticket.ticketId);
    const [record] = world.aws.itemsWithPrefix(`CORR#${path(flow).event.metadata.correlationId}`);
    expect(record.status).toEqual({ S: 'escalated' });
    expect(record.caseId).toEqual({ S: ticket.ticketId });
  });
});

function path(flow: FlowName): WorkflowInput {
  return PATHS[flow][0].input;
}

describe('temperature excursion, reference scenario step 4', () => {
  test('ERP status "exception" and a quality hold, a high-priority case keyed by the shipment, the account team told, a visibility record; then resolved', async () => {
    const { world, result } = await run(PATHS['temperature-excursion'][0]);
    const trigger = TEMPERATURE;
    expect(result.status).toBe('SUCCEEDED');

    expect(world.erp.statusUpdates).toEqual([{ shipmentId: 'SHP-1001-01', status: 'exception', idempotencyKey: `workflow-exception-status-${trigger.metadata.eventId}` }]);
    expect([...world.erp.holds.entries()]).toEqual([[`workflow-quality-hold-${trigger.metadata.eventId}`, { holdId: 'QH-5001', orderId: 'SO-1001', severity: 'major' }]]);

    const tickets = [...world.cs.tickets.values()];
    expect(tickets).toHaveLength(1);
    expect(tickets[0]).toMatchObject({
      idempotencyKey: `workflow-case-${trigger.metadata.eventId}`,
      ticket: { priority: 'high', type: 'incident', externalId: 'SHP-1001-01', subject: 'Temperature excursion on shipment SHP-1001-01 (order SO-1001)' },
    });

    expect(publishedTypes(world)).toEqual(['case.opened', 'customer.notified', 'quality-hold.placed']);
    const byType = Object.fromEntries(world.aws.events.map((e) => [e.DetailType, e.detail]));
    expect(byType['case.opened'].refs).toMatchObject({ caseId: tickets[0].ticketId, shipmentId: 'SHP-1001-01', orderId: 'SO-1001' });
    expect(byType['case.opened'].data).toMatchObject({ priority: 'high', trigger: 'temperature-excursion', externalId: 'SHP-1001-01' });
    expect(byType['quality-hold.placed'].refs.holdId).toBe('QH-5001');
    expect(byType['quality-hold.placed'].data).toMatchObject({ reason: 'temperature-excursion', scope: 'shipment', exceptionEventId: trigger.metadata.eventId });
    expect(byType['customer.notified'].data).toEqual({ audience: 'account-team', channel: 'email', notificationType: 'temperature-excursion' });

    expect(world.aws.snsMessages).toHaveLength(1);
    expect(world.aws.snsMessages[0]).toMatchObject({
      TopicArn: SUBSTITUTIONS.NotificationTopicArn,
      MessageAttributes: { audience: { StringValue: 'account-team' }, customerId: { StringValue: 'C-77' }, notificationType: { StringValue: 'temperature-excursion' } },
    });
    expect(world.aws.snsMessages[0].Message).not.toMatch(/@/);

    const [record] = world.aws.itemsWithPrefix('CORR#SO-1001');
    expect(record).toMatchObject({
      sk: { S: `WF#temperature-excursion#${trigger.metadata.eventId}` },
      itemType: { S: 'workflow' },
      severity: { S: 'major' },
      status: { S: 'resolved' },
      caseId: { S: tickets[0].ticketId },
      holdId: { S: 'QH-5001' },
      resolvedBy: { S: 'case.resolved' },
    });
    const [wait] = world.aws.itemsWithPrefix('SHIPMENT#SHP-1001-01');
    expect(wait).toMatchObject({
      sk: { S: `WAIT#temperature-excursion#${trigger.metadata.eventId}` },
      taskToken: { S: expect.stringMatching(/^token-/) },
      caseId: { S: tickets[0].ticketId },
      expiresAt: { N: expect.stringMatching(/^\d+$/) },
    });
  });

  test('a second exception on the same shipment annotates its open case instead of opening another', async () => {
    const world = newWorld();
    await runFlow('temperature-excursion', input('temperature-excursion', TEMPERATURE), world);
    const later = structuredClone(TEMPERATURE) as { metadata: { eventId: string } };
    later.metadata.eventId = 'a'.repeat(64);
    const second = await runFlow('temperature-excursion', input('temperature-excursion', later as unknown as TriggerEvent), world);
    expect(second.status).toBe('SUCCEEDED');
    expect(world.cs.tickets.size).toBe(1);
    expect([...world.cs.tickets.values()][0].updates).toHaveLength(1);
    expect(world.aws.events.filter((e) => e.DetailType === 'case.updated').map((e) => e.detail.data.change)).toEqual(['comment-added']);
  });

  test('a second exception on a shipment whose case Zendesk has closed opens a follow-up of it as the new case', async () => {
    const world = newWorld();
    await runFlow('temperature-excursion', input('temperature-excursion', TEMPERATURE), world);
    const [closed] = world.cs.tickets.values();
    closed.closed = true; // solved by an agent, closed by Zendesk's automation
    const later = structuredClone(TEMPERATURE) as { metadata: { eventId: string } };
    later.metadata.eventId = 'b'.repeat(64);
    const second = await runFlow('temperature-excursion', input('temperature-excursion', later as unknown as TriggerEvent), world);
    expect(second.status).toBe('SUCCEEDED');
    expect(closed.updates).toEqual([]);
    const followUp = [...world.cs.tickets.values()][1];
    expect(followUp.ticket).toMatchObject({ followUpOf: closed.ticketId, externalId: closed.ticket.externalId, priority: 'high', type: 'incident' });
    expect(followUp.idempotencyKey).toBe(`workflow-case-${'b'.repeat(64)}`);
    const opened = world.aws.events.filter((e) => e.DetailType === 'case.opened');
    expect(opened.map((e) => e.detail.refs.caseId)).toEqual([closed.ticketId, followUp.ticketId]);
  });

  test('when the ERP is down for good the case is still opened and then annotated for a human', async () => {
    const world = newWorld();
    world.erp.faults.fail('placeQualityHold', namedError('UpstreamUnavailableError', 'ERP 503 maintenance'), 99);
    const result = await runFlow('temperature-excursion', input('temperature-excursion', TEMPERATURE), world);
    expect(result.error).toBe('ExceptionWorkflow.NeedsHuman');
    const [ticket] = world.cs.tickets.values();
    expect(ticket.updates).toEqual([expect.objectContaining({ additionalTags: ['needs-human'], comment: expect.objectContaining({ body: expect.stringMatching(/erp-actions \(erp\): UpstreamUnavailableError: ERP 503 maintenance/) }) })]);
    expect(publishedTypes(world)).toEqual(['case.opened', 'case.updated', 'customer.notified', 'sync.failed']);
  });
});

describe('delay and failed delivery: customer notification and case handling', () => {
  test('a reported delay opens a normal case and tells the customer', async () => {
    const { world } = await run(PATHS.delay[0]);
    const [ticket] = world.cs.tickets.values();
    expect(ticket.ticket).toMatchObject({ priority: 'normal', externalId: 'SHP-1001-01' });
    expect(world.aws.snsMessages[0].MessageAttributes).toMatchObject({ audience: { StringValue: 'customer' }, notificationType: { StringValue: 'delay' } });
    expect(publishedTypes(world)).toEqual(['case.opened', 'customer.notified']);
    expect(world.erp.statusUpdates).toEqual([]);
  });

  test('an ETA inside the window is recorded and nothing else happens', async () => {
    const { world } = await run(PATHS.delay[1]);
    expect(world.cs.tickets.size + world.aws.events.length + world.aws.snsMessages.length).toBe(0);
    const [record] = world.aws.itemsWithPrefix('CORR#SO-1001');
    expect(record).toMatchObject({ status: { S: 'observed' }, severity: { S: 'none' }, kind: { S: 'eta-breach' } });
  });

  test('damage found at delivery goes through the failed-delivery workflow: ERP exception status, high-priority damage case, account team', async () => {
    const damage = example<TriggerEvent>('shipment.exception-raised.damage');
    const { world, result } = await run({ name: 'damage', input: input('failed-delivery', damage), ends: { status: 'SUCCEEDED', state: 'Resolved' } });
    expect(result.status).toBe('SUCCEEDED');
    expect(world.erp.statusUpdates.map((u) => u.status)).toEqual(['exception']);
    expect([...world.cs.tickets.values()][0].ticket).toMatchObject({ priority: 'high', subject: expect.stringMatching(/^Damage found at delivery on shipment/) });
    expect(world.aws.events.find((e) => e.DetailType === 'case.opened')?.detail.data.trigger).toBe('damage');
    expect(world.aws.events.find((e) => e.DetailType === 'customer.notified')?.detail.data).toMatchObject({ audience: 'account-team', notificationType: 'damage' });
  });

  test('a refused delivery sets the ERP exception status, opens a high-priority case and tells the account team', async () => {
    const { world } = await run(PATHS['failed-delivery'][1]);
    expect(world.erp.statusUpdates.map((u) => u.status)).toEqual(['exception']);
    expect([...world.cs.tickets.values()][0].ticket.priority).toBe('high');
    expect(world.aws.snsMessages[0].MessageAttributes).toMatchObject({ audience: { StringValue: 'account-team' }, notificationType: { StringValue: 'failed-delivery' } });
  });
});
