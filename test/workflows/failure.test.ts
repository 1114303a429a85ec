import { describe, expect, test } from 'vitest';
import { validateCanonicalEvent } from '../../lambdas/shared/canonical-validation';
import { describeFailure, sanitizeCause } from '../../lambdas/workflows/failure';
import type { TriggerEvent } from '../../lambdas/workflows/model';
import { attemptsFor } from '../../lambdas/workflows/retry-policy';
import { example } from './harness';

const EVENT = example<TriggerEvent>('shipment.exception-raised');
const NOW = new Date('2026-03-12T10:45:00Z');

describe('describing a failure for compensation', () => {
  test('one sync.failed per failed branch, with the case a branch did open, and a note naming each step', () => {
    const description = describeFailure(
      {
        flow: 'temperature-excursion',
        event: EVENT,
        eventBusName: 'bus',
        failure: {
          step: 'act',
          outcome: [
            { ok: false, step: 'erp-actions', targetSystem: 'erp', Error: 'UpstreamUnavailableError', Cause: JSON.stringify({ errorType: 'UpstreamUnavailableError', errorMessage: 'ERP 503', trace: ['at x (/var/task/index.mjs:1:1)'] }) },
            { ok: true, caseId: '38211' },
            { ok: false, step: 'notify', targetSystem: 'cs', Error: 'SNS.AuthorizationErrorException', Cause: 'not authorized' },
            { ok: true },
          ],
        },
      },
      NOW,
    );
    expect(description.caseId).toBe('38211');
    expect(description.failedSteps).toEqual(['erp-actions', 'notify']);
    const details = description.entries.map((e) => JSON.parse(e.Detail) as { data: Record<string, unknown>; refs: Record<string, string> });
    for (const detail of details) expect(validateCanonicalEvent(detail)).toMatchObject({ ok: true });
    expect(details.map((d) => d.data)).toEqual([
      expect.objectContaining({ targetSystem: 'erp', operation: 'erp-actions', errorCode: 'UpstreamUnavailableError', retryable: true, attempts: 7, reason: 'temperature-excursion workflow step erp-actions failed: ERP 503' }),
      expect.objectContaining({ targetSystem: 'cs', operation: 'notify', errorCode: 'SNS.AuthorizationErrorException', attempts: 5 }),
    ]);
    expect(details[0].refs.caseId).toBe('38211');
    expect(description.entries.every((e) => e.EventBusName === 'bus' && e.Source === 'logistics-sync.orchestrator' && e.DetailType === 'sync.failed')).toBe(true);
    expect(description.note.body).toMatch(/- erp-actions \(erp\): UpstreamUnavailableError: ERP 503\n- notify \(cs\): SNS.AuthorizationErrorException: not authorized/);
  });

  test('the same failure described twice has the same event ids (a retried task republishes, consumers dedupe)', () => {
    const input = { flow: 'delay' as const, event: EVENT, eventBusName: 'bus', failure: { step: 'enrich', targetSystem: 'erp' as const, Error: 'ValidationError', Cause: 'x' } };
    const ids = (at: Date) => describeFailure(input, at).entries.map((e) => (JSON.parse(e.Detail) as { metadata: { eventId: string } }).metadata.eventId);
    expect(ids(NOW)).toEqual(ids(new Date('2026-03-12T11:00:00Z')));
  });

  test('causes are one line, without stacks, at most 300 characters', () => {
    expect(sanitizeCause(JSON.stringify({ errorMessage: 'a\n  b', stackTrace: ['secret'] }))).toBe('a b');
    expect(sanitizeCause('x'.repeat(1000))).toHaveLength(300);
    expect(sanitizeCause(undefined)).toBe('no cause given');
  });

  test('attempts follow the retry policy: none for bad input, eleven for rate limits, twenty-one while the status is busy, five for a service integration, seven otherwise', () => {
    expect([attemptsFor('ValidationError'), attemptsFor('RateLimitedError'), attemptsFor('StatusSyncBusyError'), attemptsFor('SNS.InternalErrorException'), attemptsFor('UpstreamUnavailableError'), attemptsFor(undefined)]).toEqual([1, 11, 21, 5, 7, 7]);
  });
});
