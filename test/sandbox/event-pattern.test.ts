import { describe, expect, test } from 'vitest';
import { matchesPattern } from '../../registry/event-pattern';

const event = {
  source: 'logistics-sync.fleet',
  'detail-type': 'shipment.exception-raised',
  account: '123456789012',
  detail: { metadata: { eventType: 'shipment.exception-raised' }, refs: { orderId: 'SO-1001' }, data: { kind: 'temperature-excursion', celsius: 11.5, tags: ['cold', 'pharma'] } },
};

describe('EventBridge event patterns', () => {
  test.each([
    ['exact values', { source: ['logistics-sync.fleet'], 'detail-type': ['shipment.exception-raised'] }, true],
    ['a value not listed', { source: ['logistics-sync.erp'] }, false],
    ['nested fields', { detail: { data: { kind: ['temperature-excursion', 'delay'] } } }, true],
    ['prefix', { source: [{ prefix: 'logistics-sync.' }] }, true],
    ['suffix', { 'detail-type': [{ suffix: '-raised' }] }, true],
    ['equals-ignore-case', { source: [{ 'equals-ignore-case': 'LOGISTICS-SYNC.FLEET' }] }, true],
    ['anything-but', { source: [{ 'anything-but': ['logistics-sync.erp'] }] }, true],
    ['anything-but (excluded)', { source: [{ 'anything-but': 'logistics-sync.fleet' }] }, false],
    ['numeric range', { detail: { data: { celsius: [{ numeric: ['>', 8, '<=', 12] }] } } }, true],
    ['numeric out of range', { detail: { data: { celsius: [{ numeric: ['<', 8] }] } } }, false],
    ['exists', { detail: { refs: { orderId: [{ exists: true }], shipmentId: [{ exists: false }] } } }, true],
    ['exists on a missing field', { detail: { refs: { shipmentId: [{ exists: true }] } } }, false],
    ['array fields match any element', { detail: { data: { tags: ['pharma'] } } }, true],
    ['wildcard', { 'detail-type': [{ wildcard: 'shipment.*-raised' }] }, true],
    ['$or', { $or: [{ source: ['logistics-sync.erp'] }, { detail: { data: { kind: ['temperature-excursion'] } } }] }, true],
    ['account as in the archive pattern', { account: ['123456789012'] }, true],
  ])('%s', (_name, pattern, expected) => {
    expect(matchesPattern(pattern, event)).toBe(expected);
  });

  test('accepts the pattern as JSON text, as templates and FilterCriteria hold it', () => {
    expect(matchesPattern('{"source":["logistics-sync.fleet"]}', event)).toBe(true);
  });
});
