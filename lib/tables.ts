import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
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
 * | item | `pk` | `sk` | attributes |
 * |---|---|---|---|
 * | link | `LINK#<kind>#<externalId>` (kind: order, shipment, route, stop, case, invoice, customer) | `LINK` | `correlationId`, `kind`, `externalId`, `system` |
 * | correlation members | `CORR#<correlationId>` | `LINK#<kind>#<externalId>` | same as link |
 * | timeline entry | `CORR#<correlationId>` | `TL#<occurredAt>#<eventId>` | `eventType`, `source`, `receivedAt`, `late`, refs |
 * | shipment state | `SHIPMENT#<shipmentId>` | `STATE` | `rank`, `milestone`, `version`, `updatedAt` |
 * | redrive audit | `AUDIT#<yyyy-mm-dd>` | `<timestamp>#<auditId>` | who, queue, selector, counts |
 * Every item may carry `expiresAt` (TTL, epoch seconds).
 *
 * Access patterns:
 * 1. any external id → correlation id: `GetItem(pk=LINK#kind#id, sk=LINK)`.
 * 2. everything known about a correlation (links + timeline, ordered by time): `Query(pk=CORR#id)`;
 *    timeline only: `Query(pk=CORR#id, begins_with(sk, "TL#"))`.
 * 3. current shipment state, with the monotonic guard: `UpdateItem(pk=SHIPMENT#id, sk=STATE)` conditioned on
 *    `attribute_not_exists(rank) OR rank < :rank`.
 * 4. redrive audit for a day: `Query(pk=AUDIT#date)`.
 * Partition keys are external ids and correlation ids: high cardinality, no hot partition. A single
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
  }
}
