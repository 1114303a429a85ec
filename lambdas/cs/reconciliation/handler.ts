import { createSweepHandlerFromEnv } from '../../shared/reconciliation/bootstrap';
import { createCaseSourceFromEnv } from '../cs-clients';
import { CaseObserver } from './case-observer';

/**
 * CS reconciliation sweep: SQS (cs-reconciliation queue, fed by its schedule and its own continuations) → the cases
 * the shipments in flight still show open → the resolutions the index lacks, published. Wiring only; see
 * lambdas/shared/reconciliation and case-observer.ts.
 */
export const handler = createSweepHandlerFromEnv('cs', new CaseObserver(createCaseSourceFromEnv()));
