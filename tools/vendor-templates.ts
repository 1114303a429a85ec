/**
 * The files `npm run new:vendor` writes for a vendor (tools/new-vendor.ts), as templates. Each stub compiles and
 * lints as generated; what must come from the vendor's documentation is marked TODO(new:vendor).
 */
import type { SystemName } from '../registry/systems';
import { VENDOR_SCHEMA_ID_BASE } from './gen-vendor-validators';

export const TODO = 'TODO(new:vendor)';

export interface VendorSpec {
  readonly system: SystemName;
  /** Route segment and vendor id: lower case letters, digits and dashes. */
  readonly name: string;
  readonly title: string;
}

export const camel = (name: string) => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
export const pascal = (name: string) => camel(name).replace(/^./, (c) => c.toUpperCase());
export const headerCase = (name: string) => name.split('-').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('-');
export const SYSTEM_CONSTANT: Readonly<Record<SystemName, string>> = { erp: 'ERP', fleet: 'FLEET', cs: 'CS' };

export function dialectFile(spec: VendorSpec): string {
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

export function schemaFile(spec: VendorSpec): string {
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

export function exampleFile(): string {
  return `${JSON.stringify({ id: 'evt-replace-with-the-vendors-documented-example', type: 'replace.with.documented.type', occurred_at: '2026-03-12T10:40:00Z' }, undefined, 2)}\n`;
}

export function simulatorFile(spec: VendorSpec): string {
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

export function contractReadme(spec: VendorSpec): string {
  return `# ${spec.title} — contract

${TODO}: keep here what the vendor publishes about its webhooks (and its API, if the product calls it): an
OpenAPI document (\`openapi.json\`) or the reference pages' request and response examples, each with its source URL
and the date it was read. Then add \`'${spec.name}'\` to \`CONTRACT_NAMES\` and \`contract: '${spec.name}'\` to the
dialect's entry in registry/vendors.ts, so the simulator and the client tests are held to it
(contracts/README.md).
`;
}

export function testFile(spec: VendorSpec): string {
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

