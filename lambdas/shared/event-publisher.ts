import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { eventSource, type CanonicalDetail } from './canonical-event';
import { UpstreamUnavailableError } from './errors';

/** Port: publishes canonical events. Handlers depend on this, tests use an in-memory double. */
export interface EventPublisher {
  /** Publishes all events or throws; returns the ids published. */
  publish(events: readonly CanonicalDetail<object>[]): Promise<string[]>;
}

const MAX_ENTRIES_PER_CALL = 10;

/** Splits a list into chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface EventBridgePublisherOptions {
  busName: string;
  client?: EventBridgeClient;
  /** Attempts for entries that PutEvents reports as failed. @default 4 */
  maxEntryAttempts?: number;
  /** @default exponential backoff with full jitter, 50 ms base */
  sleep?: (attempt: number) => Promise<void>;
}

/**
 * PutEvents in batches of at most 10; entries EventBridge reports as failed (throttling, internal errors)
 * are retried with backoff. Whole-call failures are retried by the SDK's standard retry strategy.
 */
export class EventBridgePublisher implements EventPublisher {
  private readonly client: EventBridgeClient;
  private readonly maxEntryAttempts: number;
  private readonly sleep: (attempt: number) => Promise<void>;

  constructor(private readonly options: EventBridgePublisherOptions) {
    this.client = options.client ?? new EventBridgeClient({});
    this.maxEntryAttempts = options.maxEntryAttempts ?? 4;
    this.sleep = options.sleep ?? ((attempt) => new Promise((r) => setTimeout(r, Math.random() * 50 * 2 ** attempt)));
  }

  async publish(events: readonly CanonicalDetail<object>[]): Promise<string[]> {
    for (const batch of chunk(events, MAX_ENTRIES_PER_CALL)) {
      let pending: { entry: PutEventsRequestEntry; event: CanonicalDetail<object> }[] = batch.map((event) => ({
        event,
        entry: {
          EventBusName: this.options.busName,
          Source: eventSource(event.metadata.source.system),
          DetailType: event.metadata.eventType,
          Detail: JSON.stringify(event),
          Time: new Date(event.metadata.occurredAt),
        },
      }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await this.sleep(attempt);
        if (attempt >= this.maxEntryAttempts) {
          const codes = [...new Set(pending.map((p) => p.entry.DetailType))].join(', ');
          throw new UpstreamUnavailableError(`EventBridge rejected ${pending.length} entries after ${attempt} attempts (${codes})`);
        }
        const result = await this.client.send(new PutEventsCommand({ Entries: pending.map((p) => p.entry) }));
        const entries = result.Entries ?? [];
        pending = pending.filter((_, i) => entries[i]?.ErrorCode !== undefined || entries[i] === undefined);
        if ((result.FailedEntryCount ?? 0) === 0) pending = [];
      }
    }
    return events.map((e) => e.metadata.eventId);
  }
}

/** In-memory publisher for tests and local tools. */
export class InMemoryPublisher implements EventPublisher {
  readonly published: CanonicalDetail<object>[] = [];
  async publish(events: readonly CanonicalDetail<object>[]): Promise<string[]> {
    this.published.push(...events);
    return events.map((e) => e.metadata.eventId);
  }
}
