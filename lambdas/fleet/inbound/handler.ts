import { createInboundHandler } from '../../shared/webhook/runtime';
import { FLEET_CANONICAL_VALIDATORS, FLEET_DIALECTS } from './routes';

/** Fleet webhooks: Samsara, Motive and the canonical dialect (lambdas/shared/webhook/pipeline.ts). */
export const handler = createInboundHandler({ system: 'fleet', dialects: FLEET_DIALECTS, canonicalValidators: FLEET_CANONICAL_VALIDATORS });
