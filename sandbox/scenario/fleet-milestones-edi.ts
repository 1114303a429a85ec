import { EdiCarrierSimulator, type CarrierStatus } from '../simulators/vendors/edi-carrier';
import type { FleetMilestones } from './fleet-milestones';
import { ORDER_ID, productOutput, shipmentOf } from './helpers';
import type { ScenarioContext } from './runner';

/**
 * `--systems fleet=edi`: the carrier reports departure, arrival and delivery as X12 214 files (AF, X1, D1) dropped
 * into the EDI intake's bucket by the simulated carrier (sandbox/simulators/vendors/edi-carrier.ts), instead of the
 * fleet webhooks; after each, the scenario checks the 997 the intake wrote back accepts it.
 */
const CARRIER = 'edi:carrier';
const SENT = 'edi:sent';

function carrier(ctx: ScenarioContext): EdiCarrierSimulator {
  let sim = ctx.state.get(CARRIER) as EdiCarrierSimulator | undefined;
  if (!sim) {
    const bucket = productOutput(ctx, 'FileIntakeBucketEdi');
    if (!bucket) throw new Error('the product has no EDI intake (stage config fileIntakes.edi)');
    sim = new EdiCarrierSimulator({ awsEndpoint: ctx.sandbox.endpoints.awsEndpoint, bucket });
    ctx.state.set(CARRIER, sim);
  }
  return sim;
}

async function send(ctx: ScenarioContext, milestone: 'departed' | 'arrived' | 'delivered', status: Pick<CarrierStatus, 'status' | 'city' | 'state'>, at = new Date()): Promise<void> {
  const shipmentId = shipmentOf(ctx);
  const { controlNumber } = await carrier(ctx).sendStatus({ ...status, at, shipmentId, orderId: ORDER_ID, pro: `PRO-${shipmentId}` });
  ctx.state.set(`${SENT}:${milestone}`, controlNumber);
}

export const EDI_MILESTONES: FleetMilestones = {
  depart: (ctx, options) => send(ctx, 'departed', { status: 'AF', city: 'MEMPHIS', state: 'TN' }, options?.at),
  arrive: (ctx) => send(ctx, 'arrived', { status: 'X1', city: 'DALLAS', state: 'TX' }),
  deliver: (ctx) => send(ctx, 'delivered', { status: 'D1', city: 'DALLAS', state: 'TX' }),
  expectations: (ctx, milestone) => [
    {
      name: `the carrier's 214 (${milestone}) is acknowledged with a 997 accepting it`,
      withinMs: 20_000,
      async check() {
        const controlNumber = ctx.state.get(`${SENT}:${milestone}`) as number | undefined;
        if (controlNumber === undefined) return 'nothing sent';
        const [ack] = await carrier(ctx).acknowledgements(controlNumber);
        if (!ack) return 'no acknowledgement yet';
        return ack.ak5.join() === 'A' && ack.ak9.join() === 'A' ? undefined : `AK5 ${ack.ak5.join(',')} AK9 ${ack.ak9.join(',')}`;
      },
    },
  ],
};
