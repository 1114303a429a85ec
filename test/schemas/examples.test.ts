import { describe, expect, test } from 'vitest';
import { canonicalEventTypes, loadCanonicalSchemas } from '../../schemas/catalog';
import { validateCanonicalEvent } from '../../lambdas/shared/canonical-validation';
import { loadExamples, negativeCases, pointersOf, referenceValidator, schemaFor } from './support';

const examples = loadExamples();

describe('canonical examples', () => {
  test('every canonical event type has at least one example', () => {
    const covered = new Set(examples.map((e) => e.eventType));
    expect(canonicalEventTypes.filter((type) => !covered.has(type))).toEqual([]);
  });

  test('every schema version has at least one example', () => {
    const covered = new Set(examples.map((e) => `${e.eventType}@${e.schemaVersion}`));
    expect(loadCanonicalSchemas().map((s) => `${s.eventType}@${s.version}`).filter((key) => !covered.has(key))).toEqual([]);
  });

  test('an example is named after the event type it holds: <type>.json or <type>.<variant>.json', () => {
    for (const example of examples) {
      const rest = example.name.startsWith(`${example.eventType}.`) ? example.name.slice(example.eventType.length) : undefined;
      expect(rest, example.name).toMatch(/^(\.[a-z0-9-]+)?\.json$/);
    }
  });

  test('every exception kind has an example', () => {
    const kinds = new Set(examples.filter((e) => e.eventType === 'shipment.exception-raised').map((e) => (e.detail().data as { kind: string }).kind));
    expect([...kinds].sort()).toEqual(['damage', 'delay', 'failed-delivery', 'temperature-excursion']);
  });

  describe.each(examples.map((e) => [e.name, e] as const))('%s', (_name, example) => {
    test('validates against its schema file (Ajv 2020-12 at test time)', () => {
      const validate = referenceValidator(schemaFor(example.eventType, example.schemaVersion));
      const valid = validate(example.detail());
      expect(validate.errors ?? [], JSON.stringify(validate.errors)).toEqual([]);
      expect(valid).toBe(true);
    });

    test('is accepted by the generated runtime validator', () => {
      expect(validateCanonicalEvent(example.detail())).toEqual({ ok: true, event: example.detail() });
    });
  });

  test('the examples tell one story: the SO-1001 scenario, every causationId pointing at another example', () => {
    const details = examples.map((e) => e.detail() as { metadata: { eventId: string; causationId?: string; correlationId: string } });
    const ids = new Set(details.map((d) => d.metadata.eventId));
    expect(ids.size, 'eventIds are unique').toBe(details.length);
    for (const { metadata } of details) {
      expect(metadata.correlationId).toBe('SO-1001');
      if (metadata.causationId !== undefined) expect(ids.has(metadata.causationId), `${metadata.eventId} has a dangling causationId`).toBe(true);
    }
  });
});

describe('invalid events are rejected', () => {
  test.each(negativeCases().map((c) => [c.title, c] as const))('%s', (_title, negative) => {
    const validate = referenceValidator(schemaFor(negative.eventType));
    expect(validate(negative.detail), 'by the schema file').toBe(false);
    expect(pointersOf(validate.errors).some((p) => p.startsWith(negative.mentions)), JSON.stringify(validate.errors)).toBe(true);
  });

  test('each negative case differs from a valid example in one point (the cases are not vacuous)', () => {
    // If a mutation silently missed its target, the "invalid" detail would equal the valid example.
    for (const negative of negativeCases()) {
      const valid = examples.find((e) => e.eventType === negative.eventType && e.name === `${negative.eventType}.json`);
      expect(valid, negative.title).toBeDefined();
      expect(negative.detail, negative.title).not.toEqual(valid?.detail());
    }
  });
});
