import { EDI_MILESTONES } from './fleet-milestones-edi';
import { accepted, routeRef } from './helpers';
import type { Expectation, ScenarioContext } from './runner';

/**
 * How the carrier's milestones reach the product in the reference scenario (steps 3, 6 and 7): by default the fleet
 * simulator's webhooks (Samsara route-stop events and the POD document); `--systems fleet=<vendor>` plays them the
 * way that vendor sends them. One entry per vendor that can play them; the steps call {@link fleetMilestones}.
 */
export interface FleetMilestones {
  /** The truck leaves the DC with the shipment (`at`: when, for a late report). */
  depart(ctx: ScenarioContext, options?: { readonly at?: Date }): Promise<void>;
  /** It arrives at the customer. */
  arrive(ctx: ScenarioContext): Promise<void>;
  /** The delivery is completed and its proof submitted. */
  deliver(ctx: ScenarioContext): Promise<void>;
  /** What else must hold after a milestone was sent this way (e.g. the vendor's acknowledgement). */
  expectations?(ctx: ScenarioContext, milestone: 'departed' | 'arrived' | 'delivered'): Expectation[];
}

const WEBHOOKS: FleetMilestones = {
  depart: (ctx, options) => accepted(ctx.sandbox.simulators!.fleet.departStop(routeRef(ctx), 0, options?.at ? { at: options.at } : undefined), 'the departure webhook'),
  arrive: (ctx) => accepted(ctx.sandbox.simulators!.fleet.arriveAtStop(routeRef(ctx)), 'the arrival webhook'),
  deliver: (ctx) => accepted(ctx.sandbox.simulators!.fleet.submitProofOfDelivery(routeRef(ctx)), 'the proof-of-delivery webhook'),
};

/** The vendors that can play the fleet milestones, by registry name. */
export const FLEET_MILESTONES: Readonly<Record<string, FleetMilestones>> = {
  samsara: WEBHOOKS,
  edi: EDI_MILESTONES,
};

/** The milestones of the fleet vendor the scenario plays (`ctx.systems.fleet`), the webhooks by default. */
export function fleetMilestones(ctx: ScenarioContext): FleetMilestones {
  const vendor = ctx.systems.fleet;
  if (vendor === undefined) return WEBHOOKS;
  const milestones = FLEET_MILESTONES[vendor];
  if (!milestones) throw new Error(`the reference scenario cannot send fleet milestones as ${vendor} (it can as: ${Object.keys(FLEET_MILESTONES).join(', ')})`);
  return milestones;
}
