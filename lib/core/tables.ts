import { Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { inFlightKeys, LIST_INDEX, unbilledKeys } from '../../registry/correlation-keys';
import { tableDefaults } from './defaults';

/**
 * The two tables of the stack.
 *
 * ## Idempotency table (Powertools layout)
 * | key | value |
 * |---|---|
 * | `id` (PK) | `<function>#<hash of the idempotency key>` |
 * | `expiration` | TTL (epoch seconds), set by Powertools |
 * Access: get/put/update by `id` only (Powertools).
 *
 * ## Correlation table (single table)
 * Written by the correlation indexer (lambdas/indexer), the outbound adapters (circuit state, ERP status
 * guard) and `lsync` (redrive audit); read by the trace query (lambdas/trace/trace-query.ts, also used by
 * `lsync trace`). Key builders: registry/correlation-keys.ts.
 * | item | `pk` | `sk` | attributes |
 * |---|---|---|---|
 * | link (none for the id the correlation is named after: `CORR#<that id>` is read directly; versions before 2026-12-06 wrote it) | `LINK#<kind>#<externalId>` (kind: order, shipment, route, stop, case, invoice, customer, hold) | `CORR#<correlationId>` | `itemType`=link, `correlationId`, `kind`, `externalId`, `firstEventId`, `firstSeenAt` |
 * | correlation member (until it expires: written by versions before 2026-12-05, read still) | `CORR#<correlationId>` | `LINK#<kind>#<externalId>` | same as link, `itemType`=member |
 * | timeline entry | `CORR#<correlationId>` | `TL#<occurredAt, UTC ISO ms>#<eventId>` | `eventId`, `eventType`, `system`, `vendor`, `vendorEventId`, `occurredAt`, `receivedAt`, `indexedAt`, `causationId`, `refs`, `facts` (a few small fields of `data`), `late`, `milestone` |
 * | shipment state | `SHIPMENT#<shipmentId>` | `STATE` | `rank`, `milestone`, `version`, `lastEventId`, `milestoneAt`, `milestoneReceivedAt` (when that milestone's event was received), `updatedAt`, `correlationId`, `lateEvents` |
 * | asset assignment | `ASSET#<vehicle\|trailer>#<assetId>` | `AT#<assignedAt, UTC ISO ms>#<shipmentId>` | `shipmentId`, `orderId`, `routeId`, `correlationId`, `assignedAt`, `minCelsius`, `maxCelsius`: written once at dispatch; it ends with the shipment's delivery, read from its state item by the alert lookup (lambdas/fleet/inbound/asset-assignments.ts). Items written before 2026-12-05 may carry `releasedAt` (still read), and their shipments a pointer `SHIPMENT#<id>` / `ASSET#<kind>#<id>` (no longer read; expires) |
 * | target status guard | `SHIPMENT#<shipmentId>` | `SYNC#<target>` | `rank`, `status`, `lastEventId`, `syncedAt` (highest milestone told to the target); `leaseOwner`, `leaseUntil` while a call is in flight; `confirmations` (each status the target confirmed: status, time, the asking event), `correlationId`, `orderId`, `vendor`: the trace's `shipment.status-synced` hops |
 * | left invoice note | `SHIPMENT#<shipmentId>` | `NOTE#invoice#<invoiceId>` | `note` (invoice, order, amount, the `invoice.posted` event), `leftAt`; `claimedBy`, `claimUntil` while one action adds it; `addedAt` once added (kept until it expires: a repeat finds it added; notes added by versions before 2026-12-06 were deleted instead) (lambdas/cs/outbound/pending-notes.ts) |
 * | circuit breaker | `CIRCUIT#<target>` | `STATE` | `consecutiveFailures`, `openUntil` (epoch ms), `openCount`, `updatedAt` |
 * | degraded mode | `DEGRADED#<target>` | `STATE` | `since`, `waiting` (string set: shipment or order, update), `notifiedAt`; deleted when the target recovers |
 * | redrive audit | `AUDIT#<yyyy-mm-dd>` | `<timestamp>#<auditId>` | who, queue, selector, counts |
 * | shipment view (on the state item) | `SHIPMENT#<shipmentId>` | `STATE` | `viewZ` (the view — exceptions, cases, holds, delivery, billing — compressed, lambdas/visibility/view-codec.ts; items written before 2026-12-06 carry it as the map `view`, still read), `viewVersion`, `impact` (order value, currency, penalty terms: lambdas/visibility) |
 * | list entry | `SHIPMENT#<shipmentId>` | `LIST#<trouble\|disrupted>` (and `LIST#unbilled`, written by versions before 847969d: read, and removed by the view's next save) | `listPk`, `listSk` (GSI `Lists`), `customerId`, `severity`, `since`, `deliveredAt`, `viewVersion` (lambdas/visibility/lists.ts) |
 * | unbilled (on the state item) | `SHIPMENT#<shipmentId>` | `STATE` | `unbilledPk`=`UNBILLED`, `unbilledSk`=`<deliveredAt>#<shipmentId>` (GSI `Unbilled`, projecting `shipmentId`, `customerId`): while the view says delivered and not invoiced, set and removed by the view's save |
 * | in flight (on the state item) | `SHIPMENT#<shipmentId>` | `STATE` | `inFlightPk`=`IN-FLIGHT`, `inFlightSk`=shipment id (GSI `InFlight`, projecting `shipmentId`, `correlationId`, `orderId`, `routeId`, `customerId`): from the first milestone until delivery, set and removed by the guarded milestone update, for the reconciliation sweeps (lambdas/shared/reconciliation) |
 * | parked alert | `PARKED-ALERT#<vehicle\|trailer>#<assetId>` | `<happenedAt, UTC ISO ms>#<vendorEventId>` | `itemType`=parked-alert, `vendorEventId`, `happenedAt`, `message` (the alert's last check, as the alert check queue takes it), `parkedIn` (every partition the alert is parked in), `parkedAt`: one per id of the assets a temperature alert named when no check placed it; removed when a late dispatch sends it, else expires after 7 days (lambdas/shared/parked-alerts.ts) |
 * | legacy in-flight entry (written by versions before 2026-12-06, read and dropped by the sweeps) | `SHIPMENT#<shipmentId>` | `INFLIGHT` | `listPk`=`LIST#in-flight`, `listSk`=shipment id (GSI `Lists`), `correlationId`, `orderId`, `routeId`, `customerId` |
 * Every item except the circuit state carries `expiresAt` (TTL, epoch seconds).
 *
 * Access patterns:
 * 1. any external id → its correlation ids: `Query(pk=LINK#kind#id)` (an id normally has one correlation; a
 *    CS case indexed under the shipment's id before the order was known gives it two), and `Query(pk=CORR#id)`: the
 *    id a correlation is named after (its order's, by default) has no link of its own (index-plan.ts planIndex). An
 *    id of unknown kind: the same queries for every kind, in parallel.
 * 2. everything known about a correlation (its timeline, ordered by time; the ids it holds are the refs of its
 *    entries): `Query(pk=CORR#id)`; timeline only: `Query(pk=CORR#id, begins_with(sk, "TL#"))`. Whether the
 *    links of an event's ids exist: `BatchGetItem(LINK#kind#id / CORR#id)`.
 * 3. current shipment state, with the monotonic guard: `UpdateItem(pk=SHIPMENT#id, sk=STATE)` conditioned on
 *    `attribute_not_exists(rank) OR rank < :rank` (a refused milestone received after the one that superseded it is
 *    late: then only `ADD lateEvents 1`; one received before it but indexed after is out of order, nothing written);
 *    the same guard on `SYNC#<target>` for what a target has been told, taken with a lease for the call.
 * 4. the circuit of a target: `GetItem(pk=CIRCUIT#target, sk=STATE)` once per batch; failures counted with
 *    `ADD`, opening is conditional on it not being open already.
 * 5. an event indexed once: `PutItem` of the timeline entry conditioned on `attribute_not_exists(pk)`.
 * 6. redrive audit for a day: `Query(pk=AUDIT#date)`.
 * 7. a target's outage: `UpdateItem(pk=DEGRADED#target)` per waiting message (`ADD waiting`), the notice claimed
 *    with a condition on `notifiedAt`, `DeleteItem` (returning the old item) when the target answers again.
 * 8. a shipment's view: `GetItem(SHIPMENT#id / STATE)` (consistent), then `UpdateItem` conditioned on
 *    `viewVersion`, only for the event types that can change it and only when it changed; its list entries
 *    `Put`/`Delete` conditioned on `viewVersion` only when a membership, sort key or filtered attribute changed.
 * 9. a list, paged: `Query(IndexName=Lists, listPk=LIST#trouble [, listSk < severity bound])` (also
 *    `LIST#disrupted#<yyyy-mm>`), or `Query(IndexName=Unbilled, unbilledPk=UNBILLED)` then the older entries
 *    (`Query(IndexName=Lists, listPk=LIST#unbilled)`), then `BatchGetItem(STATE)` of the page's shipments.
 *    The GSIs are sparse: only list entries carry `listPk`, only unbilled state items `unbilledPk`, so they hold the
 *    shipments in a list, never the table.
 * 10. the shipments in flight, paged (a reconciliation sweep): `Query(IndexName=InFlight, inFlightPk=IN-FLIGHT)` with
 *    `Limit` and `ExclusiveStartKey` (the cursor the sweep carries in its SQS message), then the legacy entries
 *    (`Query(IndexName=Lists, listPk=LIST#in-flight)`, dropped as they are met), then `BatchGetItem(STATE)` of the
 *    page's shipments; `GetItem` of a timeline entry per milestone the vendor shows (was it indexed?).
 * 11. the shipments an asset carried during an alert's incident: `Query(pk=ASSET#kind#id, sk <= AT#<until>~)` newest
 *    first (at most 25), then `BatchGetItem(STATE)` of the candidates (`rank`, `milestoneAt`) to leave out those
 *    delivered before the incident began.
 * 12. the alerts parked on an asset since an assignment began, when the indexer learns the assignment later than the
 *    alert checks' span: `Query(pk=PARKED-ALERT#kind#id, sk >= <assignedAt>)`, then `DeleteItem` of each sent alert in
 *    every partition it is parked in. A dispatch learned in time reads nothing.
 * Partition keys are external ids, correlation ids and targets: high cardinality, except the three
 * `CIRCUIT#<target>` items (one read per batch and a write per failure, far below a partition's 1,000 WCU
 * and 3,000 RCU), the `Lists` GSI's few list partitions (a write per shipment entering or leaving a list) and the
 * `InFlight` and `Unbilled` GSIs' one partition each (a write per shipment entering or leaving it):
 * around 0.4 writes/s per million shipments a month, far below a partition's limit; shard the partition key
 * if a list ever needs more). A customer's link partition grows by one item per order, bounded by the TTL. A single
 * correlation (one order) holds tens of items, far below the 10 GB item-collection limit.
 */
export class Tables extends Construct {
  public readonly idempotencyTable: dynamodb.Table;
  public readonly correlationTable: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.idempotencyTable = new dynamodb.Table(this, 'IdempotencyTable', {
      ...tableDefaults(),
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'expiration',
    });
    this.correlationTable = new dynamodb.Table(this, 'CorrelationTable', {
      ...tableDefaults(),
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'expiresAt',
    });
    // Sparse: only the visibility list entries carry its keys. One GSI for every list, because CloudFormation
    // adds at most one GSI per table update; entries are small, so ALL costs no more than a narrower projection.
    this.correlationTable.addGlobalSecondaryIndex({
      indexName: LIST_INDEX,
      partitionKey: { name: 'listPk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'listSk', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    // Sparse GSIs on the shipment's state item, each projecting only what its reader needs, so a write of the item that
    // changes none of it writes nothing to the index (ALL would rewrite the whole state item into it every time):
    // - `InFlight` (registry/correlation-keys.ts inFlightKeys): the shipments in flight, set and removed by the
    //   milestone update the indexer writes anyway; the reconciliation sweeps page it.
    // - `Unbilled` (unbilledKeys): the shipments delivered and not invoiced, set and removed by the view's save, which
    //   writes the state item anyway (before, each shipment's entry in `Lists` was put and deleted besides: two item
    //   writes and two index writes instead of two index writes); the visibility page's list.
    // CloudFormation adds one GSI per table update: a deployment made before `InFlight` existed is upgraded in two
    // deploys (docs/architecture.md, "Upgrading").
    for (const index of [inFlightKeys, unbilledKeys]) {
      this.correlationTable.addGlobalSecondaryIndex({
        indexName: index.index,
        partitionKey: { name: index.pkAttribute, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.skAttribute, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.INCLUDE,
        nonKeyAttributes: [...index.projected],
      });
    }
    // With an index, every grant on the table (grantReadData, grantReadWriteData, grant) also names
    // `<table ARN>/index/*`: the wildcard covers this table's own indexes and nothing else. Acknowledged once, at the
    // stack, for exactly that resource, as the roles holding such grants are spread over the stack.
    const stack = Stack.of(this);
    Validations.of(stack).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(this.correlationTable.node.defaultChild as dynamodb.CfnTable)}.Arn>/index/*]`,
      reason: 'DynamoDB grants on the correlation table include its own global secondary indexes (<table ARN>/index/*); they match no other table.',
    });
  }
}
