/**
 * Records the contract of every canonical event schema version in schemas/published.lock.json.
 *
 *   npx tsx tools/publish-schemas.ts            add new versions, record compatible additions
 *   npx tsx tools/publish-schemas.ts --dry-run  print what would change, write nothing
 *
 * A version not in the lock yet is added as it is. A version already in the lock is checked first: a breaking
 * change (see schemas/tooling/compatibility.ts) stops the script with exit code 1 and writes nothing, because
 * the fix is a new vN schema file, not a new lock. Compatible additions (optional fields, enum values) are
 * recorded so that they are protected from then on.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { bundleCanonicalSchema, loadCanonicalSchemas, schemaKey } from '../schemas/catalog';
import {
  collectFieldContracts,
  findBreakingChanges,
  publishedLockFile,
  readLock,
  serializeLock,
  type LockEntry,
} from '../schemas/tooling/compatibility';

function main(): void {
  const dryRun = process.argv.includes('--dry-run');
  const published: Readonly<Record<string, LockEntry>> = existsSync(publishedLockFile) ? readLock().schemas : {};
  const next: Record<string, LockEntry> = { ...published };
  const problems: string[] = [];
  const changes: string[] = [];

  const current = new Set<string>();
  for (const entry of loadCanonicalSchemas()) {
    const key = schemaKey(entry.eventType, entry.version);
    current.add(key);
    const fields = collectFieldContracts(bundleCanonicalSchema(entry.schema));
    const before = published[key];
    if (!before) {
      next[key] = { eventType: entry.eventType, schemaVersion: entry.version, fields };
      changes.push(`publish ${key} (${Object.keys(fields).length} fields)`);
      continue;
    }
    const breaking = findBreakingChanges(entry.eventType, entry.version, before.fields, fields);
    if (breaking.length > 0) {
      problems.push(...breaking);
      continue;
    }
    const added = Object.keys(fields).filter((path) => !(path in before.fields));
    const widened = Object.keys(fields).filter((path) => path in before.fields && JSON.stringify(fields[path]) !== JSON.stringify(before.fields[path]));
    if (added.length > 0 || widened.length > 0) {
      next[key] = { eventType: entry.eventType, schemaVersion: entry.version, fields };
      changes.push(`update ${key}: ${[...added.map((p) => `+${p}`), ...widened.map((p) => `~${p}`)].join(', ')}`);
    }
  }
  for (const key of Object.keys(published)) {
    if (!current.has(key)) problems.push(`${key} is published but its schema file is gone: published versions are kept (deprecate, never delete)`);
  }

  if (problems.length > 0) {
    console.error(`Not published: breaking changes to published schema versions.\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    console.error('Keep the published version compatible, or put the change in a new schemas/canonical/events/<type>.v<N+1>.schema.json.');
    process.exitCode = 1;
    return;
  }
  if (changes.length === 0) {
    console.log(`${relative(process.cwd(), publishedLockFile)} is up to date.`);
    return;
  }
  console.log(changes.map((c) => `${dryRun ? '(dry run) ' : ''}${c}`).join('\n'));
  if (!dryRun) writeFileSync(publishedLockFile, serializeLock(next));
}

main();
