import { UpdateCommand, GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { keys } from '../../../registry/correlation-keys';
import { BusyError } from '../../shared/errors';

/**
 * Port: the highest shipment milestone already written to a target, so a late fleet event (a departure
 * reported after the delivery) never moves the ERP's status backwards. Kept per target, separate from the
 * indexer's shipment state: the indexer may run behind or ahead of the adapter, the guard must reflect
 * what the target has actually been told.
 *
 * The decision and the call are one step per shipment: {@link StatusSyncGuard.claim} checks the rank and takes a
 * short lease on the shipment in one conditional write; the caller then calls the ERP and records the rank (which
 * releases the lease), or releases it when the call failed. Two execution environments syncing the same
 * shipment (an arrival retried after a 429 while the delivery goes through) are serialized: the second waits
 * (busy, retried shortly) and then finds the higher rank, so the ERP never receives a lower status after a
 * higher one. A lease left by a crashed environment expires after {@link STATUS_LEASE_SECONDS}; the same
 * message (same owner) may take its own lease back at once.
 *
 * A claim also records the highest rank *attempted* and by whom, kept when the call fails: a call that timed out
 * or lost its answer may have reached the ERP all the same (the chaos run saw "delivered" applied after the
 * client gave up, then "arrived" sent after it: the ERP ended at "arrived"). So after an attempt at rank R, a
 * lower rank is skipped as late. R itself may be attempted again: by its own message at once, by another message
 * asking for R (the POD and the delivery event both ask for "delivered") once the lease is free (while it is held,
 * that message skips R as in progress: it is the holder's to finish) — the caller keeps
 * the lease after a failure whose outcome is unknown (erp-outbound.ts), so within it only the attempt's own message
 * retries, with its own Idempotency-Key, which the ERP replays.
 */
export interface StatusSyncGuard {
  /** Highest rank synced for the shipment; 0 when none. */
  syncedRank(shipmentId: string): Promise<number>;
  /**
   * Claims the shipment to sync `rank`: `claimed` (with the rank synced before) when the rank is higher than
   * anything synced and nobody else holds the shipment; `skip` when an equal or higher rank is synced already, a
   * higher one was attempted, or another owner holds the shipment for the same rank. Throws
   * {@link StatusSyncBusyError} while another owner holds the shipment for another rank.
   */
  claim(shipmentId: string, request: { rank: number; owner: string; now: Date }): Promise<SyncClaim>;
  /**
   * Records a synced rank (never lowers it) and releases the owner's lease. With `confirmation`, the item also keeps
   * the confirmation (status, time, the event that asked for it): the trace reads the ERP's status confirmations
   * here ({@link confirmationsOf}), not from the ledger.
   */
  recordSynced(shipmentId: string, sync: { rank: number; status: string; eventId: string; at: Date; owner?: string; confirmation?: SyncConfirmationContext }): Promise<void>;
  /**
   * Releases the owner's lease without recording (the call failed). With `unlessUncertain`, a lease that an earlier
   * call of the same owner left uncertain ({@link markUncertain}) is kept: a later refusal (429) changed nothing, but
   * the earlier call may have reached the ERP, so the status stays the owner's to retry with its own Idempotency-Key;
   * the uncertain lease then runs {@link UNCERTAIN_LEASE_SECONDS} from `now` again (the owner's claim shortened it).
   */
  release(shipmentId: string, owner: string, options?: { unlessUncertain?: boolean; now?: Date }): Promise<void>;
  /**
   * Marks the owner's lease as uncertain after a call whose outcome is unknown (a timeout, a lost answer, a 5xx) and
   * extends it to `seconds` ({@link UNCERTAIN_LEASE_SECONDS}): meanwhile another message asking for the same status
   * skips it as in progress, and only the owner retries it, with the Idempotency-Key the ERP replays. An owner that
   * will not retry (its message goes to the DLQ) asks for {@link UNCERTAIN_SETTLE_SECONDS}.
   */
  markUncertain(shipmentId: string, owner: string, now: Date, seconds?: number): Promise<void>;
  /**
   * Claims the shipment for a status without a rank (the workflows' `exception`) while nothing at or above
   * `ceiling` was synced or attempted: `claimed`, or `skip` with the rank that forbids it (an exception after
   * "delivered" would move the ERP backwards). Throws {@link StatusSyncBusyError} while another owner holds the
   * shipment. Release the lease after the call.
   */
  claimBelow(shipmentId: string, request: { ceiling: number; owner: string; now: Date }): Promise<SyncClaim>;
}

/** What a status confirmation needs beyond the status: the shipment's correlation, order and the ERP vendor. */
export interface SyncConfirmationContext {
  readonly correlationId: string;
  readonly orderId?: string;
  readonly vendor: string;
}

/** One status the ERP confirmed, as the guard item keeps it (`confirmations`, a list; compact: the item stays < 1 KB). */
export interface SyncConfirmation {
  /** The ERP status. */
  readonly s: string;
  /** When the ERP answered (epoch ms). */
  readonly at: number;
  /** The event that asked for the status (the confirmation's causation). */
  readonly c: string;
}

/** The confirmations a guard item holds, with what they share (pure; the trace reads them, lambdas/trace/trace-query.ts). */
export function confirmationsOf(item: Readonly<Record<string, unknown>> | undefined): { context: SyncConfirmationContext; confirmations: SyncConfirmation[] } | undefined {
  const list = item?.confirmations;
  if (!Array.isArray(list) || typeof item?.correlationId !== 'string' || typeof item.vendor !== 'string') return undefined;
  const confirmations = list.filter((c): c is SyncConfirmation => typeof c?.s === 'string' && typeof c.at === 'number' && typeof c.c === 'string');
  return { context: { correlationId: item.correlationId, vendor: item.vendor, ...(typeof item.orderId === 'string' ? { orderId: item.orderId } : {}) }, confirmations };
}

/**
 * `skip` with `inProgress`: another owner holds the shipment for this very rank (the delivery and the POD both ask
 * for "delivered"): that call is theirs to finish (or, after an unknown outcome, to retry), so this one moves on.
 */
export type SyncClaim = { readonly kind: 'claimed'; readonly previousRank: number } | { readonly kind: 'skip'; readonly syncedRank: number; readonly inProgress?: boolean };

/**
 * Whether a claim for `rank` must be skipped given what was synced and attempted (pure; both guards). Returns the
 * rank that makes it late or a repeat, or undefined when the claim may proceed (leases apart).
 */
export function skipBecause(state: { rank: number; attemptedRank: number }, request: { rank: number }): number | undefined {
  if (state.rank >= request.rank) return state.rank;
  if (state.attemptedRank > request.rank) return state.attemptedRank;
  return undefined;
}

/** Longest time one status call may hold a shipment (the outbound function's timeout is at most 30 s). */
export const STATUS_LEASE_SECONDS = 60;

/**
 * How long a lease lasts after a call with an unknown outcome: long enough for the owner's message to come back
 * after its backoff or a 429's hold (the chaos run: a delivery timed out, then its retry got 429 and released the
 * shipment, and the POD's "delivered" went to the ERP with another key: "delivered" twice), bounded so a message
 * that ends in the DLQ does not hold the shipment for long.
 */
export const UNCERTAIN_LEASE_SECONDS = 300;

/**
 * How long an uncertain lease lasts when its owner's message was dead-lettered by that failure: the owner will not
 * retry before a redrive, so the lease need only outlast a request the ERP may still be processing (the ERP client
 * gives up after at most 7.5 s). Before, later statuses of the shipment waited the full 5 minutes ("another
 * invocation is syncing its erp status", every 5 s); on the redrive the owner's status is late or repeated and skipped.
 */
export const UNCERTAIN_SETTLE_SECONDS = 30;

/** How soon a message that found its shipment busy is tried again. */
const BUSY_RETRY_SECONDS = 5;

/** Another execution environment is syncing the same shipment's status: try again shortly (no failure counted). */
export class StatusSyncBusyError extends BusyError {
  override readonly errorClass = 'StatusSyncBusy';
  override name = 'StatusSyncBusyError';
  constructor(message: string, options: { context?: Record<string, unknown> } = {}) {
    super(message, BUSY_RETRY_SECONDS, options);
  }
}

/** The key of a shipment's guard item for `target` in the correlation table. */
export function statusGuardKey(shipmentId: string, target: string): { pk: string; sk: string } {
  return { pk: keys.shipmentPk(shipmentId), sk: `SYNC#${target}` };
}

/**
 * Guard items in the correlation table: `pk = SHIPMENT#<shipmentId>`, `sk = SYNC#<target>` (lib/core/tables.ts),
 * with `rank`, `status`, `lastEventId`, `syncedAt` and, while a call is in flight, `leaseOwner` and `leaseUntil`
 * (epoch ms), and the statuses the ERP confirmed (`confirmations`, with `correlationId`, `orderId`, `vendor`). Every write
 * of the rank is conditional, so concurrent writers can only raise it.
 */
export class DynamoDbStatusSyncGuard implements StatusSyncGuard {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly target: string,
    private readonly ttlSeconds: number,
  ) {}

  private key(shipmentId: string) {
    return statusGuardKey(shipmentId, this.target);
  }

  async syncedRank(shipmentId: string): Promise<number> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: this.key(shipmentId), ConsistentRead: true }));
    return typeof Item?.rank === 'number' ? Item.rank : 0;
  }

  /** What the item says to a claim, without writing: skip, busy, or undefined (try the conditional claim). */
  private decide(Item: Record<string, unknown> | undefined, shipmentId: string, request: { rank: number; owner: string }, now: number): SyncClaim | undefined {
    const syncedRank = typeof Item?.rank === 'number' ? Item.rank : 0;
    const skip = skipBecause({ rank: syncedRank, attemptedRank: typeof Item?.attemptedRank === 'number' ? Item.attemptedRank : 0 }, request);
    if (skip !== undefined) return { kind: 'skip', syncedRank: skip };
    const leased = typeof Item?.leaseUntil === 'number' && Item.leaseUntil >= now && Item.leaseOwner !== request.owner;
    if (!leased) return undefined;
    if (Item?.leaseRank === request.rank) return { kind: 'skip', syncedRank, inProgress: true };
    throw new StatusSyncBusyError(`shipment ${shipmentId}: another invocation is syncing its ${this.target} status`, { context: { shipmentId } });
  }

  async claim(shipmentId: string, request: { rank: number; owner: string; now: Date }): Promise<SyncClaim> {
    const now = request.now.getTime();
    // A read first (a fifth of a write's price): a status already synced (the POD's "delivered" after the delivery's,
    // a late milestone, a redelivery) or held by another call is decided without a failed conditional write.
    const read = await this.client.send(new GetCommand({ TableName: this.tableName, Key: this.key(shipmentId), ConsistentRead: true }));
    const early = this.decide(read.Item, shipmentId, request, now);
    if (early) return early;
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(shipmentId),
          UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until, leaseRank = :rank, attemptedRank = :rank, attemptedBy = :owner, expiresAt = if_not_exists(expiresAt, :exp)',
          ConditionExpression:
            '(attribute_not_exists(#rank) OR #rank < :rank) AND (attribute_not_exists(attemptedRank) OR attemptedRank <= :rank) AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now OR leaseOwner = :owner)',
          ExpressionAttributeNames: { '#rank': 'rank' },
          ExpressionAttributeValues: {
            ':owner': request.owner,
            ':until': now + STATUS_LEASE_SECONDS * 1000,
            ':now': now,
            ':rank': request.rank,
            ':exp': Math.floor(now / 1000) + this.ttlSeconds,
          },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return { kind: 'claimed', previousRank: typeof Attributes?.rank === 'number' ? Attributes.rank : 0 };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    // Changed between the read and the write: decide on what it is now.
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: this.key(shipmentId), ConsistentRead: true }));
    const decided = this.decide(Item, shipmentId, request, now);
    if (decided) return decided;
    throw new StatusSyncBusyError(`shipment ${shipmentId}: another invocation is syncing its ${this.target} status`, { context: { shipmentId } });
  }

  async claimBelow(shipmentId: string, request: { ceiling: number; owner: string; now: Date }): Promise<SyncClaim> {
    const now = request.now.getTime();
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(shipmentId),
          UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until, leaseRank = :none, expiresAt = if_not_exists(expiresAt, :exp)',
          ConditionExpression:
            '(attribute_not_exists(#rank) OR #rank < :ceiling) AND (attribute_not_exists(attemptedRank) OR attemptedRank < :ceiling) AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now OR leaseOwner = :owner)',
          ExpressionAttributeNames: { '#rank': 'rank' },
          ExpressionAttributeValues: { ':owner': request.owner, ':until': now + STATUS_LEASE_SECONDS * 1000, ':now': now, ':ceiling': request.ceiling, ':none': 0, ':exp': Math.floor(now / 1000) + this.ttlSeconds },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return { kind: 'claimed', previousRank: typeof Attributes?.rank === 'number' ? Attributes.rank : 0 };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: this.key(shipmentId), ConsistentRead: true }));
    const reached = Math.max(typeof Item?.rank === 'number' ? Item.rank : 0, typeof Item?.attemptedRank === 'number' ? Item.attemptedRank : 0);
    if (reached >= request.ceiling) return { kind: 'skip', syncedRank: reached };
    throw new StatusSyncBusyError(`shipment ${shipmentId}: another invocation is syncing its ${this.target} status`, { context: { shipmentId } });
  }

  async recordSynced(shipmentId: string, sync: { rank: number; status: string; eventId: string; at: Date; owner?: string; confirmation?: SyncConfirmationContext }): Promise<void> {
    const confirmation = this.confirmationUpdate(sync);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(shipmentId),
          UpdateExpression: `SET #rank = :rank, #status = :status, lastEventId = :eventId, syncedAt = :at, expiresAt = :exp${confirmation?.set ?? ''} REMOVE leaseOwner, leaseUntil, leaseRank, leaseUncertain`,
          ConditionExpression: 'attribute_not_exists(#rank) OR #rank < :rank',
          ExpressionAttributeNames: { '#rank': 'rank', '#status': 'status' },
          ExpressionAttributeValues: {
            ':rank': sync.rank,
            ':status': sync.status,
            ':eventId': sync.eventId,
            ':at': sync.at.toISOString(),
            ':exp': Math.floor(sync.at.getTime() / 1000) + this.ttlSeconds,
            ...confirmation?.values,
          },
        }),
      );
    } catch (error) {
      // A higher rank was recorded meanwhile: that one stands (the ERP confirmed ours all the same: kept for the
      // trace); our lease, if still ours, is released.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      if (confirmation) {
        await this.client.send(
          new UpdateCommand({ TableName: this.tableName, Key: this.key(shipmentId), UpdateExpression: `SET${confirmation.set.slice(1)}`, ExpressionAttributeValues: confirmation.values }),
        );
      }
      if (sync.owner) await this.release(shipmentId, sync.owner);
    }
  }

  /** The update clause that appends a confirmation (with a leading comma), and its values. */
  private confirmationUpdate(sync: { status: string; eventId: string; at: Date; confirmation?: SyncConfirmationContext }): { set: string; values: Record<string, unknown> } | undefined {
    if (!sync.confirmation) return undefined;
    const entry: SyncConfirmation = { s: sync.status, at: sync.at.getTime(), c: sync.eventId };
    const { correlationId, orderId, vendor } = sync.confirmation;
    return {
      set: `, confirmations = list_append(if_not_exists(confirmations, :none), :confirmed), correlationId = :corr, vendor = :vendor${orderId ? ', orderId = :order' : ''}`,
      values: { ':none': [], ':confirmed': [entry], ':corr': correlationId, ':vendor': vendor, ...(orderId ? { ':order': orderId } : {}) },
    };
  }

  async release(shipmentId: string, owner: string, options: { unlessUncertain?: boolean; now?: Date } = {}): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(shipmentId),
          UpdateExpression: 'REMOVE leaseOwner, leaseUntil, leaseRank, leaseUncertain',
          ConditionExpression: options.unlessUncertain ? 'leaseOwner = :owner AND attribute_not_exists(leaseUncertain)' : 'leaseOwner = :owner',
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Kept because uncertain (or not ours): an uncertain lease of ours runs its full length again.
      if (options.unlessUncertain) await this.extendUncertain(shipmentId, owner, options.now ?? new Date());
    }
  }

  async markUncertain(shipmentId: string, owner: string, now: Date, seconds = UNCERTAIN_LEASE_SECONDS): Promise<void> {
    await this.extendUncertain(shipmentId, owner, now, true, seconds);
  }

  private async extendUncertain(shipmentId: string, owner: string, now: Date, mark = false, seconds = UNCERTAIN_LEASE_SECONDS): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(shipmentId),
          UpdateExpression: 'SET leaseUncertain = :true, leaseUntil = :until',
          ConditionExpression: mark ? 'leaseOwner = :owner' : 'leaseOwner = :owner AND leaseUncertain = :true',
          ExpressionAttributeValues: { ':owner': owner, ':true': true, ':until': now.getTime() + seconds * 1000 },
        }),
      );
    } catch (error) {
      // Not the owner's any more (expired and taken): nothing to mark.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

/** In-memory guard for handler tests, with the same claim semantics. */
export class InMemoryStatusSyncGuard implements StatusSyncGuard {
  readonly ranks = new Map<string, number>();
  readonly leases = new Map<string, { owner: string; until: number; rank: number; uncertain?: boolean }>();
  readonly attempts = new Map<string, { rank: number; by: string }>();

  async syncedRank(shipmentId: string): Promise<number> {
    return this.ranks.get(shipmentId) ?? 0;
  }

  async claim(shipmentId: string, request: { rank: number; owner: string; now: Date }): Promise<SyncClaim> {
    const syncedRank = this.ranks.get(shipmentId) ?? 0;
    const attempt = this.attempts.get(shipmentId);
    const skip = skipBecause({ rank: syncedRank, attemptedRank: attempt?.rank ?? 0 }, request);
    if (skip !== undefined) return { kind: 'skip', syncedRank: skip };
    const lease = this.leases.get(shipmentId);
    if (lease && lease.owner !== request.owner && lease.until >= request.now.getTime()) {
      if (lease.rank === request.rank) return { kind: 'skip', syncedRank, inProgress: true };
      throw new StatusSyncBusyError(`shipment ${shipmentId}: another invocation is syncing its status`);
    }
    const uncertain = lease?.owner === request.owner && lease.uncertain;
    this.leases.set(shipmentId, { owner: request.owner, until: request.now.getTime() + STATUS_LEASE_SECONDS * 1000, rank: request.rank, ...(uncertain ? { uncertain } : {}) });
    this.attempts.set(shipmentId, { rank: request.rank, by: request.owner });
    return { kind: 'claimed', previousRank: syncedRank };
  }

  async claimBelow(shipmentId: string, request: { ceiling: number; owner: string; now: Date }): Promise<SyncClaim> {
    const reached = Math.max(this.ranks.get(shipmentId) ?? 0, this.attempts.get(shipmentId)?.rank ?? 0);
    if (reached >= request.ceiling) return { kind: 'skip', syncedRank: reached };
    const lease = this.leases.get(shipmentId);
    if (lease && lease.owner !== request.owner && lease.until >= request.now.getTime()) {
      throw new StatusSyncBusyError(`shipment ${shipmentId}: another invocation is syncing its status`);
    }
    this.leases.set(shipmentId, { owner: request.owner, until: request.now.getTime() + STATUS_LEASE_SECONDS * 1000, rank: 0 });
    return { kind: 'claimed', previousRank: this.ranks.get(shipmentId) ?? 0 };
  }

  /** The guard items as DynamoDB would hold them, for the confirmations (`confirmationsOf`). */
  readonly items = new Map<string, Record<string, unknown>>();

  async recordSynced(shipmentId: string, sync: { rank: number; status: string; eventId: string; at: Date; owner?: string; confirmation?: SyncConfirmationContext }): Promise<void> {
    this.ranks.set(shipmentId, Math.max(this.ranks.get(shipmentId) ?? 0, sync.rank));
    if (sync.confirmation) {
      const item = this.items.get(shipmentId) ?? {};
      const confirmations = [...((item.confirmations as SyncConfirmation[] | undefined) ?? []), { s: sync.status, at: sync.at.getTime(), c: sync.eventId }];
      this.items.set(shipmentId, { ...item, confirmations, ...sync.confirmation });
    }
    if (sync.owner) await this.release(shipmentId, sync.owner);
  }

  async release(shipmentId: string, owner: string, options: { unlessUncertain?: boolean; now?: Date } = {}): Promise<void> {
    const lease = this.leases.get(shipmentId);
    if (lease?.owner !== owner) return;
    if (!(options.unlessUncertain && lease.uncertain)) this.leases.delete(shipmentId);
    else await this.markUncertain(shipmentId, owner, options.now ?? new Date());
  }

  async markUncertain(shipmentId: string, owner: string, now: Date, seconds = UNCERTAIN_LEASE_SECONDS): Promise<void> {
    const lease = this.leases.get(shipmentId);
    if (lease?.owner === owner) this.leases.set(shipmentId, { ...lease, uncertain: true, until: now.getTime() + seconds * 1000 });
  }
}
