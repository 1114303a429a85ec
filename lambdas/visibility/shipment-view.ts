/**
 * The operational view of one shipment: its exceptions, cases, quality holds, delivery and billing, folded from
 * the canonical events the correlation indexer consumes. Stored on the shipment's state item
 * (`SHIPMENT#<id>` / `STATE`, attribute `viewZ`, compressed: view-codec.ts); the lists the visibility API pages through are derived from it
 * (`LIST#<name>` entries, GSI `Lists`, see lib/core/tables.ts). Pure: no SDK, no clock.
 *
 * The fold is idempotent and, as far as the events allow, independent of their order: every event sets the
 * fields it knows (keyed by exception, case or hold id), times only move to the earliest occurrence, and a
 * status never goes back (`resolved` beats `open` beats `reported`). A redelivered or reordered event therefore
 * leaves the same view, which is what lets the indexer write only when the view changes.
 */
import { utcIso, type SeverityRank } from '../../registry/correlation-keys';
import { isCreditMemo, type CanonicalDetail } from '../shared/canonical-event';
import { toCents, type BusinessImpact } from './impact';

/**
 * Effective severity: decided by the exception workflow (through the priority of the case it opened: normal →
 * minor, high → major, urgent → critical, the workflows' own mapping), else as the source reported it
 * (low/medium → minor, high → major, critical → critical), else unknown.
 */
export type ViewSeverity = 'unknown' | 'minor' | 'major' | 'critical';
export const SEVERITY_RANK: Readonly<Record<ViewSeverity, SeverityRank>> = { unknown: 0, minor: 1, major: 2, critical: 3 };
export const SEVERITIES = Object.keys(SEVERITY_RANK) as ViewSeverity[];

const REPORTED_SEVERITY: Readonly<Record<string, ViewSeverity>> = { low: 'minor', medium: 'minor', high: 'major', critical: 'critical' };
const CASE_PRIORITY_SEVERITY: Readonly<Record<string, ViewSeverity>> = { low: 'minor', normal: 'minor', high: 'major', urgent: 'critical' };

/** `reported`: a source reported it, no workflow has acted yet; `open`: a workflow opened a case or a hold for it. */
export type ExceptionStatus = 'reported' | 'open' | 'resolved';

export interface ViewException {
  /** `temperature-excursion`, `delay`, `eta-breach`…: the exception's kind, or the trigger of the case opened for it. */
  readonly kind: string;
  readonly severity: ViewSeverity;
  /** Whether the severity is the workflow's decision or the source's report. */
  readonly severityBasis: 'decided' | 'reported';
  readonly status: ExceptionStatus;
  readonly raisedAt: string;
  readonly caseId?: string;
  readonly holdId?: string;
  readonly resolvedAt?: string;
  readonly resolvedBy?: 'case.resolved' | 'delivery';
}

export interface ViewCase {
  readonly status: 'open' | 'resolved';
  readonly openedAt?: string;
  readonly resolvedAt?: string;
  /** The highest priority it was given. */
  readonly priority?: string;
  /** `workflow`: opened by an exception workflow; `cs`: known from the customer-service system. */
  readonly source: 'workflow' | 'cs' | 'other';
  readonly trigger?: string;
  /** The exception the workflow opened it for. */
  readonly exceptionEventId?: string;
}

export interface ViewHold {
  readonly status: 'active' | 'released';
  readonly placedAt?: string;
  readonly releasedAt?: string;
  readonly reason?: string;
  readonly disposition?: string;
  readonly exceptionEventId?: string;
}

export interface ShipmentView {
  readonly shipmentId: string;
  readonly orderId?: string;
  readonly customerId?: string;
  readonly routeId?: string;
  /** By the exception's event id (the `causationId` of what the workflow did about it). */
  readonly exceptions: Readonly<Record<string, ViewException>>;
  readonly cases: Readonly<Record<string, ViewCase>>;
  readonly holds: Readonly<Record<string, ViewHold>>;
  /** The earliest `shipment.delivered` or `pod.captured`. */
  readonly deliveredAt?: string;
  readonly billingReadyAt?: string;
  /** The earliest invoice posted for it that no credit memo cancels. */
  readonly invoice?: ViewInvoice;
  /**
   * Every invoice posted for it, by invoice id: kept only once there is more than one, or a credit memo correcting one
   * (a cancelled invoice leaves `invoice`, and the next one standing takes its place). @default `invoice` alone
   */
  readonly invoices?: Readonly<Record<string, Omit<ViewInvoice, 'invoiceId'>>>;
  /** Credit memos that name the invoice they correct, by credit memo id. */
  readonly creditMemos?: Readonly<Record<string, ViewCreditMemo>>;
}

export interface ViewInvoice {
  readonly invoiceId: string;
  readonly postedAt: string;
  readonly currency?: string;
  readonly grossAmount?: string;
}

export interface ViewCreditMemo {
  readonly correctsInvoiceId: string;
  readonly postedAt: string;
  readonly currency?: string;
  readonly grossAmount?: string;
}

/** The event types that can change a view; the indexer reads the state item only for these. */
export const VIEW_EVENT_TYPES: ReadonlySet<string> = new Set([
  'shipment.exception-raised',
  'case.opened',
  'case.updated',
  'case.resolved',
  'quality-hold.placed',
  'quality-hold.released',
  'customer.notified',
  'shipment.delivered',
  'pod.captured',
  'invoice.ready',
  'invoice.posted',
]);

function earlier(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Date.parse(a) <= Date.parse(b) ? a : b;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function moreSevere(a: ViewSeverity, b: ViewSeverity): ViewSeverity {
  return SEVERITY_RANK[b] > SEVERITY_RANK[a] ? b : a;
}

const PRIORITY_RANK: Readonly<Record<string, number>> = { low: 0, normal: 1, high: 2, urgent: 3 };
const SOURCE_RANK: Readonly<Record<ViewCase['source'], number>> = { other: 0, cs: 1, workflow: 2 };
const RESOLVED_CASE_STATUSES: ReadonlySet<string> = new Set(['solved', 'closed']);

/** Drops undefined fields (DynamoDB and the equality check want none). */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** What one event says about an exception, merged so that the order of events does not matter. */
function mergeException(current: ViewException | undefined, incoming: Pick<ViewException, 'kind' | 'severity' | 'severityBasis' | 'raisedAt'>): ViewException {
  if (!current) return { ...incoming, status: 'reported' };
  // The workflow's decision wins over the source's report; between reports, the worse one.
  const decided = current.severityBasis === 'decided' ? current : incoming.severityBasis === 'decided' ? incoming : undefined;
  return {
    ...current,
    kind: decided?.kind ?? current.kind,
    severity: decided ? decided.severity : moreSevere(current.severity, incoming.severity),
    severityBasis: decided ? 'decided' : 'reported',
    raisedAt: earlier(current.raisedAt, incoming.raisedAt)!,
  };
}

/**
 * Derives every exception's links and status from the cases, holds and delivery (pure, order-independent): its case
 * and hold are those the workflow opened for it; it is `open` once a case or hold stands for it (or the workflow
 * decided its severity), `resolved` at the earliest of its case's resolution and a delivery after it was raised
 * (a damage found at delivery is raised after it, and stays open).
 */
function deriveExceptions(exceptions: Record<string, ViewException>, cases: Record<string, ViewCase>, holds: Record<string, ViewHold>, deliveredAt: string | undefined): void {
  for (const [id, e] of Object.entries(exceptions)) {
    const caseId = Object.keys(cases).filter((c) => cases[c]!.exceptionEventId === id).sort()[0];
    const holdId = Object.keys(holds).filter((h) => holds[h]!.exceptionEventId === id).sort()[0];
    const candidates: { at: string; by: NonNullable<ViewException['resolvedBy']> }[] = [];
    const caseResolvedAt = caseId ? cases[caseId]!.resolvedAt : undefined;
    if (caseResolvedAt) candidates.push({ at: caseResolvedAt, by: 'case.resolved' });
    if (deliveredAt && Date.parse(e.raisedAt) <= Date.parse(deliveredAt)) candidates.push({ at: deliveredAt, by: 'delivery' });
    const resolution = candidates.sort((a, b) => Date.parse(a.at) - Date.parse(b.at))[0];
    const acted = caseId !== undefined || holdId !== undefined || e.severityBasis === 'decided';
    exceptions[id] = compact({
      kind: e.kind,
      severity: e.severity,
      severityBasis: e.severityBasis,
      status: resolution ? 'resolved' : acted ? 'open' : 'reported',
      raisedAt: e.raisedAt,
      caseId,
      holdId,
      resolvedAt: resolution?.at,
      resolvedBy: resolution?.by,
    });
  }
}

/** An empty view of a shipment. */
export function emptyView(shipmentId: string): ShipmentView {
  return { shipmentId, exceptions: {}, cases: {}, holds: {} };
}

/**
 * The view after `event` (pure). `impact` (the ERP facts the Enrich task recorded) fills the order and customer
 * when no event named them. Events of other types leave the view as it was.
 *
 * Cases only move forward (open → resolved, priority up), so the fold stays independent of the order events
 * arrive in; a ticket reopened after being solved, or lowered in priority, keeps its resolution and its highest
 * priority in the view (the timeline has every change).
 */
export function foldView(before: ShipmentView | undefined, shipmentId: string, event: CanonicalDetail, impact?: BusinessImpact | null): ShipmentView {
  const view = before ?? emptyView(shipmentId);
  const { metadata, refs } = event;
  if (!VIEW_EVENT_TYPES.has(metadata.eventType)) return view;
  const data = event.data as Record<string, unknown>;
  // UTC with milliseconds: the lists sort by these times as strings.
  const at = utcIso(metadata.occurredAt);
  const exceptions: Record<string, ViewException> = { ...view.exceptions };
  const cases: Record<string, ViewCase> = { ...view.cases };
  const holds: Record<string, ViewHold> = { ...view.holds };
  let { deliveredAt, billingReadyAt, invoice } = view;
  const invoices: Record<string, Omit<ViewInvoice, 'invoiceId'>> = { ...invoicesOf(view) };
  const creditMemos: Record<string, ViewCreditMemo> = { ...view.creditMemos };
  const fromWorkflow = metadata.source.system === 'orchestrator';
  const source: ViewCase['source'] = fromWorkflow ? 'workflow' : metadata.source.system === 'cs' ? 'cs' : 'other';

  switch (metadata.eventType) {
    case 'shipment.exception-raised':
      exceptions[metadata.eventId] = mergeException(exceptions[metadata.eventId], {
        kind: String(data.kind ?? 'unknown'),
        severity: REPORTED_SEVERITY[String(data.reportedSeverity)] ?? 'unknown',
        severityBasis: 'reported',
        raisedAt: at,
      });
      break;
    case 'case.opened':
    case 'case.updated':
    case 'case.resolved': {
      const caseId = refs.caseId;
      if (!caseId) break;
      const current = cases[caseId];
      const priority = str(data.priority);
      const opened = metadata.eventType === 'case.opened';
      const resolves = metadata.eventType === 'case.resolved' || (!opened && RESOLVED_CASE_STATUSES.has(String(data.status)));
      const resolvedAt = resolves ? earlier(current?.resolvedAt, at) : current?.resolvedAt;
      const exceptionEventId = current?.exceptionEventId ?? (opened && fromWorkflow ? metadata.causationId : undefined);
      const trigger = current?.trigger ?? (opened ? str(data.trigger) : undefined);
      cases[caseId] = compact({
        status: resolvedAt ? 'resolved' : 'open',
        openedAt: opened ? earlier(current?.openedAt, at) : current?.openedAt,
        resolvedAt,
        priority: priority && (PRIORITY_RANK[priority] ?? -1) > (PRIORITY_RANK[current?.priority ?? ''] ?? -1) ? priority : current?.priority,
        source: current && SOURCE_RANK[current.source] >= SOURCE_RANK[source] ? current.source : source,
        trigger,
        exceptionEventId,
      });
      // The workflow's case is its decision about the exception that caused it (or about an ETA breach, which
      // raised no exception event of its own).
      if (opened && fromWorkflow && metadata.causationId && trigger) {
        exceptions[metadata.causationId] = mergeException(exceptions[metadata.causationId], {
          kind: trigger,
          severity: CASE_PRIORITY_SEVERITY[priority ?? ''] ?? 'unknown',
          severityBasis: 'decided',
          raisedAt: at,
        });
      }
      break;
    }
    case 'quality-hold.placed': {
      const holdId = refs.holdId;
      if (!holdId) break;
      const current = holds[holdId];
      holds[holdId] = compact({
        status: current?.status ?? 'active',
        placedAt: earlier(current?.placedAt, at),
        releasedAt: current?.releasedAt,
        reason: current?.reason ?? str(data.reason),
        disposition: current?.disposition,
        exceptionEventId: current?.exceptionEventId ?? str(data.exceptionEventId) ?? (fromWorkflow ? metadata.causationId : undefined),
      });
      break;
    }
    case 'quality-hold.released': {
      const holdId = refs.holdId;
      if (!holdId) break;
      const current = holds[holdId];
      holds[holdId] = compact({ ...current, status: 'released', releasedAt: earlier(current?.releasedAt, at), disposition: current?.disposition ?? str(data.disposition) });
      break;
    }
    case 'shipment.delivered':
    case 'pod.captured':
      deliveredAt = earlier(deliveredAt, at);
      break;
    case 'invoice.ready':
      billingReadyAt = earlier(billingReadyAt, at);
      break;
    case 'invoice.posted': {
      const invoiceId = refs.invoiceId;
      if (!invoiceId) break;
      const amounts = { currency: str(data.currency), grossAmount: str(data.grossAmount) };
      if (isCreditMemo(event)) {
        // A credit memo bills nothing: it never makes the shipment invoiced nor stands for its invoice (the trace shows
        // it). One that names the invoice it corrects counts against that invoice; see `standingInvoice`.
        const correctsInvoiceId = str(data.correctsInvoiceId);
        if (!correctsInvoiceId) break;
        const current = creditMemos[invoiceId];
        creditMemos[invoiceId] = compact({ correctsInvoiceId: current?.correctsInvoiceId ?? correctsInvoiceId, postedAt: earlier(current?.postedAt, at)!, ...amounts });
      } else {
        const current = invoices[invoiceId];
        invoices[invoiceId] = compact({ postedAt: earlier(current?.postedAt, at)!, currency: current?.currency ?? amounts.currency, grossAmount: current?.grossAmount ?? amounts.grossAmount });
      }
      invoice = standingInvoice(invoices, creditMemos);
      break;
    }
    default:
      break;
  }
  deriveExceptions(exceptions, cases, holds, deliveredAt);

  return compact({
    shipmentId,
    orderId: view.orderId ?? refs.orderId ?? impact?.orderId,
    customerId: view.customerId ?? refs.customerId ?? impact?.customerId ?? undefined,
    routeId: view.routeId ?? refs.routeId,
    exceptions,
    cases,
    holds,
    deliveredAt,
    billingReadyAt,
    invoice,
    // The common case (one invoice, no credit memo) keeps `invoice` alone: the state item stays as small as it was.
    invoices: Object.keys(invoices).length > 1 || Object.keys(creditMemos).length > 0 ? invoices : undefined,
    creditMemos: Object.keys(creditMemos).length > 0 ? creditMemos : undefined,
  });
}

/** Every invoice a view knows (pure): its `invoices`, or its one `invoice` (views saved before `invoices` existed too). */
function invoicesOf(view: ShipmentView): Readonly<Record<string, Omit<ViewInvoice, 'invoiceId'>>> {
  if (view.invoices) return view.invoices;
  if (!view.invoice) return {};
  const { invoiceId, ...rest } = view.invoice;
  return { [invoiceId]: rest };
}

/**
 * Whether the credit memos naming an invoice cancel it (pure): they add up to at least its gross amount, in its
 * currency (amounts compared without their sign: ERPs write credit memo totals positive or negative). A partial credit
 * memo (a price correction, a damaged line) leaves the invoice standing. Business Central's cancellation of a posted
 * invoice posts such a corrective credit memo for the whole invoice and reverts the sales order's invoiced
 * quantities, so the order is invoiced anew (Correct Posted Sales Invoice, `UpdateSalesOrderLinesFromCancelledInvoice`,
 * as quoted in https://github.com/microsoft/ALAppExtensions/issues/30330; the API's bound action `Microsoft.NAV.cancel`,
 * https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/api-reference/v2.0/resources/dynamics_salesinvoice).
 */
export function cancelledBy(invoice: Omit<ViewInvoice, 'invoiceId'>, memos: readonly ViewCreditMemo[]): boolean {
  const gross = invoice.grossAmount === undefined ? undefined : toCents(invoice.grossAmount);
  if (gross === undefined || memos.length === 0) return false;
  let credited = 0;
  for (const memo of memos) {
    const amount = memo.grossAmount === undefined ? undefined : toCents(memo.grossAmount);
    if (amount === undefined || (memo.currency ?? invoice.currency) !== invoice.currency) return false;
    credited += Math.abs(amount);
  }
  return credited >= Math.abs(gross);
}

/** The invoices credit memos cancel, oldest first, each with the credit memos that do (pure). */
export function cancelledInvoices(view: ShipmentView): { invoiceId: string; postedAt: string; creditMemoIds: string[] }[] {
  const memos = Object.entries(view.creditMemos ?? {});
  return Object.entries(invoicesOf(view))
    .map(([invoiceId, invoice]) => ({ invoiceId, invoice, by: memos.filter(([, m]) => m.correctsInvoiceId === invoiceId) }))
    .filter(({ invoice, by }) => cancelledBy(invoice, by.map(([, m]) => m)))
    .sort((a, b) => Date.parse(a.invoice.postedAt) - Date.parse(b.invoice.postedAt) || a.invoiceId.localeCompare(b.invoiceId))
    .map(({ invoiceId, invoice, by }) => ({ invoiceId, postedAt: invoice.postedAt, creditMemoIds: by.map(([id]) => id).sort() }));
}

/** The earliest invoice no credit memos cancel (pure), with its id; undefined when none stands. */
function standingInvoice(invoices: Readonly<Record<string, Omit<ViewInvoice, 'invoiceId'>>>, creditMemos: Readonly<Record<string, ViewCreditMemo>>): ViewInvoice | undefined {
  const memos = Object.values(creditMemos);
  const standing = Object.entries(invoices)
    .filter(([id, inv]) => !cancelledBy(inv, memos.filter((m) => m.correctsInvoiceId === id)))
    .sort(([a, x], [b, y]) => Date.parse(x.postedAt) - Date.parse(y.postedAt) || a.localeCompare(b));
  const [first] = standing;
  return first ? compact({ invoiceId: first[0], ...first[1] }) : undefined;
}

/** The exceptions that still matter: not resolved, or resolved but with their quality hold still active. */
export function activeExceptions(view: ShipmentView): { id: string; exception: ViewException }[] {
  const heldExceptions = new Set(Object.values(view.holds).filter((h) => h.status === 'active' && h.exceptionEventId).map((h) => h.exceptionEventId!));
  return Object.entries(view.exceptions)
    .filter(([id, e]) => e.status !== 'resolved' || heldExceptions.has(id) || (e.holdId !== undefined && view.holds[e.holdId]?.status === 'active'))
    .map(([id, exception]) => ({ id, exception }))
    .sort((a, b) => a.exception.raisedAt.localeCompare(b.exception.raisedAt) || a.id.localeCompare(b.id));
}

export interface ViewStatus {
  /** An active exception or an active quality hold. */
  readonly inTrouble: boolean;
  readonly severity: ViewSeverity;
  /** Since when it has been in trouble: the earliest active exception or hold. */
  readonly since?: string;
  /** Delivered and not invoiced. */
  readonly unbilled: boolean;
  /** The first exception ever raised on it, when there was one. */
  readonly firstDisruptionAt?: string;
}

/** What the lists need to know about a view (pure). */
export function statusOf(view: ShipmentView): ViewStatus {
  const active = activeExceptions(view);
  const activeHolds = Object.values(view.holds).filter((h) => h.status === 'active');
  const inTrouble = active.length > 0 || activeHolds.length > 0;
  const severity = active.reduce<ViewSeverity>((s, a) => moreSevere(s, a.exception.severity), 'unknown');
  const starts = [...active.map((a) => a.exception.raisedAt), ...activeHolds.flatMap((h) => (h.placedAt ? [h.placedAt] : []))].sort((a, b) => Date.parse(a) - Date.parse(b));
  const raised = Object.values(view.exceptions)
    .map((e) => e.raisedAt)
    .sort((a, b) => Date.parse(a) - Date.parse(b));
  return {
    inTrouble,
    severity,
    ...(inTrouble && starts[0] ? { since: starts[0] } : {}),
    unbilled: view.deliveredAt !== undefined && view.invoice === undefined,
    ...(raised[0] ? { firstDisruptionAt: raised[0] } : {}),
  };
}
