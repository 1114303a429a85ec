import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { describe, expect, test } from 'vitest';
import { SfnTaskTokens, type TaskTokens, type WaitStore } from '../../lambdas/workflows/aws-adapters';
import type { TriggerEvent } from '../../lambdas/workflows/model';
import { handleResolutionMessage } from '../../lambdas/workflows/release-message';
import { planReleases, type WaitItem } from '../../lambdas/workflows/release-plan';
import { example, newWorld, runFlow, type World } from './harness';

function sqsBody(detail: object): string {
  return JSON.stringify({ 'detail-type': (detail as { metadata: { eventType: string } }).metadata.eventType, source: 'logistics-sync.cs', detail });
}

const CASE_RESOLVED = example<{ metadata: { eventId: string; occurredAt: string }; refs: Record<string, string> }>('case.resolved');
const DELIVERED = example<{ metadata: { eventId: string; occurredAt: string }; refs: Record<string, string> }>('shipment.delivered');

const wait = (sk: string, caseId?: string): WaitItem => ({ pk: 'SHIPMENT#SHP-1001-01', sk, taskToken: `token-${sk}`, flow: sk.split('#')[1], caseId });

describe('which waiting workflows a resolution releases', () => {
  const waits = [wait('WAIT#temperature-excursion#a', '38211'), wait('WAIT#delay#b', '40000'), wait('WAIT#failed-delivery#c')];

  test('delivery releases every workflow waiting on the shipment', () => {
    const releases = planReleases({ eventType: 'shipment.delivered', eventId: 'e1', occurredAt: '2026-03-12T14:00:00Z', shipmentId: 'SHP-1001-01' }, waits);
    expect(releases.map((r) => r.item.sk)).toEqual(waits.map((w) => w.sk));
    expect(releases[0].output).toEqual({ resolvedBy: 'shipment.delivered', resolvedByEventId: 'e1', resolvedAt: '2026-03-12T14:00:00Z' });
  });

  test('a resolved case releases the workflows waiting on that case (or on no case in particular)', () => {
    const releases = planReleases({ eventType: 'case.resolved', eventId: 'e2', occurredAt: '2026-03-13T08:30:00Z', shipmentId: 'SHP-1001-01', caseId: '38211' }, waits);
    expect(releases.map((r) => r.item.sk)).toEqual(['WAIT#temperature-excursion#a', 'WAIT#failed-delivery#c']);
  });
});

class MemoryWaits implements WaitStore {
  removed: string[] = [];
  constructor(private readonly items: WaitItem[]) {}
  async findWaits(shipmentId: string) {
    return this.items.filter((i) => i.pk === `SHIPMENT#${shipmentId}` && !this.removed.includes(i.sk));
  }
  async remove(item: WaitItem) {
    this.removed.push(item.sk);
  }
}

describe('the resolution releaser', () => {
  test('sends each waiting token back, then removes its wait item; a stale token (timed out, escalated) is removed too', async () => {
    const waits = new MemoryWaits([wait('WAIT#temperature-excursion#a', '38211'), wait('WAIT#delay#b')]);
    const sent: string[] = [];
    const tokens: TaskTokens = { succeed: async (token) => (sent.push(token), token.endsWith('#b') ? 'stale' : 'released') };
    const outcome = await handleResolutionMessage(sqsBody(DELIVERED), { waits, tokens });
    expect(outcome).toMatchObject({ shipmentId: 'SHP-1001-01', released: 1, stale: 1 });
    expect(sent).toEqual(['token-WAIT#temperature-excursion#a', 'token-WAIT#delay#b']);
    expect(waits.removed).toEqual(['WAIT#temperature-excursion#a', 'WAIT#delay#b']);
  });

  test('a failure to send the token keeps the wait item and fails the message, so SQS redelivers it', async () => {
    const waits = new MemoryWaits([wait('WAIT#temperature-excursion#a')]);
    const tokens: TaskTokens = { succeed: async () => Promise.reject(Object.assign(new Error('throttled'), { name: 'ThrottlingException' })) };
    await expect(handleResolutionMessage(sqsBody(DELIVERED), { waits, tokens })).rejects.toThrow('throttled');
    expect(waits.removed).toEqual([]);
  });

  test('a resolved case without a shipment releases nothing', async () => {
    const { shipmentId: _omitted, ...refs } = CASE_RESOLVED.refs;
    const outcome = await handleResolutionMessage(sqsBody({ ...CASE_RESOLVED, refs }), { waits: new MemoryWaits([]), tokens: { succeed: async () => 'released' } });
    expect(outcome).toMatchObject({ released: 0, skipped: 'case.resolved without a shipment id' });
  });

  test('SendTaskSuccess errors meaning "no longer waiting" are stale, others are thrown', async () => {
    const failing = (name: string) => new SfnTaskTokens({ send: async () => Promise.reject(Object.assign(new Error(name), { name })) } as never);
    for (const name of ['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']) expect(await failing(name).succeed('t', {})).toBe('stale');
    await expect(failing('ThrottlingException').succeed('t', {})).rejects.toThrow('ThrottlingException');
    const sent: SendTaskSuccessCommand['input'][] = [];
    await new SfnTaskTokens({ send: async (c: SendTaskSuccessCommand) => (sent.push(c.input), {}) } as never).succeed('t', { a: 1 });
    expect(sent).toEqual([{ taskToken: 't', output: '{"a":1}' }]);
  });
});

/** The correlation table's wait items as FakeAws holds them, read the way DynamoWaitStore reads them. */
function waitStoreOf(world: World): WaitStore {
  return {
    findWaits: async (shipmentId) =>
      world.aws.itemsWithPrefix(`SHIPMENT#${shipmentId}`).map((i) => ({ pk: i.pk.S!, sk: i.sk.S!, taskToken: i.taskToken.S!, flow: i.flow.S!, caseId: i.caseId?.S })),
    remove: async (item) => void world.aws.items.delete(`${item.pk}|${item.sk}`),
  };
}

describe('token wiring end to end: workflow → wait item → releaser → workflow', () => {
  test.each([
    ['case.resolved', CASE_RESOLVED],
    ['shipment.delivered', DELIVERED],
  ] as const)('%s releases the waiting temperature workflow, which records how it was resolved', async (type, resolution) => {
    const world = newWorld();
    world.aws.waitBehaviour = { kind: 'manual' };
    const running = runFlow('temperature-excursion', { flow: 'temperature-excursion', event: example<TriggerEvent>('shipment.exception-raised') }, world);
    while (world.aws.waits.size === 0) await new Promise((r) => setTimeout(r, 5));

    const tokens: TaskTokens = { succeed: async (token, output) => (world.aws.release(token, output), 'released') };
    const detail = structuredClone(resolution);
    detail.refs.caseId = [...world.cs.tickets.keys()][0];
    const outcome = await handleResolutionMessage(sqsBody(detail), { waits: waitStoreOf(world), tokens });
    expect(outcome.released).toBe(1);

    const result = await running;
    expect(result.status).toBe('SUCCEEDED');
    expect(result.entered.at(-1)).toBe('Resolved');
    const [record] = world.aws.itemsWithPrefix('CORR#SO-1001');
    expect(record).toMatchObject({ status: { S: 'resolved' }, resolvedBy: { S: type } });
    expect(world.aws.itemsWithPrefix('SHIPMENT#SHP-1001-01')).toEqual([]);
  });
});
