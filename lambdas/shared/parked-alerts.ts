import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DeleteCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys, utcIso, type AssetKind } from '../../registry/correlation-keys';
import { UpstreamUnavailableError } from './errors';

/**
 * Temperature alerts whose checks ended without a shipment on their asset, kept so that a late dispatch can still place
 * them. The checks (lambdas/fleet/alert-recheck) look for about 15 minutes; the index may learn a truck's load later
 * than that — a route creation dead-lettered and redriven after the trip began (its `shipment.dispatched` is dated
 * from the trip's start), a ledger backlog longer than the checks. So an alert unmatched after its last check is
 * **parked** on each asset id it named (`PARKED-ALERT#<kind>#<id>` / `<happenedAt>#<vendorEventId>`, with the message
 * of one more check), and the indexer, when it writes an asset assignment that began more than the checks' span before
 * it learns of it, sends the alerts parked on that asset since the assignment began for that check, then removes them
 * (lambdas/indexer/indexer.ts). An alert on a truck that really carried none of our loads stays parked until it
 * expires ({@link PARKED_ALERT_DAYS}); a dispatch indexed in time reads nothing.
 */

/** The assets an alert named, each by the ids it is known by (the ids its checks looked up). */
export interface AlertAssets {
  readonly kind: AssetKind;
  readonly ids: readonly string[];
}

/** An alert to park: its vendor id, when it happened and the message of its next check (opaque here). */
export interface AlertToPark {
  readonly vendorEventId: string;
  readonly happenedAt: string;
  readonly message: string;
}

export interface ParkedAlert extends AlertToPark {
  readonly pk: string;
  readonly sk: string;
  /** Every partition the alert is parked in (one per asset id): removed together. */
  readonly parkedIn: readonly string[];
}

/**
 * The checks of an alert span 15.5 minutes after it arrived: an assignment the index learns more than this after it
 * began may have been missed by an alert's checks. The margin covers the alert's delivery and the queue's delays.
 */
export const ALERT_CHECKS_SPAN_SECONDS = 17 * 60;

/** How long an alert stays parked: beyond that an excursion is handled by hand (docs/runbook.md). */
export const PARKED_ALERT_DAYS = 7;

export interface ParkedAlertStore {
  /** Parks the alert on every asset id (an existing item for the same alert is replaced). */
  park(assets: readonly AlertAssets[], alert: AlertToPark, now: Date): Promise<void>;
  /** The alerts parked on an asset id that happened at or after `from`. */
  since(kind: AssetKind, assetId: string, from: string): Promise<ParkedAlert[]>;
  /** Removes the alert from every partition it is parked in. */
  remove(alert: Pick<ParkedAlert, 'pk' | 'sk' | 'parkedIn'>): Promise<void>;
}

/** Sends an alert's message to the alert check queue. */
export interface AlertCheckSender {
  send(alert: Pick<AlertToPark, 'vendorEventId' | 'message'>): Promise<void>;
}

/** An asset assignment as the indexer writes it (index-plan.ts AssetAssignmentItem), the fields this needs. */
export interface AssignmentBegun {
  readonly assetKind: AssetKind;
  readonly assetId: string;
  readonly assignedAt: string;
}

/**
 * Sends the alerts parked on the assets of assignments that began more than {@link ALERT_CHECKS_SPAN_SECONDS} before
 * `now` (the index learns them late) and happened since, one message per alert however many ids it is parked under,
 * then removes them. Assignments learned in time read nothing. A failed send throws before its alert is removed: the
 * indexer's retry sends it again (the check deduplicates on the alert's ids). Returns the alerts sent.
 */
export async function releaseParkedAlerts(store: ParkedAlertStore, sender: AlertCheckSender, assignments: readonly AssignmentBegun[], now: Date): Promise<string[]> {
  const late = assignments.filter((a) => now.getTime() - Date.parse(a.assignedAt) > ALERT_CHECKS_SPAN_SECONDS * 1000);
  const found: ParkedAlert[] = [];
  for (const assignment of late) found.push(...(await store.since(assignment.assetKind, assignment.assetId, utcIso(assignment.assignedAt))));
  const sent = new Set<string>();
  for (const alert of found) {
    if (sent.has(alert.vendorEventId)) continue;
    await sender.send(alert);
    sent.add(alert.vendorEventId);
    await store.remove(alert);
  }
  return [...sent];
}

/** Over the correlation table. */
export class DynamoDbParkedAlerts implements ParkedAlertStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async park(assets: readonly AlertAssets[], alert: AlertToPark, now: Date): Promise<void> {
    // One item per id the alert's asset is known by: a handful at most.
    for (const Item of parkedItems(assets, alert, now)) await this.client.send(new PutCommand({ TableName: this.tableName, Item }));
  }

  async since(kind: AssetKind, assetId: string, from: string): Promise<ParkedAlert[]> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk >= :from',
        ExpressionAttributeValues: { ':pk': keys.parkedAlertPk(kind, assetId), ':from': utcIso(from) },
        // A handful at most: alerts on one asset that no check could place.
        Limit: 50,
      }),
    );
    return (Items ?? []) as ParkedAlert[];
  }

  async remove(alert: Pick<ParkedAlert, 'pk' | 'sk' | 'parkedIn'>): Promise<void> {
    for (const pk of partitionsOf(alert)) await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk, sk: alert.sk } }));
  }
}

/** The partitions an alert is parked in (its own at least). */
function partitionsOf(alert: Pick<ParkedAlert, 'pk' | 'parkedIn'>): string[] {
  return [...new Set([alert.pk, ...(Array.isArray(alert.parkedIn) ? alert.parkedIn : [])])];
}

/** The items of a parked alert, one per asset id (pure). */
export function parkedItems(assets: readonly AlertAssets[], alert: AlertToPark, now: Date): (ParkedAlert & { itemType: 'parked-alert'; parkedAt: string; expiresAt: number })[] {
  const happenedAt = utcIso(alert.happenedAt);
  const ids = new Map<string, { kind: AssetKind; id: string }>();
  for (const asset of assets) for (const id of asset.ids) ids.set(keys.parkedAlertPk(asset.kind, id), { kind: asset.kind, id });
  const parkedIn = [...ids.keys()];
  return parkedIn.map((pk) => ({
    pk,
    sk: keys.parkedAlertSk(happenedAt, alert.vendorEventId),
    parkedIn,
    itemType: 'parked-alert' as const,
    vendorEventId: alert.vendorEventId,
    happenedAt,
    message: alert.message,
    parkedAt: now.toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + PARKED_ALERT_DAYS * 86_400,
  }));
}

/** In memory, for tests. */
export class InMemoryParkedAlerts implements ParkedAlertStore {
  readonly items = new Map<string, ParkedAlert>();

  async park(assets: readonly AlertAssets[], alert: AlertToPark, now: Date): Promise<void> {
    for (const item of parkedItems(assets, alert, now)) this.items.set(`${item.pk}\u0000${item.sk}`, item);
  }

  async since(kind: AssetKind, assetId: string, from: string): Promise<ParkedAlert[]> {
    const pk = keys.parkedAlertPk(kind, assetId);
    return [...this.items.values()].filter((i) => i.pk === pk && i.sk >= utcIso(from)).sort((a, b) => a.sk.localeCompare(b.sk));
  }

  async remove(alert: Pick<ParkedAlert, 'pk' | 'sk' | 'parkedIn'>): Promise<void> {
    for (const pk of partitionsOf(alert)) this.items.delete(`${pk}\u0000${alert.sk}`);
  }
}

/** SQS's largest per-message delay (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html). */
const MAX_DELAY_SECONDS = 900;

/**
 * The alert check queue over SQS: one message per alert, delayed per message (at once by default), named by the alert's
 * vendor id (`lsync dlq show` shows it). The intake's first request, each next check (lambdas/fleet/alert-recheck) and
 * a parked alert released by a late dispatch all go through it. A failed send is UpstreamUnavailable (retried).
 */
export class SqsAlertCheckSender implements AlertCheckSender {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(alert: Pick<AlertToPark, 'vendorEventId' | 'message'>, delaySeconds = 0): Promise<void> {
    try {
      await this.client.send(
        new SendMessageCommand({
          QueueUrl: this.queueUrl,
          MessageBody: alert.message,
          DelaySeconds: Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.round(delaySeconds))),
          MessageAttributes: { 'lsync-vendor-event': { DataType: 'String', StringValue: alert.vendorEventId } },
        }),
      );
    } catch (error) {
      throw new UpstreamUnavailableError(`the alert check queue refused alert ${alert.vendorEventId}`, undefined, { cause: error });
    }
  }
}
