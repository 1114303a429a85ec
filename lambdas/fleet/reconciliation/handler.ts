import { createSweepHandlerFromEnv } from '../../shared/reconciliation/bootstrap';
import { createFleetRouteSourceFromEnv } from '../fleet-clients';
import { FleetRouteObserver } from './route-observer';

/**
 * Fleet reconciliation sweep: SQS (fleet-reconciliation queue, fed by its schedule and by its own continuations) →
 * the routes of the shipments in flight → the stop milestones the index lacks, published. Wiring only; see
 * lambdas/shared/reconciliation and route-observer.ts.
 */
export const handler = createSweepHandlerFromEnv('fleet', new FleetRouteObserver(createFleetRouteSourceFromEnv()));
