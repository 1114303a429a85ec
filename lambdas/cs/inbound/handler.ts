import { optionalEnv } from '../../shared/env';
import { logger } from '../../shared/observability';
import { createInboundHandler } from '../../shared/webhook/runtime';
import { createFreshdeskClientFromEnv } from '../freshdesk/client';
import { CS_CANONICAL_VALIDATORS, csDialects } from './routes';

/**
 * Customer-service webhooks: Zendesk, Freshdesk and the canonical dialect (lambdas/shared/webhook/pipeline.ts). On a
 * Freshdesk stage (`TARGET_VENDOR` freshdesk, with `API_BASE_URL`, the `apiKey` of the system secret `SECRET_NAME`
 * and `HTTP_TIMEOUT_MS`), a resolution webhook reads its ticket's stats first (freshdesk/dialect.ts).
 */
const freshdesk =
  optionalEnv('TARGET_VENDOR') === 'freshdesk' && optionalEnv('API_BASE_URL')
    ? { resolutions: createFreshdeskClientFromEnv(), warn: (message: string, extra: Record<string, unknown>) => logger.warn(message, extra) }
    : undefined;

export const handler = createInboundHandler({ system: 'cs', dialects: csDialects(freshdesk), canonicalValidators: CS_CANONICAL_VALIDATORS });
