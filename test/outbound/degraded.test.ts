import { describe, expect, test } from 'vitest';
import { ErpOutbound } from '../../lambdas/erp/outbound/erp-outbound';
import { InMemoryStatusSyncGuard } from '../../lambdas/erp/outbound/status-guard';
import { UpstreamUnavailableError } from '../../lambdas/shared/errors';
import { Degradation, degradedNotice, InMemoryDegradationStore, NOTICE_MAX_ENTRIES, RecordingNotifier } from '../../lambdas/shared/outbound/degradation';
import { example, InMemoryErp, lambdaContext, outboundHarness, scenarioEvent, sqsEvent, sqsRecord } from './support';

/**
 * Degraded mode: a target unreachable for longer than the notice time is told to the account team once, with the
 * shipments whose updates wait; its recovery once more. Driven through the real outbound runner.
 */
function world(afterMinutes = 15) {
  let now = new Date('2026-03-12T15:00:00Z');
  const erp = new InMemoryErp();
  const store = new InMemoryDegradationStore();
  const notifier = new RecordingNotifier();
  const degradation = new Degradation({ target: 'erp', afterSeconds: afterMinutes * 60 }, store, notifier);
  const harness = outboundHarness(new ErpOutbound(erp, new InMemoryStatusSyncGuard()), { now: () => now, degradation, maxReceiveCount: 100 });
  const advance = (minutes: number) => {
    now = new Date(now.getTime() + minutes * 60_000);
  };
  return { erp, store, notifier, harness, advance };
}

const departed = (shipmentId: string) =>
  scenarioEvent({
    eventType: 'shipment.departed',
    system: 'fleet',
    vendorEventId: `departure-${shipmentId}`,
    occurredAt: '2026-03-12T14:55:00Z',
    refs: { orderId: 'SO-1001', shipmentId, routeId: 'RT-4421' },
    data: example('shipment.departed').data as Record<string, unknown>,
  });

describe('degraded mode', () => {
  test('down past the notice time: one notice listing the waiting shipments; recovery: one more; nothing in between', async () => {
    const { erp, store, notifier, harness, advance } = world(15);
    const down = () => erp.script.failNext('updateShipmentStatus', ...Array.from({ length: 20 }, () => new UpstreamUnavailableError('ERP answered 503', 503)));
    down();
    await harness.handler(sqsEvent(sqsRecord(departed('SHP-1'))), lambdaContext());
    await harness.handler(sqsEvent(sqsRecord(departed('SHP-2'))), lambdaContext());
    expect(notifier.notices).toEqual([]);
    expect(store.item?.waiting).toEqual(new Set(['SHP-1 shipment.departed', 'SHP-2 shipment.departed']));

    advance(16);
    // The circuit is open by now (3 failures): messages are held without a call, and still count as waiting.
    await harness.handler(sqsEvent(sqsRecord(departed('SHP-3'))), lambdaContext());
    expect(notifier.notices).toHaveLength(1);
    expect(notifier.notices[0]!.subject).toBe('logistics-sync: erp unreachable for 16 min, customer updates waiting');
    expect(notifier.notices[0]!.message).toContain('Waiting (shipment or order, update) — 3:');
    for (const shipment of ['SHP-1', 'SHP-2', 'SHP-3']) expect(notifier.notices[0]!.message).toContain(`  ${shipment} shipment.departed`);

    advance(5);
    await harness.handler(sqsEvent(sqsRecord(departed('SHP-4'))), lambdaContext());
    expect(notifier.notices).toHaveLength(1);

    // The ERP answers again: the half-open probe succeeds, the outage ends, the account team hears once.
    erp.script.clear();
    advance(20);
    await harness.handler(sqsEvent(sqsRecord(departed('SHP-5'))), lambdaContext());
    expect(notifier.notices).toHaveLength(2);
    expect(notifier.notices[1]!.subject).toBe('logistics-sync: erp reachable again after 41 min');
    expect(store.item).toBeUndefined();
    await harness.handler(sqsEvent(sqsRecord(departed('SHP-6'))), lambdaContext());
    expect(notifier.notices).toHaveLength(2);
  });

  test('a blip shorter than the notice time tells nobody, before or after', async () => {
    const { erp, notifier, harness, advance, store } = world(15);
    erp.script.failNext('updateShipmentStatus', new UpstreamUnavailableError('ERP answered 502', 502));
    await harness.handler(sqsEvent(sqsRecord(departed('SHP-1'))), lambdaContext());
    expect(store.item).toBeDefined();
    advance(2);
    await harness.handler(sqsEvent(sqsRecord(departed('SHP-2'))), lambdaContext());
    expect(notifier.notices).toEqual([]);
    expect(store.item).toBeUndefined();
  });

  test('the notice lists at most 50 entries and counts the rest', () => {
    const waiting = Array.from({ length: NOTICE_MAX_ENTRIES + 7 }, (_, i) => `SHP-${String(i).padStart(3, '0')} invoice.posted`);
    const notice = degradedNotice({ target: 'cs', afterSeconds: 900 }, { since: new Date('2026-03-12T15:00:00Z'), waiting }, new Date('2026-03-12T15:20:00Z'));
    expect(notice.message.split('\n').filter((line) => line.startsWith('  SHP-'))).toHaveLength(NOTICE_MAX_ENTRIES);
    expect(notice.message).toContain('… and 7 more');
  });
});
