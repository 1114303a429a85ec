/**
 * Scaffolds a new vendor dialect (docs/adding-a-vendor.md):
 *
 *   npm run new:vendor -- --system cs --name acme [--title "Acme Helpdesk webhooks"] [--dry-run]
 *
 * Adds the registry entry (registry/vendors.ts) and the implementation's line in the system's dialect table
 * (lambdas/<system>/inbound/routes.ts), and writes the vendor's folder (lambdas/<system>/inbound/<name>/), a
 * schema and example stub (schemas/vendors/), a simulator skeleton (sandbox/simulators/vendors/), a contract
 * folder stub (contracts/<name>/) and tests (test/inbound/<name>.test.ts). The result compiles, synthesizes with
 * the new route and secret, and its tests run: the ones about wiring pass, the ones about the vendor's wire
 * format fail with `TODO(new:vendor)` until the stubs are filled in from the vendor's documentation.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { SYSTEMS, type SystemName } from '../registry/systems';
import { CANONICAL_DIALECT, VENDOR_DIALECTS } from '../registry/vendors';
import { writeVendorValidators } from './gen-vendor-validators';
import { camel, contractReadme, dialectFile, exampleFile, headerCase, pascal, schemaFile, simulatorFile, testFile, TODO, type VendorSpec } from './vendor-templates';

export { TODO, type VendorSpec };

/** A file to write (created) or a file to change (edited), relative to the project root. */
export interface PlannedFile {
  readonly path: string;
  readonly content: string;
  readonly kind: 'create' | 'edit';
}

export class ScaffoldError extends Error {
  override name = 'ScaffoldError';
}

/** Checks the options; every problem is named, nothing is written. */
export function vendorSpec(options: { readonly system?: string; readonly name?: string; readonly title?: string }): VendorSpec {
  const problems: string[] = [];
  const system = options.system as SystemName;
  if (!(SYSTEMS as readonly string[]).includes(options.system ?? '')) problems.push(`--system must be one of ${SYSTEMS.join(', ')}, got "${options.system ?? ''}"`);
  const name = options.name ?? '';
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name) || name.length > 32) problems.push(`--name must be lower case letters and digits, dash-separated, at most 32 characters (it becomes the route /webhooks/<system>/<name>), got "${name}"`);
  else if (name === CANONICAL_DIALECT.route || name in VENDOR_DIALECTS) problems.push(`--name "${name}" is already a dialect (registry/vendors.ts)`);
  if (problems.length > 0) throw new ScaffoldError(problems.join('\n'));
  return { system, name, title: options.title?.trim() || `${pascal(name)} webhooks` };
}

function insertBefore(source: string, marker: RegExp, insertion: string, file: string): string {
  const match = marker.exec(source);
  if (!match) throw new ScaffoldError(`${file}: cannot find where to add the vendor (${marker.source}); add it by hand (docs/adding-a-vendor.md)`);
  return source.slice(0, match.index) + insertion + source.slice(match.index);
}

function registryEdit(root: string, spec: VendorSpec): PlannedFile {
  const path = 'registry/vendors.ts';
  let source = readFileSync(join(root, path), 'utf8');
  source = source.replace(/(export type SignatureScheme = [^;]+);/, `$1 | '${spec.name}';`);
  const key = /^[a-z][a-z0-9]*$/.test(spec.name) ? spec.name : `'${spec.name}'`;
  const entry = `  ${key}: {
    route: '${spec.name}',
    system: '${spec.system}',
    title: '${spec.title.replace(/'/g, "\\'")}',
    // ${TODO}: the header names exactly as the vendor documents them (and no timestampHeader if it signs no timestamp).
    signature: { scheme: '${spec.name}', signatureHeader: 'X-${headerCase(spec.name)}-Signature', timestampHeader: 'X-${headerCase(spec.name)}-Timestamp' },
    secretField: '${camel(spec.name)}WebhookSecret',
    contentTypes: ['application/json'],
    schema: '${spec.name}-webhook',
  },
`;
  source = insertBefore(source, /^\} as const satisfies Record<string, DialectEntry>;/m, entry, path);
  return { path, content: source, kind: 'edit' };
}

function routesEdit(root: string, spec: VendorSpec): PlannedFile {
  const path = `lambdas/${spec.system}/inbound/routes.ts`;
  let source = readFileSync(join(root, path), 'utf8');
  const lastImport = [...source.matchAll(/^import .*;$/gm)].at(-1);
  if (!lastImport) throw new ScaffoldError(`${path}: no import to add the vendor's after`);
  const at = lastImport.index + lastImport[0].length;
  source = `${source.slice(0, at)}\nimport { ${camel(spec.name)}Dialect } from './${spec.name}/dialect';${source.slice(at)}`;
  const canonicalLine = new RegExp(`^( *)canonical: canonicalDialect\\('${spec.system}'`, 'm').exec(source);
  if (!canonicalLine) throw new ScaffoldError(`${path}: cannot find the dialect table's canonical entry; add ${camel(spec.name)}Dialect by hand`);
  const key = /^[a-z][a-z0-9]*$/.test(spec.name) ? spec.name : `'${spec.name}'`;
  source = source.slice(0, canonicalLine.index) + `${canonicalLine[1]}${key}: ${camel(spec.name)}Dialect,\n` + source.slice(canonicalLine.index);
  return { path, content: source, kind: 'edit' };
}

/** Everything the scaffold writes or changes, computed without touching the disk. */
export function planVendor(root: string, spec: VendorSpec): PlannedFile[] {
  const files: PlannedFile[] = [
    registryEdit(root, spec),
    routesEdit(root, spec),
    { path: `lambdas/${spec.system}/inbound/${spec.name}/dialect.ts`, content: dialectFile(spec), kind: 'create' },
    { path: `schemas/vendors/${spec.name}-webhook.schema.json`, content: schemaFile(spec), kind: 'create' },
    { path: `schemas/vendors/examples/${spec.name}-webhook.json`, content: exampleFile(), kind: 'create' },
    { path: `sandbox/simulators/vendors/${spec.name}.ts`, content: simulatorFile(spec), kind: 'create' },
    { path: `contracts/${spec.name}/README.md`, content: contractReadme(spec), kind: 'create' },
    { path: `test/inbound/${spec.name}.test.ts`, content: testFile(spec), kind: 'create' },
  ];
  const clashes = files.filter((f) => f.kind === 'create' && existsSync(join(root, f.path))).map((f) => f.path);
  if (clashes.length > 0) throw new ScaffoldError(`already present, nothing written: ${clashes.join(', ')}`);
  return files;
}

export function writePlan(root: string, files: readonly PlannedFile[]): void {
  for (const file of files) {
    mkdirSync(dirname(join(root, file.path)), { recursive: true });
    writeFileSync(join(root, file.path), file.content);
  }
}

function main(argv: readonly string[]): number {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const program = new Command('new:vendor')
    .description('Scaffold a vendor dialect: registry entry, handler folder, schema and example, simulator, contract folder, tests')
    .requiredOption('--system <system>', `the system the vendor belongs to (${SYSTEMS.join(', ')})`)
    .requiredOption('--name <name>', 'the vendor, as its route: /webhooks/<system>/<name>')
    .option('--title <title>', "what the vendor calls the format, e.g. 'Acme Helpdesk webhooks'")
    .option('--dry-run', 'list what would be written')
    .exitOverride();
  try {
    program.parse(argv, { from: 'user' });
    const options = program.opts<{ system: string; name: string; title?: string; dryRun?: boolean }>();
    const spec = vendorSpec(options);
    const files = planVendor(root, spec);
    for (const file of files) console.log(`${options.dryRun ? 'would ' : ''}${file.kind === 'create' ? 'create' : 'edit  '} ${file.path}`);
    if (options.dryRun) return 0;
    writePlan(root, files);
    for (const file of writeVendorValidators({ check: false })) console.log(`regenerated ${relative(root, join(root, file))}`);
    console.log(`\nNext: fill in every ${TODO} from the vendor's documentation, then npm test. The wire-format tests in test/inbound/${spec.name}.test.ts fail until then. Steps: docs/adding-a-vendor.md`);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof ScaffoldError) {
      console.error(`new:vendor: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.slice(2));
