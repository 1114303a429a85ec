import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { expect } from 'vitest';
import { createCanonicalAjv } from '../../schemas/tooling/ajv';
import { InMemoryPublisher } from '../../lambdas/shared/event-publisher';
import { InMemoryPersistenceLayer } from '../../lambdas/shared/idempotency';
import { StaticSecretSource, type SecretJson } from '../../lambdas/shared/secrets';
import type { Dialect } from '../../lambdas/shared/webhook/dialect';
import { createWebhookPipeline, type CanonicalValidators, type LoggerPort, type MetricsPort, type WebhookHandler } from '../../lambdas/shared/webhook/pipeline';
import { signLsync, signMotive, signSamsara, signZendesk } from '../../lambdas/shared/webhook/signatures';
import type { CanonicalDetail } from '../../lambdas/shared/canonical-event';
import { apiVendor } from '../../registry/api-vendors';
import { SYSTEMS, type SystemName } from '../../registry/systems';
import { allDialects, dialectsOf } from '../../registry/vendors';

/** Secrets as the stack's secret contract names them (values are test-only). */
export const SECRETS = {
  samsara: 'c2Ftc2FyYS10ZXN0LXNlY3JldC0zMmJ5dGVzLWxvbmchIQ==',
  motive: 'd9d36bea41c44ae49d1bfc4a48ba2abe',
  zendesk: 'dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==',
  cloudevents: 'erp-cloudevents-test-secret',
  canonical: 'canonical-test-secret',
} as const;

/** The test signing secret of a dialect route: the fixed ones above, or one made from the route (base64 where the vendor issues base64). */
export function testSecret(route: string): string {
  const fixed = (SECRETS as Readonly<Record<string, string>>)[route];
  if (fixed) return fixed;
  const text = `${route}-test-secret-for-testing-only`;
  const entry = allDialects().find((d) => d.route === route);
  return entry?.secretEncoding === 'base64' ? Buffer.from(text).toString('base64') : text;
}

/** Each system's secret JSON as the registry defines it (API fields, one signing secret per dialect), with test values. */
export const SECRET_JSON = Object.fromEntries(
  SYSTEMS.map((system) => [
    system,
    {
      ...Object.fromEntries(apiVendor(system).secretFields.filter((field) => !field.endsWith('?')).map((field) => [field, `test-${field}`])),
      ...Object.fromEntries(dialectsOf(system).map((dialect) => [dialect.secretField, testSecret(dialect.route)])),
    },
  ]),
) as Record<SystemName, SecretJson>;

/** A fixed clock for the tests: signatures are made "now". */
export const NOW = new Date('2026-03-12T10:40:01.000Z');
export const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);

/** Records what the pipeline reports: the test double of Powertools Metrics. */
export class RecordingMetrics implements MetricsPort {
  readonly published: { dimensions: Record<string, string>; metrics: Record<string, number> }[] = [];
  private dimensions: Record<string, string> = {};
  private metrics: Record<string, number> = {};
  addDimensions(dimensions: Record<string, string>): void {
    Object.assign(this.dimensions, dimensions);
  }
  addMetric(name: string, _unit: 'Count' | 'Percent', value: number): void {
    this.metrics[name] = (this.metrics[name] ?? 0) + value;
  }
  publishStoredMetrics(): void {
    this.published.push({ dimensions: this.dimensions, metrics: this.metrics });
    this.dimensions = {};
    this.metrics = {};
  }
  get last() {
    return this.published.at(-1);
  }
}

/** Records log lines (message + extra) so tests can check that bodies never reach the log. */
export class RecordingLogger implements LoggerPort {
  readonly lines: { level: string; message: string; extra: unknown[]; keys: Record<string, string> }[] = [];
  private keys: Record<string, string> = {};
  info(message: string, ...extra: Record<string, unknown>[]) {
    this.lines.push({ level: 'info', message, extra, keys: { ...this.keys } });
  }
  warn(message: string, ...extra: Record<string, unknown>[]) {
    this.lines.push({ level: 'warn', message, extra, keys: { ...this.keys } });
  }
  error(message: string, ...extra: Record<string, unknown>[]) {
    this.lines.push({ level: 'error', message, extra, keys: { ...this.keys } });
  }
  appendKeys(keys: Record<string, string>) {
    Object.assign(this.keys, keys);
  }
  resetKeys() {
    this.keys = {};
  }
}

export interface Harness {
  handler: WebhookHandler;
  publisher: InMemoryPublisher;
  persistence: InMemoryPersistenceLayer;
  secrets: StaticSecretSource;
  metrics: RecordingMetrics;
  logger: RecordingLogger;
  clock: { now: Date };
}

/** The real pipeline with in-memory ports (publisher, Powertools persistence layer double, static secrets). */
export function harness(
  system: SystemName,
  dialects: readonly Dialect[],
  canonicalValidators: CanonicalValidators,
  maxBodyBytes = 262_144,
  // The deployed intake's write policy (lambdas/shared/webhook/runtime.ts) unless a test brings another store.
  persistence = new InMemoryPersistenceLayer('record-on-success'),
): Harness {
  const publisher = new InMemoryPublisher();
  const secrets = new StaticSecretSource(SECRET_JSON[system]);
  const metrics = new RecordingMetrics();
  const logger = new RecordingLogger();
  const clock = { now: NOW };
  const pipeline = createWebhookPipeline(
    dialects,
    { system, maxBodyBytes, timestampToleranceSeconds: 300, idempotencyTtlSeconds: 3600, canonicalValidators },
    { publisher, persistence, secrets, metrics, logger, clock: () => clock.now },
  );
  // A Lambda context, as in AWS: Powertools uses the remaining time to expire in-progress records.
  const context = { getRemainingTimeInMillis: () => 25_000, functionName: 'inbound-test', awsRequestId: 'test' } as unknown as Context;
  const handler: WebhookHandler = (event) => pipeline(event, context);
  return { handler, publisher, persistence, secrets, metrics, logger, clock };
}

/** An API Gateway (REST, Lambda proxy) event for a POST to a webhook route. */
export function apiEvent(path: string, body: string | Buffer, headers: Record<string, string | string[]> = {}): APIGatewayProxyEvent {
  const multiValueHeaders: Record<string, string[]> = {};
  const single: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    multiValueHeaders[name] = Array.isArray(value) ? value : [value];
    single[name] = Array.isArray(value) ? value.at(-1)! : value;
  }
  const binary = Buffer.isBuffer(body);
  return {
    resource: path,
    path,
    httpMethod: 'POST',
    headers: single,
    multiValueHeaders,
    body: binary ? body.toString('base64') : body,
    isBase64Encoded: binary,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {} as APIGatewayProxyEvent['requestContext'],
  };
}

export const samsaraHeaders = (body: string | Buffer, at = NOW_SECONDS, secret: string = SECRETS.samsara) => ({
  'Content-Type': 'application/json',
  'X-Samsara-Timestamp': String(at),
  'X-Samsara-Signature': signSamsara(secret, at, body),
});

export const motiveHeaders = (body: string | Buffer, secret: string = SECRETS.motive) => ({
  'Content-Type': 'application/json',
  'X-KT-Webhook-Signature': signMotive(secret, body),
});

export const zendeskHeaders = (body: string | Buffer, at = NOW.toISOString().replace(/\.\d{3}Z$/, 'Z'), secret: string = SECRETS.zendesk) => ({
  'Content-Type': 'application/json',
  'X-Zendesk-Webhook-Signature-Timestamp': at,
  'X-Zendesk-Webhook-Signature': signZendesk(secret, at, body),
});

export const lsyncHeaders = (body: string | Buffer, secret: string, at = NOW_SECONDS, contentType = 'application/json') => ({
  'Content-Type': contentType,
  'X-Lsync-Timestamp': String(at),
  'X-Lsync-Signature': signLsync(secret, at, body),
});

export function json(result: APIGatewayProxyResult): Record<string, unknown> {
  expect(result.headers?.['content-type']).toBe('application/json');
  return JSON.parse(result.body) as Record<string, unknown>;
}

const ajv = createCanonicalAjv();

/** Asserts that every event validates against its canonical schema (schemas/canonical/events). */
export function expectCanonical(events: readonly CanonicalDetail<object>[]): void {
  for (const event of events) {
    const id = `https://logistics-sync.dev/schemas/canonical/events/${event.metadata.eventType}.v${event.metadata.schemaVersion}.schema.json`;
    const validate = ajv.getSchema(id);
    expect(validate, `no canonical schema for ${event.metadata.eventType}`).toBeDefined();
    const ok = validate!(event);
    expect(ok ? [] : validate!.errors, `${event.metadata.eventType} must match its canonical schema`).toEqual([]);
  }
}
