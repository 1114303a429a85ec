import { describe, expect, test } from 'vitest';
import { parseStageConfig } from '../../lib/config/stage-config';
import { processFile } from '../../lambdas/fleet/files/edi/intake';
import { EdiCarrierSimulator, SANDBOX_CARRIER, SANDBOX_RECEIVER } from '../../sandbox/simulators/vendors/edi-carrier';
import { cdkJsonContext } from '../support/synth';
import { intakeDeps, landed } from '../files/edi-support';

describe('the simulated EDI carrier', () => {
  const sim = new EdiCarrierSimulator({ awsEndpoint: 'http://127.0.0.1:1', bucket: 'unused' });

  test('is the trading partner the sandbox stage configures, addressing its receiver', () => {
    const config = parseStageConfig(cdkJsonContext().stages, 'sandbox');
    const intake = config.fileIntakes!.edi!;
    expect(intake.receiver).toEqual(SANDBOX_RECEIVER);
    expect(intake.partners).toContainEqual({ name: SANDBOX_CARRIER.name, qualifier: SANDBOX_CARRIER.qualifier, id: SANDBOX_CARRIER.id, scac: SANDBOX_CARRIER.scac });
  });

  test('its 214 for a departure is accepted by the intake and becomes shipment.departed for our shipment and order', async () => {
    const text = sim.interchange({ status: 'AF', at: new Date('2026-12-04T14:15:30Z'), shipmentId: 'SHP-SO-1001-1', orderId: 'SO-1001', pro: 'PRO-SHP-SO-1001-1' }, 4242);
    const { deps, publisher } = intakeDeps({ receiver: SANDBOX_RECEIVER, partners: [SANDBOX_CARRIER] });
    const outcome = await processFile(landed(`inbound/${SANDBOX_CARRIER.name}/a.edi`), text, deps);
    expect(outcome.interchanges).toMatchObject([{ partner: SANDBOX_CARRIER.name, verdict: 'accepted', published: 1 }]);
    expect(publisher.published[0]).toMatchObject({
      metadata: { eventType: 'shipment.departed', occurredAt: '2026-12-04T14:15:30.000Z' },
      refs: { shipmentId: 'SHP-SO-1001-1', orderId: 'SO-1001', routeId: 'SBXC-PRO-SHP-SO-1001-1' },
    });
  });
});
