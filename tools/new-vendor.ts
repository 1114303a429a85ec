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
import { VENDOR_SCHEMA_ID_BASE, writeVendorValidators } from './gen-vendor-validators';

export const TODO = 'TODO(new:vendor)';

export interface VendorSpec {
  readonly system: SystemName;
  /** Route segment and vendor id: lower case letters, digits and dashes. */
  readonly name: string;
  readonly title: string;
}

/** A file to write (created) or a file to change (edited), relative to the project root. */
export interface PlannedFile {
  readonly path: string;
  readonly content: string;
  readonly kind: 'create' | 'edit';
}

export class ScaffoldError extends Error {
  override name = 'ScaffoldError';
}

const camel = (name: string) => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const pascal = (name: string) => camel(name).replace(/^./, (c) => c.toUpperCase());
const headerCase = (name: string) => name.split('-').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('-');
const SYSTEM_CONSTANT: Readonly<Record<SystemName, string>> = { erp: 'ERP', fleet: 'FLEET', cs: 'CS' };

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

function dialectFile(spec: VendorSpec): string {
  const id = camel(spec.name);
  const type = `${pascal(spec.name)}Webhook`;
  const entry = /^[a-z][a-z0-9]*$/.test(spec.name) ? `VENDOR_DIALECTS.${spec.name}` : `VENDOR_DIALECTS['${spec.name}']`;
  return `import { createHmac } from 'node:crypto';
import { buildCanonicalEvent } from '../../../shared/canonical-event';
import { dialectIdentity, type DecodedEvent, type Dialect, type MapResult } from '../../../shared/webhook/dialect';
import { ${id}Webhook } from '../../../shared/webhook/generated/vendor-validators.js';
import { signatureHeader, type WebhookRequest } from '../../../shared/webhook/request';
import { checkTimestampWindow, constantTimeEqual, parseUnixSeconds } from '../../../shared/webhook/signatures';
import { validateOrThrow, type SchemaValidator } from '../../../shared/webhook/validation';
import { VENDOR_DIALECTS } from '../../../../registry/vendors';

/**
 * ${spec.title} → canonical ${spec.system} events.
 *
 * ${TODO}: cite the vendor's documentation for every wire-level fact below (webhook reference URL, signature
 * scheme, event types), and say what is mapped and what is answered 202 ignored.
 */

/** ${TODO}: the payload as the vendor documents it (the fields the mapping reads). */
export interface ${type} {
  readonly id: string;
  readonly type: string;
  readonly occurred_at?: string;
}

const ENTRY = ${entry};
const validate${type} = ${id}Webhook as SchemaValidator<${type}>;

/**
 * Verifies the vendor's signature over the raw body, constant-time, with the replay window when the vendor signs a
 * timestamp (helpers in lambdas/shared/webhook/signatures.ts).
 */
export function verify${pascal(spec.name)}(request: WebhookRequest, secret: string, now: Date, toleranceSeconds: number): void {
  const signature = signatureHeader(request, ENTRY.signature.signatureHeader);
  const timestamp = signatureHeader(request, ENTRY.signature.timestampHeader);
  checkTimestampWindow(parseUnixSeconds(timestamp, ENTRY.signature.timestampHeader), now, toleranceSeconds);
  const expected = createHmac('sha256', Buffer.from(secret, 'utf8')).update(\`\${timestamp}.\`).update(request.body).digest();
  void constantTimeEqual(expected, Buffer.from(signature, 'hex'));
  throw new Error(\`${TODO}: verify the ${spec.title} signature as the vendor documents it (then delete this line)\`);
}

/** Maps one verified, valid event to canonical events, or ignores it with the reason. */
export function map${pascal(spec.name)}(decoded: DecodedEvent<${type}>, receivedAt: string): MapResult {
  const event = decoded.event;
  // ${TODO}: map the vendor's event types to canonical ones (schemas/canonical/events); keep the rest 202 ignored.
  if (event.type !== '${TODO}') return { kind: 'ignored', reason: \`${TODO}: ${spec.title} event \${event.type} is not mapped yet\` };
  const detail = buildCanonicalEvent({
    eventType: 'case.updated',
    system: '${spec.system}',
    vendor: ENTRY.route,
    vendorEventId: decoded.vendorEventId,
    occurredAt: event.occurred_at ?? receivedAt,
    receivedAt,
    refs: {},
    data: {},
  });
  return { kind: 'events', events: [detail] };
}

export const ${id}Dialect: Dialect<${type}> = {
  ...dialectIdentity(ENTRY),
  verify: verify${pascal(spec.name)},
  decode(_request, json) {
    const event = validateOrThrow(validate${type}, json, 'invalid ${spec.title.replace(/'/g, "\\'")} payload');
    return { event, vendorEventId: event.id, vendorEventType: event.type };
  },
  map: map${pascal(spec.name)},
};
`;
}

function schemaFile(spec: VendorSpec): string {
  return `${JSON.stringify(
    {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: `${VENDOR_SCHEMA_ID_BASE}${spec.name}-webhook.schema.json`,
      title: `${pascal(spec.name)}Webhook`,
      description: `${TODO}: ${spec.title}, as the vendor documents the payload (cite the reference page and the date you read it). Bound every string; ids are letters, digits and . _ : -.`,
      type: 'object',
      properties: {
        id: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' },
        type: { type: 'string', minLength: 1, maxLength: 128 },
        occurred_at: { type: 'string', format: 'date-time' },
      },
      required: ['id', 'type'],
    },
    undefined,
    2,
  )}\n`;
}

function exampleFile(): string {
  return `${JSON.stringify({ id: 'evt-replace-with-the-vendors-documented-example', type: 'replace.with.documented.type', occurred_at: '2026-03-12T10:40:00Z' }, undefined, 2)}\n`;
}

function simulatorFile(spec: VendorSpec): string {
  const P = pascal(spec.name);
  return `import { createHmac } from 'node:crypto';

/**
 * Simulated ${spec.title} for the sandbox and tests: the vendor's side of the wire, written from the vendor's
 * published documentation, never from our client (lambdas/${spec.system}/inbound/${spec.name}/).
 *
 * ${TODO}: cite the vendor's webhook and signature documentation here, sign exactly as it says, and send its
 * documented examples. When the product also calls the vendor's API, serve it the way the other simulators do
 * (sandbox/simulators/), held to the vendor's contract (contracts/${spec.name}/).
 */

/** The headers the vendor sends with a signed webhook. */
export function sign${P}(secret: string, timestamp: string, body: string): Record<string, string> {
  void createHmac('sha256', Buffer.from(secret, 'utf8')).update(\`\${timestamp}.\${body}\`).digest('hex');
  throw new Error('${TODO}: sign as ${spec.title} documents it (header names, key, message, encoding)');
}

/** Sends webhooks to the product's route for this vendor. */
export class ${P}Simulator {
  constructor(
    private readonly webhookUrl: string,
    private readonly secret: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async send(event: unknown): Promise<{ status: number; body: string }> {
    const body = JSON.stringify(event);
    const timestamp = String(Math.floor(this.now().getTime() / 1000));
    const response = await fetch(this.webhookUrl, { method: 'POST', body, headers: { 'content-type': 'application/json', ...sign${P}(this.secret, timestamp, body) } });
    return { status: response.status, body: await response.text() };
  }
}
`;
}

function contractReadme(spec: VendorSpec): string {
  return `# ${spec.title} — contract

${TODO}: keep here what the vendor publishes about its webhooks (and its API, if the product calls it): an
OpenAPI document (\`openapi.json\`) or the reference pages' request and response examples, each with its source URL
and the date it was read. Then add \`'${spec.name}'\` to \`CONTRACT_NAMES\` and \`contract: '${spec.name}'\` to the
dialect's entry in registry/vendors.ts, so the simulator and the client tests are held to it
(contracts/README.md).
`;
}

function testFile(spec: VendorSpec): string {
  const P = pascal(spec.name);
  const S = SYSTEM_CONSTANT[spec.system];
  const entry = /^[a-z][a-z0-9]*$/.test(spec.name) ? `VENDOR_DIALECTS.${spec.name}` : `VENDOR_DIALECTS['${spec.name}']`;
  return `import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ${S}_CANONICAL_VALIDATORS, ${S === 'FLEET' ? 'FLEET_DIALECTS' : S === 'CS' ? 'CS_DIALECTS' : 'erpDialects'} } from '../../lambdas/${spec.system}/inbound/routes';
import { verify${P} } from '../../lambdas/${spec.system}/inbound/${spec.name}/dialect';
${S === 'ERP' ? "import { InMemorySapReadBackQueue } from '../../lambdas/erp/inbound/read-back-queue';\n" : ''}import { fromApiGatewayEvent } from '../../lambdas/shared/webhook/request';
import { generateSecrets } from '../../sandbox/secrets';
import { sign${P} } from '../../sandbox/simulators/vendors/${spec.name}';
import { signatureHeaders, VENDOR_DIALECTS, webhookPath } from '../../registry/vendors';
import { synthStage } from '../support/synth';
import { apiEvent, expectCanonical, harness, json, NOW_SECONDS, testSecret } from './support';

/**
 * ${spec.title} (scaffolded by \`npm run new:vendor\`). The wiring tests pass from the start; the wire-format
 * tests fail with ${TODO} until the dialect, the simulator and the example are written from the vendor's
 * documentation (docs/adding-a-vendor.md).
 */
const ENTRY = ${entry};
const PATH = webhookPath('${spec.system}', ENTRY.route);
const example = JSON.parse(readFileSync(new URL('../../schemas/vendors/examples/${spec.name}-webhook.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const dialects = () => ${S === 'ERP' ? 'erpDialects(new InMemorySapReadBackQueue())' : `${S}_DIALECTS`};

/** ${TODO}: the signature example the vendor publishes (secret, timestamp, body, signature), with its source URL. */
const PUBLISHED_VECTOR = { secret: '${TODO}', timestamp: String(NOW_SECONDS), body: '{}', signature: '${TODO}' };

describe('${spec.title}: wiring', () => {
  test('the API has POST ' + PATH + ', requiring the dialect\\'s signature headers', () => {
    const resources = synthStage('dev').template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
    const methods = Object.values(resources).filter((r) => r.Type === 'AWS::ApiGateway::Method' && r.Properties.HttpMethod === 'POST');
    const required = methods.map((m) => Object.keys((m.Properties.RequestParameters as Record<string, boolean> | undefined) ?? {}));
    expect(required).toContainEqual(expect.arrayContaining(signatureHeaders(ENTRY).map((h) => \`method.request.header.\${h}\`)));
    expect(Object.values(resources).filter((r) => r.Type === 'AWS::ApiGateway::Resource').map((r) => r.Properties.PathPart)).toContain(ENTRY.route);
  });

  test('the ${spec.system} handler serves the route, and the sandbox gives it a signing secret', () => {
    expect(dialects().map((d) => d.name)).toContain(ENTRY.route);
    const secrets = generateSecrets(synthStage('sandbox').built.config);
    expect(secrets.systems.${spec.system}[ENTRY.secretField]).toMatch(/.{16,}/);
  });
});

describe('${spec.title}: wire format', () => {
  test('the vendor\\'s published signature example verifies', () => {
    const request = fromApiGatewayEvent(apiEvent(PATH, PUBLISHED_VECTOR.body, { [ENTRY.signature.signatureHeader]: PUBLISHED_VECTOR.signature, [ENTRY.signature.timestampHeader]: PUBLISHED_VECTOR.timestamp }), 262_144);
    expect(() => verify${P}(request, PUBLISHED_VECTOR.secret, new Date(Number(PUBLISHED_VECTOR.timestamp) * 1000), 300)).not.toThrow();
  });

  test('the documented example, signed the vendor\\'s way, is accepted and mapped to canonical events', async () => {
    const h = harness('${spec.system}', dialects(), ${S}_CANONICAL_VALIDATORS);
    const body = JSON.stringify(example);
    const result = await h.handler(apiEvent(PATH, body, { 'Content-Type': 'application/json', ...sign${P}(testSecret(ENTRY.route), String(NOW_SECONDS), body) }));
    expect(result.statusCode, result.body).toBe(202);
    expect(json(result).status, result.body).toBe('accepted');
    expect(h.publisher.published.length).toBeGreaterThan(0);
    expectCanonical(h.publisher.published);
  });

  test('a body changed after signing is refused with 401 and publishes nothing', async () => {
    const h = harness('${spec.system}', dialects(), ${S}_CANONICAL_VALIDATORS);
    const body = JSON.stringify(example);
    const headers = sign${P}(testSecret(ENTRY.route), String(NOW_SECONDS), body);
    const result = await h.handler(apiEvent(PATH, body.replace(/}$/, ', "tampered": true}'), { 'Content-Type': 'application/json', ...headers }));
    expect(result.statusCode).toBe(401);
    expect(h.publisher.published).toEqual([]);
  });
});
`;
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
