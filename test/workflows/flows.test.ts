/**
 * The three exception workflows executed by the ASL interpreter: happy paths, every Task's retry path,
 * every Task's catch/compensation path, rejected PutEvents entries, the timeout escalation.
 * Lambda tasks run the real task code over in-memory ERP/CS ports; service integrations are recorded.
 */
import { describe, expect, test } from 'vitest';
import { allStates, namedError, substitutedDefinition, SUBSTITUTIONS, type RunResult, type World } from './harness';
import { baselineOf, effects, FLOWS, lastState, path, PATHS, publishedTypes, run, type Path } from './paths';

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

  test('a rejected PutEvents entry (EventBridge.FailedEntry, the optimized integration) is a failure, not a success, reported as the publish step', async () => {
    const { world, result } = await run(PATHS[flow][0], (w) => w.aws.rejectDetailTypes.add('case.opened'));
    expect(result.entered).toContain('CaseEventNotPublished');
    expect(result.error).toBe('ExceptionWorkflow.NeedsHuman');
    const syncFailed = world.aws.events.filter((e) => e.DetailType === 'sync.failed');
    expect(syncFailed.map((e) => e.detail.data.operation)).toEqual(['publish-case-event']);
    // The case exists, so compensation annotates it rather than opening a second one.
    expect(world.cs.tickets.size).toBe(1);
    expect([...world.cs.tickets.values()][0].updates.at(-1)?.additionalTags).toEqual(['needs-human']);
  });

  test('a publish that still fails after its retries is reported as the publish step, not as the step before it', async () => {
    const { world, result } = await run(PATHS[flow][0], (w) => w.states.fail('PublishCaseEvent', namedError('EventBridge.InternalException'), 99));
    expect(result.entered).toContain('CaseEventNotPublished');
    expect(result.error).toBe('ExceptionWorkflow.NeedsHuman');
    const syncFailed = world.aws.events.filter((e) => e.DetailType === 'sync.failed');
    expect(syncFailed.map((e) => [e.detail.data.operation, e.detail.data.errorCode])).toEqual([['publish-case-event', 'EventBridge.InternalException']]);
    // The case was opened: compensation annotates it.
    expect(world.cs.tickets.size).toBe(1);
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
