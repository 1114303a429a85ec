import { seededRandom } from './rng';

/** What happens to one order in a chaos run, decided up front from the seed. */
export interface OrderPlan {
  readonly orderId: string;
  /** The seed order it is modelled on (ERP simulator `createOrder`). */
  readonly likeOrderId: 'SO-1001' | 'SO-1002';
  /** `erp.vehicle` (and for cold-chain orders `erp.trailer`) of its own truck, so a temperature alert names only its shipment's assets. */
  readonly vehicle: string;
  readonly trailer?: string;
  /** The exception on the way: a reefer temperature alert, an ETA past the delivery window, or none. */
  readonly exception: 'temperature' | 'delay' | 'none';
  /** Every webhook of this order is delivered three times (the vendor's own retries of an event it thinks failed). */
  readonly triplicate: boolean;
  /** A departure is reported again, late, after the delivery (out-of-order delivery). */
  readonly lateDeparture: boolean;
}

export interface PlanShares {
  /** Share of orders with a temperature excursion. @default 0.12 */
  readonly temperature: number;
  /** Share with a delay exception. @default 0.12 */
  readonly delay: number;
  /** Share whose webhooks are all delivered ×3. @default 0.1 */
  readonly triplicate: number;
  /** Share with a late departure after the delivery. @default 0.1 */
  readonly lateDeparture: number;
}

export const DEFAULT_SHARES: PlanShares = { temperature: 0.12, delay: 0.12, triplicate: 0.1, lateDeparture: 0.1 };

/** The orders of a run: ids `CH<seed>-<n>`, cold-chain orders (with a reefer) for the temperature share. */
export function planOrders(count: number, seed: number, shares: PlanShares = DEFAULT_SHARES): OrderPlan[] {
  const random = seededRandom(seed);
  const plans: OrderPlan[] = [];
  for (let n = 1; n <= count; n++) {
    const roll = random();
    const exception = roll < shares.temperature ? 'temperature' : roll < shares.temperature + shares.delay ? 'delay' : 'none';
    const cold = exception === 'temperature' || random() < 0.3;
    const id = `CH${seed}-${String(n).padStart(5, '0')}`;
    plans.push({
      orderId: id,
      likeOrderId: cold ? 'SO-1001' : 'SO-1002',
      vehicle: `TRK-${id}`,
      ...(cold ? { trailer: `RF-${id}` } : {}),
      exception,
      triplicate: random() < shares.triplicate,
      lateDeparture: random() < shares.lateDeparture,
    });
  }
  return plans;
}
