import { caseOpenedV1, caseResolvedV1, caseUpdatedV1 } from '../../shared/generated/canonical-validators.js';
import { canonicalDialect } from '../../shared/webhook/canonical-dialect';
import { dialectTable, type Dialect } from '../../shared/webhook/dialect';
import type { CanonicalValidators } from '../../shared/webhook/pipeline';
import { zendeskDialect } from './zendesk';
import { freshdeskDialectWith, type FreshdeskResolutions, type ResolutionWarning } from './freshdesk/dialect';

/** The customer-service system's webhook routes (`/webhooks/cs/{zendesk,freshdesk,canonical}`) and the events it may originate. */
export const CS_CANONICAL_VALIDATORS = {
  'case.opened': { '1': caseOpenedV1 },
  'case.updated': { '1': caseUpdatedV1 },
  'case.resolved': { '1': caseResolvedV1 },
} satisfies CanonicalValidators;

/**
 * One implementation per route of registry/vendors.ts for the CS system (a missing one is a type error). With
 * `freshdesk`, the stage's Freshdesk API: a resolution webhook reads its ticket's stats (freshdesk/dialect.ts).
 */
export function csDialects(freshdesk?: { resolutions: FreshdeskResolutions; warn?: ResolutionWarning }): readonly Dialect[] {
  return dialectTable('cs', {
    zendesk: zendeskDialect,
    freshdesk: freshdeskDialectWith(freshdesk?.resolutions, freshdesk?.warn),
    canonical: canonicalDialect('cs', Object.keys(CS_CANONICAL_VALIDATORS)),
  });
}

/** The CS dialects without a Freshdesk API (every event as received): tests, the bench. */
export const CS_DIALECTS: readonly Dialect[] = csDialects();
