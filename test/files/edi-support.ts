import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FileIntakeConfig } from '../../lib/config/stage-config';
import { fileIntake } from '../../registry/file-intakes';
import { validateCanonicalEvent } from '../../lambdas/shared/canonical-validation';
import { InMemoryPublisher } from '../../lambdas/shared/event-publisher';
import { InMemoryFileStore, type LandedObject } from '../../lambdas/shared/files/s3-files';
import type { IntakeDeps } from '../../lambdas/fleet/files/edi/intake';
import { InMemoryInterchangeLedger } from '../../lambdas/fleet/files/edi/ledger';

/** The published-layout 214 examples (contracts/x12-214/README.md says where each comes from). */
export function example(name: string): string {
  return readFileSync(path.resolve(import.meta.dirname, '..', '..', 'contracts', 'x12-214', 'examples', `${name}.x12`), 'latin1');
}

export const PARTNERS: FileIntakeConfig = {
  receiver: { qualifier: 'ZZ', id: 'LSYNC' },
  partners: [{ name: 'summit-freight', qualifier: '02', id: 'SMFT', scac: 'SMFT', timeZone: 'America/Chicago' }],
};

export const NOW = new Date('2026-12-05T12:00:00Z');

export function intakeDeps(overrides: Partial<IntakeDeps> = {}) {
  const store = new InMemoryFileStore();
  const publisher = new InMemoryPublisher();
  const ledger = new InMemoryInterchangeLedger();
  const deps: IntakeDeps = {
    store,
    publisher,
    ledger,
    receiver: PARTNERS.receiver,
    partners: PARTNERS.partners,
    prefixes: fileIntake('edi'),
    validate: (event) => {
      const result = validateCanonicalEvent(event);
      return result.ok ? [] : result.errors;
    },
    now: () => NOW,
    ...overrides,
  };
  return { deps, store, publisher, ledger };
}

export function landed(key: string, eTag = 'etag-1'): LandedObject {
  return { bucket: 'lsync-test-edi', key, eTag };
}

/** The segments of an X12 text (for assertions on acknowledgements): split on the terminator the text declares (ISA106). */
export function segmentsOf(text: string): string[][] {
  const terminator = text.charAt(105);
  const element = text.charAt(3);
  return text
    .split(terminator)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => s.split(element));
}
