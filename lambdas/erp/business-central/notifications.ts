import { createHash } from 'node:crypto';
import { VENDOR_DIALECTS } from '../../../registry/vendors';
import { dialectIdentity, type DecodedEvent, type DeferredMapResult, type Dialect, type MapResult } from '../../shared/webhook/dialect';
import { SignatureError } from '../../shared/webhook/errors';
import { businessCentralNotification } from '../../shared/webhook/generated/vendor-validators.js';
import { parseJsonBody } from '../../shared/webhook/json';
import type { WebhookRequest } from '../../shared/webhook/request';
import { constantTimeEqual } from '../../shared/webhook/signatures';
import { validateOrThrow, type SchemaValidator } from '../../shared/webhook/validation';

/**
 * Dynamics 365 Business Central webhook notifications (`POST /webhooks/erp/business-central`), API v2.0
 * subscriptions (contracts/business-central/README.md, from
 * https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/api-reference/v2.0/dynamics-subscriptions):
 *
 * - **Handshake**: creating or renewing a subscription makes BC call the notification URL with
 *   `?validationToken=…` and wait for the token back as the body of a 200 (within seconds). {@link bcHandshake}
 *   echoes it as text/plain — only a token of bounded, URL-safe characters, never anything else.
 * - **Authentication**: BC signs nothing. Every notification carries the `clientState` the subscription was
 *   created with; we create subscriptions with the secret `businessCentralClientState` as clientState and compare
 *   every notification's value with it in constant time ({@link verifyBcClientState}). The secret is thus only as
 *   strong as TLS and its length: use 32+ random characters, rotate it by PATCHing the subscriptions
 *   (docs/webhooks.md). There is no timestamp to bound replays: a replayed batch is answered from the
 *   idempotency record.
 * - **Thin notifications**: `{"value":[{subscriptionId, clientState, expirationDateTime, resource, changeType,
 *   lastModifiedDateTime}]}`, several subscriptions per POST. Sales order or sales invoice `created`/`updated` →
 *   one read-back request per document (the read-back function GETs it through API v2.0); `collection` (over
 *   1,000 changes within BC's 30-second delay) → one read-back of the filtered collection; `deleted` and other
 *   resources → nothing. `salesOrders` and `salesInvoices` are both webhook-supported entities (the list on the
 *   webhooks page); sales shipments are not: they are read with their order.
 * - **Answers**: BC retries only 408, 429 and 5xx; any other non-success code deletes the subscription. A forged
 *   or malformed request is refused (401/400) knowing that a real BC notification never is.
 */

export type BcChangeType = 'created' | 'updated' | 'deleted' | 'collection';

export interface BcNotification {
  subscriptionId: string;
  clientState?: string;
  expirationDateTime?: string;
  resource: string;
  changeType: BcChangeType;
  lastModifiedDateTime: string;
}

export interface BcNotificationBatch {
  value: BcNotification[];
}

/** The API v2.0 entity sets we subscribe to (subscriptions.ts) and read back. */
export type BcEntitySet = 'salesOrders' | 'salesInvoices' | 'salesCreditMemos';

interface BcReadBackBase {
  readonly companyId: string;
  /** The `$filter` of a `collection` notification, as BC sent it (percent-decoded). */
  readonly filter?: string;
  readonly changeType: Exclude<BcChangeType, 'deleted'>;
  readonly notification: { readonly subscriptionId: string; readonly lastModifiedDateTime: string; readonly resource: string };
  readonly receivedAt: string;
  /** For `lsync dlq`: the notification and its document. */
  readonly metadata: { readonly eventId: string; readonly eventType: string; readonly correlationId: string };
  /** The document's BC id (GUID), or `*` for a collection: the business number is known only after the read. */
  readonly refs: { readonly orderId?: string; readonly invoiceId?: string; readonly creditMemoId?: string };
}

/** A changed sales order to read back (the SQS message body). */
export interface BcSalesOrderReadBackRequest extends BcReadBackBase {
  readonly kind: 'bc-sales-order-read-back';
  /** The sales order's id (GUID); `*` for a `collection` notification, read through {@link filter}. */
  readonly salesOrder: string;
}

/** A changed sales invoice to read back (the SQS message body); `invoice.posted` follows for a posted one. */
export interface BcSalesInvoiceReadBackRequest extends BcReadBackBase {
  readonly kind: 'bc-sales-invoice-read-back';
  /** The sales invoice's id (GUID); `*` for a `collection` notification, read through {@link filter}. */
  readonly salesInvoice: string;
}

/** A changed sales credit memo to read back (the SQS message body); `invoice.posted` (credit memo) follows for a posted one. */
export interface BcSalesCreditMemoReadBackRequest extends BcReadBackBase {
  readonly kind: 'bc-sales-credit-memo-read-back';
  /** The sales credit memo's id (GUID); `*` for a `collection` notification, read through {@link filter}. */
  readonly salesCreditMemo: string;
}

/** What the webhook hands to the BC read-back queue per changed document. */
export type BcReadBackRequest = BcSalesOrderReadBackRequest | BcSalesInvoiceReadBackRequest | BcSalesCreditMemoReadBackRequest;

/** Per request kind: the field naming its document, its SQS message attribute, and what logs call it. */
export const BC_READ_BACK_KINDS = {
  'bc-sales-order-read-back': { field: 'salesOrder', attribute: 'lsync-sales-order', noun: 'sales order' },
  'bc-sales-invoice-read-back': { field: 'salesInvoice', attribute: 'lsync-sales-invoice', noun: 'sales invoice' },
  'bc-sales-credit-memo-read-back': { field: 'salesCreditMemo', attribute: 'lsync-sales-credit-memo', noun: 'sales credit memo' },
} as const satisfies Record<BcReadBackRequest['kind'], { field: string; attribute: string; noun: string }>;

/** The document a read-back request names (GUID or `*`). Pure. */
export function bcDocumentOf(request: BcReadBackRequest): string {
  switch (request.kind) {
    case 'bc-sales-invoice-read-back':
      return request.salesInvoice;
    case 'bc-sales-credit-memo-read-back':
      return request.salesCreditMemo;
    default:
      return request.salesOrder;
  }
}

/** Port: queues BC read-backs (SQS in Lambda, in memory in tests). */
export interface BcReadBackQueue {
  enqueue(request: BcReadBackRequest): Promise<void>;
}

export const BC_DIALECT = VENDOR_DIALECTS['business-central'];
const validateBatch = businessCentralNotification as SchemaValidator<BcNotificationBatch>;

/** Validation tokens BC sends are opaque; we echo only printable, URL-safe ones of bounded length. */
const VALIDATION_TOKEN = /^[A-Za-z0-9._~+/=:-]{1,512}$/;

/** The handshake answer for `?validationToken=…`, or undefined when the request is not a handshake. Pure. */
export function bcHandshake(request: WebhookRequest): { text: string } | undefined {
  const token = request.query?.get('validationToken');
  if (token === undefined) return undefined;
  if (!VALIDATION_TOKEN.test(token)) return undefined; // falls through to the normal checks, which refuse it
  return { text: token };
}

/**
 * Every notification in the body must carry the subscription's clientState, equal (constant-time) to `secret`.
 * The credential is in the body, so the body is parsed first with the intake's own JSON rules (400 for what no
 * JSON parser should accept, as on every route); a body without a `value` array of notifications is left to
 * the schema (400). Throws SignatureError (401): `missing-header` when a notification has no clientState (BC has
 * no header; the reason name is the pipeline's), `signature-mismatch` when one differs (a rotation retries with
 * the previous secret).
 */
export function verifyBcClientState(request: WebhookRequest, secret: string): void {
  const items = (parseJsonBody(request.body) as { value?: unknown } | null)?.value;
  if (!Array.isArray(items)) return;
  const expected = Buffer.from(secret, 'utf8');
  for (const item of items) {
    if (!item || typeof item !== 'object' || Array.isArray(item)) continue;
    const state = (item as { clientState?: unknown }).clientState;
    if (typeof state !== 'string' || state === '') throw new SignatureError('missing-header', 'a notification carries no clientState');
    if (!constantTimeEqual(Buffer.from(state, 'utf8'), expected)) throw new SignatureError('signature-mismatch', 'clientState does not match');
  }
}

export function decodeBcNotifications(request: WebhookRequest, json: unknown): DecodedEvent<BcNotificationBatch> {
  const event = validateOrThrow(validateBatch, json, 'invalid Business Central notification');
  // No id in the payload: the batch's hash is its id (a BC retry sends the same bytes).
  const id = `bc-${createHash('sha256').update(request.body).digest('hex').slice(0, 32)}`;
  const types = [...new Set(event.value.map((n) => n.changeType))].sort().join('+');
  return { event, vendorEventId: id, vendorEventType: `notification:${types}` };
}

const GUID = '[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}';
const SETS = '(salesOrders|salesInvoices|salesCreditMemos)';
const ENTITY = new RegExp(`^/?api/v2\\.0/companies\\((${GUID})\\)/${SETS}\\((${GUID})\\)$`);
const COLLECTION = new RegExp(`^/?api/v2\\.0/companies\\((${GUID})\\)/${SETS}\\?\\$filter=(.{1,500})$`);

/**
 * The document a notification names: `{companyId, entitySet, id}` (created/updated) or `{companyId, entitySet,
 * filter}` (collection), for the entity sets we subscribe to; undefined for any other resource. Pure.
 */
export function bcDocumentOfNotification(n: BcNotification): { companyId: string; entitySet: BcEntitySet; id?: string; filter?: string } | undefined {
  const entity = ENTITY.exec(n.resource);
  if (entity) return { companyId: entity[1].toLowerCase(), entitySet: entity[2] as BcEntitySet, id: entity[3].toLowerCase() };
  const collection = COLLECTION.exec(n.resource);
  if (collection) {
    let filter: string;
    try {
      filter = decodeURIComponent(collection[3]);
    } catch {
      return undefined;
    }
    return { companyId: collection[1].toLowerCase(), entitySet: collection[2] as BcEntitySet, filter };
  }
  return undefined;
}

/** The sales order a notification names: `{companyId, salesOrder}` or `{companyId, filter}`; undefined for any other resource. Pure. */
export function salesOrderOf(n: BcNotification): { companyId: string; salesOrder?: string; filter?: string } | undefined {
  const target = bcDocumentOfNotification(n);
  if (target?.entitySet !== 'salesOrders') return undefined;
  return { companyId: target.companyId, ...(target.id !== undefined ? { salesOrder: target.id } : {}), ...(target.filter !== undefined ? { filter: target.filter } : {}) };
}

/**
 * The read-back requests of a batch (pure): one per sales order or sales invoice created/updated, one per
 * collection; none for a document the same batch says was deleted (BC deletes a sales order once it is fully shipped
 * and invoiced: its last update would be read after it is gone). Ids: a sales order keeps its historic
 * `bc:{id}:{time}`; an invoice is `bc:salesInvoices:{id}:{time}`.
 */
export function bcReadBackRequests(batch: BcNotificationBatch, receivedAt: string): BcReadBackRequest[] {
  const out = new Map<string, BcReadBackRequest>();
  const deleted = new Set(
    batch.value.flatMap((n) => {
      const target = n.changeType === 'deleted' ? bcDocumentOfNotification(n) : undefined;
      return target?.id !== undefined ? [`${target.entitySet}:${target.id}`] : [];
    }),
  );
  for (const n of batch.value) {
    if (n.changeType === 'deleted') continue;
    const target = bcDocumentOfNotification(n);
    if (!target) continue;
    if (n.changeType === 'collection' ? target.filter === undefined : target.id === undefined) continue;
    if (target.id !== undefined && deleted.has(`${target.entitySet}:${target.id}`)) continue;
    const id = target.id ?? '*';
    // One canonical id per document and change time: a redelivered notification yields the same id.
    const document = id === '*' ? `collection:${createHash('sha256').update(n.resource).digest('hex').slice(0, 16)}` : id;
    const eventId = target.entitySet === 'salesOrders' ? `bc:${document}:${n.lastModifiedDateTime}` : `bc:${target.entitySet}:${document}:${n.lastModifiedDateTime}`;
    const base = {
      companyId: target.companyId,
      ...(target.filter !== undefined ? { filter: target.filter } : {}),
      changeType: n.changeType,
      notification: { subscriptionId: n.subscriptionId, lastModifiedDateTime: n.lastModifiedDateTime, resource: n.resource },
      receivedAt,
      metadata: { eventId, eventType: `bc.${target.entitySet}.${n.changeType}`, correlationId: id },
    };
    out.set(
      eventId,
      target.entitySet === 'salesInvoices'
        ? { kind: 'bc-sales-invoice-read-back', salesInvoice: id, ...base, refs: { invoiceId: id } }
        : target.entitySet === 'salesCreditMemos'
          ? { kind: 'bc-sales-credit-memo-read-back', salesCreditMemo: id, ...base, refs: { creditMemoId: id } }
          : { kind: 'bc-sales-order-read-back', salesOrder: id, ...base, refs: { orderId: id } },
    );
  }
  return [...out.values()];
}

export function mapBcNotifications(decoded: DecodedEvent<BcNotificationBatch>, receivedAt: string, queue: BcReadBackQueue): MapResult | DeferredMapResult {
  const requests = bcReadBackRequests(decoded.event, receivedAt);
  if (requests.length === 0) return { kind: 'ignored', reason: 'no sales order, sales invoice or sales credit memo created, updated or collected in this notification' };
  return {
    kind: 'deferred',
    async complete() {
      for (const request of requests) await queue.enqueue(request);
      return {
        kind: 'queued',
        reason: `${requests.length} sales order, sales invoice or sales credit memo change(s) are read back through API v2.0; order.released follows for released orders, invoice.posted for posted invoices and credit memos`,
      };
    },
  };
}

/** The Business Central dialect; `queue` takes the read-back requests (the SQS read-back queue in Lambda). */
export function businessCentralDialect(queue: BcReadBackQueue): Dialect<BcNotificationBatch> {
  return {
    ...dialectIdentity(BC_DIALECT),
    handshake: bcHandshake,
    verify: (request, secret) => verifyBcClientState(request, secret),
    decode: decodeBcNotifications,
    map: (decoded, receivedAt) => mapBcNotifications(decoded, receivedAt, queue),
  };
}
