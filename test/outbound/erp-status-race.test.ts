import { describe, expect, test } from 'vitest';
import { ErpOutbound } from '../../lambdas/erp/outbound/erp-outbound';
import { InMemoryStatusSyncGuard, skipBecause, STATUS_LEASE_SECONDS, StatusSyncBusyError, UNCERTAIN_LEASE_SECONDS, UNCERTAIN_SETTLE_SECONDS } from '../../lambdas/erp/outbound/status-guard';
import { UpstreamUnavailableError } from '../../lambdas/shared/errors';
import { RateLimitedError } from '../../lambdas/shared/errors';
import { describeFailure } from '../../lambdas/shared/outbound/failures';
import { parseCanonicalMessage } from '../../lambdas/shared/outbound/message';
import { MILESTONE_RANK } from '../../lambdas/shared/outbound/milestones';
import { erpActions } from '../../lambdas/workflows/erp-actions';
import type { ActionContext } from '../../lambdas/shared/outbound/runner';
import { example, InMemoryErp } from './support';

/**
 * Two execution environments syncing the same shipment's ERP status at once (an arrival retried after a 429 while
 * the delivery goes through): the ERP must never receive a lower status after a higher one.
 */
const arrived = example('shipment.arrived');
const delivered = example('shipment.delivered');
const SHIPMENT_ID = delivered.refs.shipmentId!;
const message = (detail: typeof arrived) => parseCanonicalMessage(JSON.stringify({ detail, 'detail-type': detail.metadata.eventType }));

/** An ERP whose status calls wait until the test lets them through (or fail). */
class GatedErp extends InMemoryErp {
  private readonly gates: { resolve: () => void; reject: (error: Error) => void }[] = [];
  override async updateShipmentStatus(...args: Parameters<InMemoryErp['updateShipmentStatus']>) {
    await new Promise<void>((resolve, reject) => this.gates.push({ resolve, reject }));
    await super.updateShipmentStatus(...args);
  }
  get waiting(): number {
    return this.gates.length;
  }
  open(): void {
    this.gates.shift()!.resolve();
  }
  fail(error: Error): void {
    this.gates.shift()!.reject(error);
  }
}

let clock = new Date('2026-03-12T15:00:00Z');
const context = (idempotencyKey: string): ActionContext => ({ idempotencyKey, now: () => clock, publish: async () => undefined, metrics: { count: () => undefined, milliseconds: () => undefined } });
const statuses = (erp: InMemoryErp) => erp.callsOf('updateShipmentStatus').map((c) => (c.args[1] as { status: string }).status);
const until = async (condition: () => boolean) => {
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((resolve) => setImmediate(resolve));
};

async function run(erp: InMemoryErp, guard: InMemoryStatusSyncGuard, detail: typeof arrived, key: string, options: { lastAttempt?: boolean } = {}) {
  const outbound = new ErpOutbound(erp, guard);
  const msg = message(detail);
  const [action] = outbound.plan(msg);
  return outbound.execute(action!, msg, { ...context(key), ...options });
}

describe('ERP status under concurrency', () => {
  test('a delivery arriving while the arrival is in flight waits (busy, no failure), then goes last', async () => {
    const erp = new GatedErp();
    const guard = new InMemoryStatusSyncGuard();
    const arrival = run(erp, guard, arrived, 'arrival');
    await until(() => erp.waiting === 1);
    const busy = await run(erp, guard, delivered, 'delivery').catch((error: unknown) => error);
    expect(busy).toBeInstanceOf(StatusSyncBusyError);
    expect(describeFailure(busy)).toMatchObject({ kind: 'busy', errorClass: 'StatusSyncBusy', retryAfterSeconds: 5 });
    erp.open();
    await expect(arrival).resolves.toEqual({ outcome: 'done' });
    const delivery = run(erp, guard, delivered, 'delivery');
    await until(() => erp.waiting === 1);
    erp.open();
    await expect(delivery).resolves.toEqual({ outcome: 'done' });
    expect(statuses(erp)).toEqual(['arrived', 'delivered']);
  });

  test('an arrival retried after the delivery went through is skipped as late', async () => {
    const erp = new GatedErp();
    const guard = new InMemoryStatusSyncGuard();
    const delivery = run(erp, guard, delivered, 'delivery');
    await until(() => erp.waiting === 1);
    erp.open();
    await delivery;
    await expect(run(erp, guard, arrived, 'arrival')).resolves.toMatchObject({ outcome: 'skipped', note: expect.stringMatching(/^late/) });
    expect(statuses(erp)).toEqual(['delivered']);
  });

  test('a failed call (429) releases the shipment at once; its retry finds the later status and skips', async () => {
    const erp = new GatedErp();
    const guard = new InMemoryStatusSyncGuard();
    const arrival = run(erp, guard, arrived, 'arrival');
    await until(() => erp.waiting === 1);
    erp.fail(new RateLimitedError('429', 2));
    await expect(arrival).rejects.toBeInstanceOf(RateLimitedError);
    const delivery = run(erp, guard, delivered, 'delivery');
    await until(() => erp.waiting === 1);
    erp.open();
    await delivery;
    await expect(run(erp, guard, arrived, 'arrival')).resolves.toMatchObject({ outcome: 'skipped' });
    expect(statuses(erp)).toEqual(['delivered']);
  });

  test('a lease left by a crashed environment expires; the same message may take its own lease back at once', async () => {
    const guard = new InMemoryStatusSyncGuard();
    await guard.claim('SHP-X', { rank: 4, owner: 'crashed', now: clock });
    await expect(guard.claim('SHP-X', { rank: 5, owner: 'other', now: clock })).rejects.toBeInstanceOf(StatusSyncBusyError);
    await expect(guard.claim('SHP-X', { rank: 4, owner: 'crashed', now: clock })).resolves.toEqual({ kind: 'claimed', previousRank: 0 });
    clock = new Date(clock.getTime() + (STATUS_LEASE_SECONDS + 1) * 1000);
    await expect(guard.claim('SHP-X', { rank: 5, owner: 'other', now: clock })).resolves.toEqual({ kind: 'claimed', previousRank: 0 });
  });

  // Found by the 50-order chaos run: an ERP answer slower than the client timeout is applied after the client gave up.
  test('a delivery whose call timed out after reaching the ERP is never followed by the arrival: the ERP ends delivered', async () => {
    const erp = new GatedErp();
    const guard = new InMemoryStatusSyncGuard();
    const delivery = run(erp, guard, delivered, 'delivery');
    await until(() => erp.waiting === 1);
    // The client gives up; the ERP applies the update all the same (the gate opens after the failure).
    erp.fail(new UpstreamUnavailableError('ERP PUT timed out after 7500 ms'));
    await expect(delivery).rejects.toBeInstanceOf(UpstreamUnavailableError);
    await expect(run(erp, guard, arrived, 'arrival')).resolves.toMatchObject({ outcome: 'skipped', note: expect.stringMatching(/^late/) });
    // The delivery's own retry goes through (with its own Idempotency-Key, which the ERP replays if it had it).
    const retry = run(erp, guard, delivered, 'delivery');
    await until(() => erp.waiting === 1);
    erp.open();
    await expect(retry).resolves.toEqual({ outcome: 'done' });
    expect(statuses(erp)).toEqual(['delivered']);
  });

  test('after a call with an unknown outcome, the status is retried by its own message while the lease lasts; another message asking for it moves on (the holder\'s to finish), and may take it over once the lease expired', async () => {
    const guard = new InMemoryStatusSyncGuard();
    const erp = new GatedErp();
    const delivery = run(erp, guard, delivered, 'delivery');
    await until(() => erp.waiting === 1);
    erp.fail(new UpstreamUnavailableError('ERP PUT timed out after 7500 ms'));
    await expect(delivery).rejects.toBeInstanceOf(UpstreamUnavailableError);
    // The POD asks for "delivered" too: skipped as in progress while the delivery's lease lasts (its own message
    // retries it, with its own Idempotency-Key; no Powertools record marks the POD's skip as done).
    await expect(guard.claim(SHIPMENT_ID, { rank: 5, owner: 'pod', now: clock })).resolves.toMatchObject({ kind: 'skip', inProgress: true });
    await expect(guard.claim(SHIPMENT_ID, { rank: 5, owner: 'delivery', now: clock })).resolves.toMatchObject({ kind: 'claimed' });
    clock = new Date(clock.getTime() + (STATUS_LEASE_SECONDS + 1) * 1000);
    await expect(guard.claim(SHIPMENT_ID, { rank: 5, owner: 'pod', now: clock })).resolves.toMatchObject({ kind: 'claimed' });
    // A lower status stays late whoever asks.
    await expect(guard.claim(SHIPMENT_ID, { rank: 4, owner: 'arrival', now: clock })).resolves.toEqual({ kind: 'skip', syncedRank: 5 });
    expect(skipBecause({ rank: 3, attemptedRank: 3 }, { rank: 4 })).toBeUndefined();
    expect(skipBecause({ rank: 4, attemptedRank: 5 }, { rank: 5 })).toBeUndefined();
  });

  test('a refusal (429) changed nothing at the ERP: the shipment is released at once for the other message', async () => {
    const guard = new InMemoryStatusSyncGuard();
    const erp = new GatedErp();
    const delivery = run(erp, guard, delivered, 'delivery');
    await until(() => erp.waiting === 1);
    erp.fail(new RateLimitedError('429', 2));
    await expect(delivery).rejects.toBeInstanceOf(RateLimitedError);
    await expect(guard.claim(SHIPMENT_ID, { rank: 5, owner: 'pod', now: clock })).resolves.toMatchObject({ kind: 'claimed' });
  });

  test('a refusal (429) after a call with an unknown outcome keeps the shipment: the POD skips, the delivery retries with its key, the ERP gets "delivered" once', async () => {
    const guard = new InMemoryStatusSyncGuard();
    const erp = new GatedErp();
    // The delivery's call times out (the ERP applied it, the answer came too late), its retry is refused 429.
    const first = run(erp, guard, delivered, 'delivery');
    await until(() => erp.waiting === 1);
    erp.fail(new UpstreamUnavailableError('ERP PUT timed out after 7500 ms'));
    await expect(first).rejects.toBeInstanceOf(UpstreamUnavailableError);
    const refused = run(erp, guard, delivered, 'delivery');
    await until(() => erp.waiting === 1);
    erp.fail(new RateLimitedError('429', 1));
    await expect(refused).rejects.toBeInstanceOf(RateLimitedError);
    // Past the ordinary lease, within the uncertain one: the POD's "delivered" is still the delivery's to finish.
    clock = new Date(clock.getTime() + (STATUS_LEASE_SECONDS + 1) * 1000);
    await expect(run(erp, guard, example('pod.captured'), 'pod')).resolves.toMatchObject({ outcome: 'skipped', note: expect.stringMatching(/in progress for another event/) });
    const retry = run(erp, guard, delivered, 'delivery');
    await until(() => erp.waiting === 1);
    erp.open();
    await expect(retry).resolves.toEqual({ outcome: 'done' });
    expect(statuses(erp)).toEqual(['delivered']);
    // Every attempt carried the delivery's own key, which the ERP replays.
    expect(new Set(erp.callsOf('updateShipmentStatus').map((c) => c.args[2]))).toEqual(new Set(['delivery']));
    // The success released the shipment.
    expect(guard.leases.get(SHIPMENT_ID)).toBeUndefined();
  });

  test('an unknown outcome on the message\'s last receive (dead-lettered, no retry of its own) holds the shipment 30 s, not 5 min', async () => {
    const at = (seconds: number) => new Date(clock.getTime() + seconds * 1000);
    for (const lastAttempt of [true, false]) {
      const erp = new GatedErp();
      const guard = new InMemoryStatusSyncGuard();
      const arrival = run(erp, guard, arrived, 'arrival', { lastAttempt });
      await until(() => erp.waiting === 1);
      erp.fail(new UpstreamUnavailableError('ERP answered 503 to PUT /shipments/…/status'));
      await expect(arrival).rejects.toBeInstanceOf(UpstreamUnavailableError);
      const lease = guard.leases.get(SHIPMENT_ID)!;
      expect(lease).toMatchObject({ owner: 'arrival', uncertain: true });
      expect(lease.until - clock.getTime()).toBe((lastAttempt ? UNCERTAIN_SETTLE_SECONDS : UNCERTAIN_LEASE_SECONDS) * 1000);
      // The delivery is busy while the lease runs, and goes through once it is over.
      const rank = MILESTONE_RANK.delivered;
      await expect(guard.claim(SHIPMENT_ID, { rank, owner: 'delivery', now: at(UNCERTAIN_SETTLE_SECONDS - 1) })).rejects.toBeInstanceOf(StatusSyncBusyError);
      const after = guard.claim(SHIPMENT_ID, { rank, owner: 'delivery', now: at(UNCERTAIN_SETTLE_SECONDS + 1) });
      if (lastAttempt) await expect(after).resolves.toMatchObject({ kind: 'claimed' });
      else await expect(after).rejects.toBeInstanceOf(StatusSyncBusyError);
    }
  });

  test('an uncertain lease is bounded: after UNCERTAIN_LEASE_SECONDS another message may take the status over', async () => {
    const guard = new InMemoryStatusSyncGuard();
    await guard.claim(SHIPMENT_ID, { rank: 5, owner: 'delivery', now: clock });
    await guard.markUncertain(SHIPMENT_ID, 'delivery', clock);
    await guard.release(SHIPMENT_ID, 'delivery', { unlessUncertain: true, now: clock });
    await expect(guard.claim(SHIPMENT_ID, { rank: 5, owner: 'pod', now: new Date(clock.getTime() + (UNCERTAIN_LEASE_SECONDS - 1) * 1000) })).resolves.toMatchObject({ kind: 'skip', inProgress: true });
    await expect(guard.claim(SHIPMENT_ID, { rank: 5, owner: 'pod', now: new Date(clock.getTime() + (UNCERTAIN_LEASE_SECONDS + 1) * 1000) })).resolves.toMatchObject({ kind: 'claimed' });
  });
});

/**
 * The workflows' "exception" status has no rank: it goes through the same guard as a ceiling, so a workflow that
 * rode out the ERP's 429s for minutes does not set "exception" after the delivery (found by the chaos run: an ERP
 * history dispatched → in-transit → arrived → delivered → exception).
 */
describe('the exception workflows\' ERP status under the never-backwards guard', () => {
  const excursion = example('shipment.exception-raised');
  const input = {
    action: 'set-exception-status' as const,
    flow: 'temperature-excursion' as const,
    event: excursion as never,
    decision: { reason: 'reefer at 11.5 °C for 25 min', summary: { orderId: excursion.refs.orderId } } as never,
  };

  test('set while the ERP has not been told "delivered"; skipped after it, or after an attempt at it', async () => {
    const erp = new InMemoryErp();
    const guard = new InMemoryStatusSyncGuard();
    const shipment = excursion.refs.shipmentId!;
    const run = erpActions(erp, () => clock, undefined, guard);
    expect(await run(input)).toEqual({ done: true });
    expect(statuses(erp)).toEqual(['exception']);
    expect(guard.leases.size).toBe(0);

    // While the arrival holds the shipment's lease, the exception waits (busy: the state machine retries it).
    await guard.claim(shipment, { rank: MILESTONE_RANK.arrived, owner: 'arrival', now: clock });
    await expect(run(input)).rejects.toBeInstanceOf(StatusSyncBusyError);
    await guard.recordSynced(shipment, { rank: MILESTONE_RANK.arrived, status: 'arrived', eventId: 'arrival', at: clock, owner: 'arrival' });
    // "delivered" attempted (its outcome unknown) or synced: the exception is skipped.
    await guard.claim(shipment, { rank: MILESTONE_RANK.delivered, owner: 'delivery', now: clock });
    expect(await run(input)).toMatchObject({ done: true, skipped: expect.stringMatching(/delivered already/) });
    await guard.recordSynced(shipment, { rank: MILESTONE_RANK.delivered, status: 'delivered', eventId: 'delivery', at: clock, owner: 'delivery' });
    expect(await run(input)).toMatchObject({ done: true, skipped: expect.stringMatching(/delivered already/) });
    expect(statuses(erp)).toEqual(['exception']);
  });

  test('a failed exception call releases the lease, so the delivery is not held up by it', async () => {
    const erp = new GatedErp();
    const guard = new InMemoryStatusSyncGuard();
    const run = erpActions(erp, () => clock, undefined, guard);
    const pending = run(input);
    await new Promise((r) => setTimeout(r, 5));
    erp.fail(new RateLimitedError('ERP answered 429', 5));
    await expect(pending).rejects.toBeInstanceOf(RateLimitedError);
    expect(guard.leases.size).toBe(0);
  });
});
