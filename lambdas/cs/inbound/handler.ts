import { createInboundHandler } from '../../shared/webhook/runtime';
import { CS_CANONICAL_VALIDATORS, CS_DIALECTS } from './routes';

/** Customer-service webhooks: Zendesk, Freshdesk and the canonical dialect (lambdas/shared/webhook/pipeline.ts). */
export const handler = createInboundHandler({ system: 'cs', dialects: CS_DIALECTS, canonicalValidators: CS_CANONICAL_VALIDATORS });
