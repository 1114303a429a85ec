import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { DeleteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Degraded mode of a target (the fallback procedure for customer communication): when a target stays unreachable
 * (failures that say "down", or its circuit holding messages) for longer than `afterSeconds`, the account team gets
 * ONE notification listing the shipments and the updates that are waiting; when the target works again, one more
 * saying so. Shared by every container of the adapter through one item per target in the correlation table:
 * `pk = DEGRADED#<target>`, `sk = STATE` with `since` (first failure of the outage), `waiting` (a string set of
 * `<shipment or order> <event type>`), `notifiedAt`. The notice is sent by whichever container first finds the
 * outage old enough, guarded by a conditional write so it is sent once; the recovery notice likewise.
 */

/** Most entries a notice lists (the rest are counted). */
export const NOTICE_MAX_ENTRIES = 50;

export interface DegradationState {
  readonly since: Date;
  readonly waiting: readonly string[];
  readonly notifiedAt?: Date;
}

export interface DegradationStore {
  /** Records that `entry` waits on the target; returns the outage so far. */
  noteWaiting(entry: string, now: Date): Promise<DegradationState>;
  /** Marks the outage notified; false when another container did first. */
  markNotified(now: Date): Promise<boolean>;
  /** Ends the outage; returns it when it had been notified (so the recovery is told once), else undefined. */
  end(): Promise<DegradationState | undefined>;
}

export interface Notifier {
  notify(subject: string, message: string): Promise<void>;
}

export interface DegradationSettings {
  readonly target: string;
  /** How long the target may be unreachable before the account team is told. */
  readonly afterSeconds: number;
}

/** The account team's notice that customer updates are waiting (pure). */
export function degradedNotice(settings: DegradationSettings, state: DegradationState, now: Date): { subject: string; message: string } {
  const minutes = Math.round((now.getTime() - state.since.getTime()) / 60_000);
  const listed = [...state.waiting].sort().slice(0, NOTICE_MAX_ENTRIES);
  const more = state.waiting.length - listed.length;
  return {
    subject: `logistics-sync: ${settings.target} unreachable for ${minutes} min, customer updates waiting`,
    message: [
      `${settings.target} has been unreachable since ${state.since.toISOString()} (${minutes} min). Updates to it are held, not lost: they are`,
      'sent as soon as it answers again, and you will get one more message then.',
      'Until then, please tell the customers affected by other means if it matters.',
      '',
      `Waiting (shipment or order, update) — ${state.waiting.length}:`,
      ...listed.map((entry) => `  ${entry}`),
      ...(more > 0 ? [`  … and ${more} more (lsync dlq list; lsync health)`] : []),
      '',
      'Runbook: docs/runbook.md#degraded-mode',
    ].join('\n'),
  };
}

/** The account team's notice that the target works again (pure). */
export function recoveredNotice(settings: DegradationSettings, state: DegradationState, now: Date): { subject: string; message: string } {
  const minutes = Math.round((now.getTime() - state.since.getTime()) / 60_000);
  return {
    subject: `logistics-sync: ${settings.target} reachable again after ${minutes} min`,
    message: `${settings.target} answers again (${now.toISOString()}); the ${state.waiting.length} waiting update(s) are being sent now. Runbook: docs/runbook.md#degraded-mode`,
  };
}

/** Degraded-mode bookkeeping for one adapter: record waits, tell once, tell the recovery once. */
export class Degradation {
  constructor(
    private readonly settings: DegradationSettings,
    private readonly store: DegradationStore,
    private readonly notifier: Notifier,
  ) {}

  /** A message waits because the target is unreachable. Sends the notice when the outage became old enough. */
  async waiting(entry: string, now: Date): Promise<'noted' | 'notified'> {
    const state = await this.store.noteWaiting(entry, now);
    if (state.notifiedAt || now.getTime() - state.since.getTime() < this.settings.afterSeconds * 1000) return 'noted';
    if (!(await this.store.markNotified(now))) return 'noted';
    const notice = degradedNotice(this.settings, state, now);
    await this.notifier.notify(notice.subject, notice.message);
    return 'notified';
  }

  /** The target answered. Ends the outage, telling the recovery when its start was told. */
  async recovered(now: Date): Promise<'nothing' | 'notified'> {
    const ended = await this.store.end();
    if (!ended?.notifiedAt) return 'nothing';
    const notice = recoveredNotice(this.settings, ended, now);
    await this.notifier.notify(notice.subject, notice.message);
    return 'notified';
  }
}

interface DegradationItem {
  since?: string;
  waiting?: Set<string>;
  notifiedAt?: string;
}

function toState(item: DegradationItem): DegradationState {
  return {
    since: new Date(item.since ?? Date.now()),
    waiting: [...(item.waiting ?? [])],
    ...(item.notifiedAt ? { notifiedAt: new Date(item.notifiedAt) } : {}),
  };
}

/** The outage item in the correlation table (lib/core/tables.ts). */
export class DynamoDbDegradationStore implements DegradationStore {
  private readonly key: { pk: string; sk: string };

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    target: string,
    private readonly ttlSeconds: number,
  ) {
    this.key = { pk: `DEGRADED#${target}`, sk: 'STATE' };
  }

  async noteWaiting(entry: string, now: Date): Promise<DegradationState> {
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: this.key,
        UpdateExpression: 'SET since = if_not_exists(since, :now), expiresAt = :exp ADD waiting :entry',
        ExpressionAttributeValues: { ':now': now.toISOString(), ':entry': new Set([entry.slice(0, 200)]), ':exp': Math.floor(now.getTime() / 1000) + this.ttlSeconds },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toState(Attributes as DegradationItem);
  }

  async markNotified(now: Date): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key,
          UpdateExpression: 'SET notifiedAt = :now',
          ConditionExpression: 'attribute_exists(since) AND attribute_not_exists(notifiedAt)',
          ExpressionAttributeValues: { ':now': now.toISOString() },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async end(): Promise<DegradationState | undefined> {
    const { Attributes } = await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: this.key, ReturnValues: 'ALL_OLD' }));
    return Attributes ? toState(Attributes as DegradationItem) : undefined;
  }
}

/** In-memory store for handler tests, with the same rules. */
export class InMemoryDegradationStore implements DegradationStore {
  item: { since: Date; waiting: Set<string>; notifiedAt?: Date } | undefined;

  async noteWaiting(entry: string, now: Date): Promise<DegradationState> {
    this.item ??= { since: now, waiting: new Set() };
    this.item.waiting.add(entry);
    return { since: this.item.since, waiting: [...this.item.waiting], ...(this.item.notifiedAt ? { notifiedAt: this.item.notifiedAt } : {}) };
  }

  async markNotified(now: Date): Promise<boolean> {
    if (!this.item || this.item.notifiedAt) return false;
    this.item.notifiedAt = now;
    return true;
  }

  async end(): Promise<DegradationState | undefined> {
    const item = this.item;
    this.item = undefined;
    return item ? { since: item.since, waiting: [...item.waiting], ...(item.notifiedAt ? { notifiedAt: item.notifiedAt } : {}) } : undefined;
  }
}

/** Publishes notices to the account team's SNS topic. */
export class SnsNotifier implements Notifier {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async notify(subject: string, message: string): Promise<void> {
    await this.client.send(new PublishCommand({ TopicArn: this.topicArn, Subject: subject.slice(0, 99), Message: message }));
  }
}

/** Records notices, for tests. */
export class RecordingNotifier implements Notifier {
  readonly notices: { subject: string; message: string }[] = [];
  async notify(subject: string, message: string): Promise<void> {
    this.notices.push({ subject, message });
  }
}
