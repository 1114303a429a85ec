import { createSweepHandlerFromEnv } from '../../shared/reconciliation/bootstrap';
import { createErpHoldSourceFromEnv } from '../erp-clients';
import { ErpHoldObserver } from './hold-observer';

/**
 * ERP reconciliation sweep: SQS (erp-reconciliation queue, fed by its schedule and its own continuations) → the
 * quality holds the shipments in flight still show active → the releases the index lacks, published. Wiring only;
 * see lambdas/shared/reconciliation and hold-observer.ts.
 */
export const handler = createSweepHandlerFromEnv('erp', new ErpHoldObserver(createErpHoldSourceFromEnv()));
