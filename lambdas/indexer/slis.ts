/**
 * Business SLIs the indexer measures from the ledger (pure): the ledger is the one place that sees both
 * ends of a cycle, whichever systems they came from.
 *
 * | metric | from → to |
 * |---|---|
 * | `PodToInvoiceCycleTime` | `pod.captured` → `invoice.posted` (the POD → billing-ready → invoice cycle) |
 * | `BillingReadyToInvoiceLatency` | `invoice.ready` (ERP marked billing-ready) → `invoice.posted` |
 * | `ExceptionToCaseLatency` | `shipment.exception-raised` received → `case.opened` |
 *
 * The cycles are business times (when each fact happened at its source), but an exception is measured from when the
 * stack received it: the vendor reports an excursion once its condition has lasted (a reefer alert after 25 minutes
 * out of range, its `occurredAt` the incident's start), and the stack cannot open a case before it knows. Measured
 * from the start, the reference scenario's excursion read 25 minutes for a case opened within seconds.
 *
 * `DispatchConfirmationLatency` and `PodToBillingReadyLatency` are measured by the fleet and ERP adapters,
 * where the confirming call returns.
 */
import { isCreditMemo } from '../shared/canonical-event';

export type SliName = 'PodToInvoiceCycleTime' | 'BillingReadyToInvoiceLatency' | 'ExceptionToCaseLatency';

export interface SliMeasurement {
  readonly name: SliName;
  readonly milliseconds: number;
}

/** The fields of a timeline entry the SLIs read. */
export interface SliEntry {
  readonly eventId: string;
  readonly eventType: string;
  readonly occurredAt: string;
  /** When the stack accepted the event (timeline entries since the first version have it). */
  readonly receivedAt?: string;
  readonly refs: { readonly shipmentId?: string };
}

/** Event types whose arrival completes an SLI (the indexer reads the timeline only for these). */
export const SLI_TRIGGERS: ReadonlySet<string> = new Set(['invoice.posted', 'case.opened']);

/** Whether an event completes an SLI: a trigger type, and for `invoice.posted` an invoice (a credit memo bills nothing). */
export function completesSli(detail: { readonly metadata: { readonly eventType: string }; readonly data: unknown }): boolean {
  return SLI_TRIGGERS.has(detail.metadata.eventType) && !isCreditMemo(detail);
}

const RULES: readonly { trigger: string; start: string; startAt: 'occurredAt' | 'receivedAt'; name: SliName }[] = [
  { trigger: 'invoice.posted', start: 'pod.captured', startAt: 'occurredAt', name: 'PodToInvoiceCycleTime' },
  { trigger: 'invoice.posted', start: 'invoice.ready', startAt: 'occurredAt', name: 'BillingReadyToInvoiceLatency' },
  { trigger: 'case.opened', start: 'shipment.exception-raised', startAt: 'receivedAt', name: 'ExceptionToCaseLatency' },
];

/**
 * The SLIs completed by `event`, given the timeline of its correlation. The start is the earliest matching
 * event of the same shipment (any shipment when the trigger names none) that happened (or, for an exception, was
 * received: an entry without `receivedAt` falls back to `occurredAt`) before the trigger occurred.
 */
export function slisFor(event: SliEntry, timeline: readonly SliEntry[]): SliMeasurement[] {
  const end = Date.parse(event.occurredAt);
  if (Number.isNaN(end)) return [];
  const out: SliMeasurement[] = [];
  for (const rule of RULES) {
    if (rule.trigger !== event.eventType) continue;
    const starts = timeline
      .filter((e) => e.eventType === rule.start && e.eventId !== event.eventId)
      .filter((e) => !event.refs.shipmentId || !e.refs.shipmentId || e.refs.shipmentId === event.refs.shipmentId)
      .map((e) => Date.parse(rule.startAt === 'receivedAt' ? (e.receivedAt ?? e.occurredAt) : e.occurredAt))
      .filter((t) => !Number.isNaN(t) && t <= end);
    if (starts.length > 0) out.push({ name: rule.name, milliseconds: end - Math.min(...starts) });
  }
  return out;
}
