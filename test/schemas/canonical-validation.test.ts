import { describe, expect, test } from 'vitest';
import {
  createCanonicalValidator,
  isCanonicalEventOfType,
  validateCanonicalEvent,
  type CanonicalEventDetail,
} from '../../lambdas/shared/canonical-validation';
import { canonicalValidators, podCapturedV1 } from '../../lambdas/shared/generated/canonical-validators';
import { canonicalEventTypes, loadCanonicalSchemas } from '../../schemas/catalog';
import { exampleNamed, loadExamples, negativeCases, referenceValidator, schemaFor, setPath } from './support';

function errorsOf(detail: unknown): string[] {
  const result = validateCanonicalEvent(detail);
  if (result.ok) throw new Error('expected the event to be rejected');
  return result.errors;
}

describe('validateCanonicalEvent', () => {
  test('there is a generated validator for every schema version in the catalog, and no other', () => {
    const generated = Object.entries(canonicalValidators).flatMap(([type, versions]) => Object.keys(versions).map((v) => `${type}@${v}`));
    expect(generated.sort()).toEqual(loadCanonicalSchemas().map((s) => `${s.eventType}@${s.version}`).sort());
  });

  test.each(negativeCases().map((c) => [c.title, c] as const))('rejects %s, naming where', (_title, negative) => {
    const errors = errorsOf(negative.detail);
    expect(errors.some((e) => e.startsWith(negative.mentionsAtRuntime ?? negative.mentions)), errors.join('; ')).toBe(true);
  });

  test('agrees with Ajv compiling the schema files, on every example and on every field of every example removed', () => {
    // A differential check of the generated code (bundling, standalone compilation, tree-shaking rewrite)
    // against the reference: same verdict for each valid example and each one-field-missing variant of it.
    let compared = 0;
    for (const example of loadExamples()) {
      const reference = referenceValidator(schemaFor(example.eventType, example.schemaVersion));
      const variants = [example.detail(), ...leafPaths(example.detail()).map((path) => setPath(example.detail(), path, undefined))];
      for (const variant of variants) {
        expect(validateCanonicalEvent(variant).ok, `${example.name} without ${JSON.stringify(variant)}`).toBe(reference(variant));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(300);
  });

  test('rejects an unknown event type after checking the envelope', () => {
    const detail = setPath(exampleNamed('order.released.json'), ['metadata', 'eventType'], 'order.teleported');
    expect(errorsOf(detail)).toEqual(['/metadata/eventType "order.teleported" is not a canonical event type']);
  });

  test('rejects an unknown schema version and lists the known ones', () => {
    const detail = setPath(exampleNamed('order.released.json'), ['metadata', 'schemaVersion'], '7');
    expect(errorsOf(detail)).toEqual(['/metadata/schemaVersion "7" is not a known version of order.released (known: 1, 2)']);
  });

  test('an event type named like an Object.prototype member is rejected, not looked up', () => {
    for (const name of ['constructor.x', 'to-string.value']) {
      expect(errorsOf(setPath(exampleNamed('order.released.json'), ['metadata', 'eventType'], name))[0]).toContain('is not a canonical event type');
    }
    expect(errorsOf(setPath(exampleNamed('order.released.json'), ['metadata', 'schemaVersion'], 'constructor'))[0]).toContain('/metadata/schemaVersion');
  });

  test('reports envelope problems when there is no usable eventType', () => {
    expect(errorsOf(null)).toEqual(['/ must be object']);
    expect(errorsOf([])).toEqual(['/ must be object']);
    expect(errorsOf({ refs: {}, data: {} })).toEqual(['/metadata is required']);
    expect(errorsOf(setPath(exampleNamed('order.released.json'), ['metadata', 'eventType'], 42))).toEqual(['/metadata/eventType must be string']);
  });

  test('messages name the field and the rule but never echo the offending value', () => {
    const secret = 'Jane Doe, 221B Baker Street';
    const errors = errorsOf(setPath(exampleNamed('order.released.json'), ['refs', 'customerId'], secret));
    expect(errors).toEqual(['/refs/customerId must match ^[A-Za-z0-9][A-Za-z0-9_.:/-]*$']);
    expect(errors.join(' ')).not.toContain('Jane');
  });
});

describe('createCanonicalValidator', () => {
  const validatePod = createCanonicalValidator({ 'pod.captured': { '1': podCapturedV1 } });

  test('accepts the types it was given', () => {
    const result = validatePod(exampleNamed('pod.captured.json'));
    expect(result.ok).toBe(true);
    // Typed as the union of the given types: this line does not compile if the result type is too wide.
    if (result.ok) expect(result.event.data.documentType).toBe('proof-of-delivery');
  });

  test('rejects every other type, even valid ones', () => {
    expect(validatePod(exampleNamed('order.released.json'))).toEqual({
      ok: false,
      errors: ['/metadata/eventType "order.released" is not accepted here'],
    });
  });

  test('still validates the event it accepts', () => {
    const result = validatePod(setPath(exampleNamed('pod.captured.json'), ['data', 'signatureCaptured'], 'yes'));
    expect(result).toEqual({ ok: false, errors: ['/data/signatureCaptured must be boolean'] });
  });
});

test('isCanonicalEventOfType narrows a validated event to one type', () => {
  const result = validateCanonicalEvent(exampleNamed('shipment.exception-raised.json'));
  if (!result.ok) throw new Error(result.errors.join('; '));
  const event: CanonicalEventDetail = result.event;
  expect(isCanonicalEventOfType(event, 'order.released')).toBe(false);
  if (!isCanonicalEventOfType(event, 'shipment.exception-raised')) throw new Error('expected an exception event');
  expect(event.data.kind === 'temperature-excursion' && event.data.readingCelsius).toBe(11.5);
  expect(canonicalEventTypes).toContain(event.metadata.eventType);
});

/** Paths to every object member of a JSON value (array elements are reached through their index). */
function leafPaths(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => [[...prefix, key], ...leafPaths(child, [...prefix, key])]);
}
