import { IdempotencyAlreadyInProgressError, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { CanonicalDetail } from '../canonical-event';
import { METRIC_NAMES } from '../../../registry/catalog';
import type { SystemName } from '../../../registry/systems';
import { UpstreamUnavailableError, ValidationError } from '../errors';
import type { EventPublisher } from '../event-publisher';
import { businessKeyIdempotencyConfig } from '../idempotency';
import { environmentMemoryUsedPercent } from '../memory';
import { secretString, type SecretJson, type SecretSource } from '../secrets';
import type { DecodedEvent, Dialect, SigningSecret } from './dialect';
import { DuplicateInFlightError, SignatureError } from './errors';
import { parseJsonBody } from './json';
import { fromApiGatewayEvent, requireMediaType, routeOf, type WebhookRequest } from './request';
import { errorResponse, jsonResponse, textResponse, type AcceptedBody, type IgnoredBody, type QueuedBody } from './responses';
import { validateOrThrow, type SchemaValidator } from './validation';

/** The slice of Powertools Metrics the pipeline uses (a recording double in tests). */
export interface MetricsPort {
  addDimensions(dimensions: Record<string, string>): unknown;
  addMetric(name: string, unit: 'Count' | 'Percent', value: number): unknown;
  publishStoredMetrics(): unknown;
}

/** The slice of Powertools Logger the pipeline uses. Log ids and refs only, never bodies. */
export interface LoggerPort {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
  appendKeys(keys: Record<string, string>): void;
  resetKeys(): void;
}

export interface WebhookPipelineSettings {
  readonly system: SystemName;
  /** Bodies above this are refused with 413 before they are decoded. */
  readonly maxBodyBytes: number;
  /** Replay window for signed timestamps, both directions. */
  readonly timestampToleranceSeconds: number;
  /** How long a processed vendor event id answers repeats with the first 202. */
  readonly idempotencyTtlSeconds: number;
  /**
   * Canonical validators by event type, then schema version (generated, see
   * lambdas/shared/canonical-validation.ts): every mapped event is checked before anything is published, and
   * an event type missing here is refused.
   * @default - mapped events are not re-validated at run time (tests still validate every mapping)
   */
  readonly canonicalValidators?: CanonicalValidators;
}

export interface WebhookPipelinePorts {
  readonly publisher: EventPublisher;
  readonly secrets: SecretSource;
  /** Powertools persistence layer (DynamoDB in Lambda, {@link InMemoryPersistenceLayer} in tests). */
  readonly persistence: BasePersistenceLayer;
  readonly metrics: MetricsPort;
  readonly logger: LoggerPort;
  /** @default () => new Date() */
  readonly clock?: () => Date;
}

/** Canonical validators by event type, then schema version (a subset of the generated ones). */
export type CanonicalValidators = Readonly<Record<string, Readonly<Record<string, SchemaValidator<unknown>>>>>;

/** What the idempotent step receives: the dedupe key (all Powertools hashes) and the work to do once. */
interface PublishJob {
  readonly key: string;
  readonly run: () => Promise<AcceptedBody | IgnoredBody | QueuedBody>;
}

export type WebhookHandler = (event: APIGatewayProxyEvent, context?: Context) => Promise<APIGatewayProxyResult>;

function signingSecret(secret: SecretJson, key: string): SigningSecret {
  const current = secretString(secret, key);
  // Our misconfiguration, not the caller's: answer 5xx so the vendor retries once the secret is fixed.
  if (current === undefined) throw new UpstreamUnavailableError(`the system secret has no "${key}" field`);
  const previous = secretString(secret, `${key}Previous`);
  return previous === undefined ? { current } : { current, previous };
}

/** Verifies against the current secret, then (during a rotation) the previous one. */
function verifyWith(dialect: Dialect, request: WebhookRequest, secret: SigningSecret, now: Date, tolerance: number): void {
  try {
    dialect.verify(request, secret.current, now, tolerance);
  } catch (error) {
    if (secret.previous === undefined || !(error instanceof SignatureError) || error.reason !== 'signature-mismatch') throw error;
    dialect.verify(request, secret.previous, now, tolerance);
  }
}

/**
 * The shared intake pipeline for one source system's webhook routes:
 * bound size → content type → verify signature → parse → validate → map → dedupe → publish → respond.
 *
 * Dedupe: a repeat of a vendor event that was accepted is answered from its Powertools record (the same body,
 * nothing published). With the deployed write policy (`RecordOnSuccessPersistenceLayer`, ../idempotency.ts) the record is written
 * once the events are published, so a copy arriving while its original is still running publishes the same
 * canonical events again, with the same ids, which every consumer deduplicates; with Powertools' own layer (a claim
 * first), or against a claim left by it, that copy is answered 503 in-progress.
 *
 * Status codes: 202 accepted (canonical event ids), queued (mapped later by a queue consumer) or ignored; 400 bad input naming the field; 401 bad
 * signature; 413 too large; 415 wrong content type; 5xx when our
 * side failed (secret, idempotency store or EventBridge) or the same event is in flight, so the vendor retries. Nothing is published
 * unless the whole request was accepted.
 */
export function createWebhookPipeline(dialects: readonly Dialect[], settings: WebhookPipelineSettings, ports: WebhookPipelinePorts): WebhookHandler {
  const byRoute = new Map(dialects.map((d) => [d.name, d]));
  const clock = ports.clock ?? (() => new Date());
  const config = businessKeyIdempotencyConfig({ keyPath: 'key', ttlSeconds: settings.idempotencyTtlSeconds });
  // Tells the handler whether this invocation published, or Powertools answered from a stored record.
  const executed = new WeakSet<PublishJob>();
  const runOnce = makeIdempotent(
    async (job: PublishJob): Promise<AcceptedBody | IgnoredBody | QueuedBody> => {
      executed.add(job);
      return job.run();
    },
    { persistenceStore: ports.persistence, config, keyPrefix: `logistics-sync.inbound.${settings.system}` },
  );

  async function verify(dialect: Dialect, request: WebhookRequest, now: Date): Promise<void> {
    const tolerance = settings.timestampToleranceSeconds;
    try {
      verifyWith(dialect, request, signingSecret(await ports.secrets.get(), dialect.secretKey), now, tolerance);
    } catch (error) {
      if (!(error instanceof SignatureError) || error.reason !== 'signature-mismatch') throw error;
      // The vendor may have rotated the secret since we cached it: read it again (rate-limited) and retry once.
      const fresh = await ports.secrets.refresh();
      if (!fresh) throw error;
      verifyWith(dialect, request, signingSecret(fresh, dialect.secretKey), now, tolerance);
    }
  }

  function checkCanonical(events: readonly CanonicalDetail<object>[]): void {
    const validators = settings.canonicalValidators;
    if (!validators) return;
    for (const event of events) {
      const { eventType, schemaVersion } = event.metadata;
      const versions = Object.hasOwn(validators, eventType) ? validators[eventType] : undefined;
      if (!versions) throw new ValidationError(`event type ${eventType} is not accepted on the ${settings.system} webhooks`, 'eventType');
      const validate = Object.hasOwn(versions, schemaVersion) ? versions[schemaVersion] : undefined;
      if (!validate) throw new ValidationError(`schema version ${schemaVersion} of ${eventType} is not accepted (known: ${Object.keys(versions).join(', ')})`, 'schemaVersion');
      validateOrThrow(validate, event, `the ${eventType} event is invalid`);
    }
  }

  function ignored(reason: string, vendorEventType: string): IgnoredBody {
    ports.metrics.addDimensions({ eventType: vendorEventType });
    ports.metrics.addMetric('WebhookIgnored', 'Count', 1);
    ports.logger.info('webhook ignored', { reason });
    return { status: 'ignored', reason };
  }

  async function publish(events: readonly CanonicalDetail<object>[]): Promise<AcceptedBody> {
    const first = events[0];
    const keys = { correlationId: first?.metadata.correlationId, ...first?.refs };
    ports.logger.appendKeys(Object.fromEntries(Object.entries(keys).filter((e): e is [string, string] => typeof e[1] === 'string')));
    const eventIds = await ports.publisher.publish(events);
    ports.metrics.addMetric('WebhookAccepted', 'Count', 1);
    ports.metrics.addMetric('CanonicalEventsPublished', 'Count', eventIds.length);
    ports.logger.info('webhook accepted', { eventIds, eventTypes: events.map((e) => e.metadata.eventType) });
    return { status: 'accepted', eventIds };
  }

  async function process(dialect: Dialect, request: WebhookRequest, context: Context | undefined, now: Date): Promise<APIGatewayProxyResult> {
    const handshake = dialect.handshake?.(request);
    if (handshake) {
      ports.metrics.addMetric('WebhookHandshake', 'Count', 1);
      ports.logger.info('webhook subscription handshake answered');
      return textResponse(200, handshake.text);
    }
    // A GET is only ever a handshake (the routes of dialects that answer one by GET): anything else is no webhook.
    if (request.method !== undefined) return textResponse(405, `${request.method} is only a subscription handshake here (with its validationToken); webhooks are POSTed`);
    requireMediaType(request, dialect.contentTypes);
    await verify(dialect, request, now);
    const decoded: DecodedEvent<unknown> = dialect.decode(request, parseJsonBody(request.body));
    ports.logger.appendKeys({ vendorEventId: decoded.vendorEventId, vendorEventType: decoded.vendorEventType });
    const mapped = dialect.map(decoded, now.toISOString());
    // Irrelevant events are answered without touching the idempotency store (telemetry can be high-volume).
    if (mapped.kind === 'ignored') return jsonResponse(202, ignored(mapped.reason, decoded.vendorEventType));
    if (mapped.kind === 'events') checkCanonical(mapped.events);

    if (context) config.registerLambdaContext(context);
    const job: PublishJob = {
      key: `${dialect.vendor}:${decoded.dedupeKey ?? decoded.vendorEventId}`,
      run: async () => {
        const result = mapped.kind === 'deferred' ? await mapped.complete() : mapped;
        if (result.kind === 'ignored') return ignored(result.reason, decoded.vendorEventType);
        if (result.kind === 'queued') {
          ports.metrics.addMetric('WebhookQueued', 'Count', 1);
          ports.logger.info('webhook queued for asynchronous mapping', { reason: result.reason });
          return { status: 'queued', reason: result.reason };
        }
        if (mapped.kind === 'deferred') checkCanonical(result.events);
        return publish(result.events);
      },
    };
    let body: AcceptedBody | IgnoredBody | QueuedBody;
    try {
      body = await runOnce(job);
    } catch (error) {
      if (error instanceof IdempotencyAlreadyInProgressError) {
        throw new DuplicateInFlightError(`vendor event ${decoded.vendorEventId} is being processed; retry shortly`, { cause: error });
      }
      throw error;
    }
    if (!executed.has(job)) {
      ports.metrics.addMetric('WebhookDeduplicated', 'Count', 1);
      ports.logger.info('webhook deduplicated: answered from the idempotency record, nothing published', { status: body.status });
    }
    return jsonResponse(202, body);
  }

  return async (event, context) => {
    const now = clock();
    const route = routeOf(event);
    const dialect = byRoute.get(route);
    ports.metrics.addDimensions({ system: settings.system, vendor: dialect?.vendor ?? 'unknown' });
    try {
      if (!dialect) {
        ports.metrics.addMetric('WebhookRejected', 'Count', 1);
        return jsonResponse(404, { error: 'not-found', message: `no webhook route "${route}" for ${settings.system}` });
      }
      return await process(dialect, fromApiGatewayEvent(event, settings.maxBodyBytes), context, now);
    } catch (error) {
      const { response, reason } = errorResponse(error);
      if (response.statusCode >= 500) {
        ports.metrics.addMetric('WebhookFailed', 'Count', 1);
        ports.logger.error('webhook failed on our side; the vendor will retry', { reason, error: error as Error });
      } else {
        ports.metrics.addDimensions({ reason });
        ports.metrics.addMetric('WebhookRejected', 'Count', 1);
        ports.logger.warn('webhook rejected', { status: response.statusCode, reason, message: (error as Error).message, field: (error as ValidationError).field });
      }
      return response;
    } finally {
      const memoryUsed = environmentMemoryUsedPercent();
      if (memoryUsed !== undefined) ports.metrics.addMetric(METRIC_NAMES.memoryUsed, 'Percent', memoryUsed);
      ports.metrics.publishStoredMetrics();
      ports.logger.resetKeys();
    }
  };
}
