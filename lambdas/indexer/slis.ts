/**
 * Business SLIs the indexer measures from the ledger (pure): the ledger is the one place that sees both
 * ends of a cycle, whichever systems they came from.
 *
 * | metric | from → to |
 * |---|---|
 * | `PodToInvoiceCycleTime` | `pod.captured` → `invoice.posted` (the POD → billing-ready → invoice cycle) |
 * | `BillingReadyToInvoiceLatency` | `invoice.ready` (ERP marked billing-ready) → `invoice.posted` |
 * | `ExceptionToCaseLatency` | `shipment.exception-raised` → `case.opened` |
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
  readonly refs: { readonly shipmentId?: string };
}

/** Event types whose arrival completes an SLI (the indexer reads the timeline only for these). */
export const SLI_TRIGGERS: ReadonlySet<string> = new Set(['invoice.posted', 'case.opened']);

/** Whether an event completes an SLI: a trigger type, and for `invoice.posted` an invoice (a credit memo bills nothing). */
export function completesSli(detail: { readonly metadata: { readonly eventType: string }; readonly data: unknown }): boolean {
  return SLI_TRIGGERS.has(detail.metadata.eventType) && !isCreditMemo(detail);
}

const RULES: readonly { trigger: string; start: string; name: SliName }[] = [
  { trigger: 'invoice.posted', start: 'pod.captured', name: 'PodToInvoiceCycleTime' },
  { trigger: 'invoice.posted', start: 'invoice.ready', name: 'BillingReadyToInvoiceLatency' },
  { trigger: 'case.opened', start: 'shipment.exception-raised', name: 'ExceptionToCaseLatency' },
];

/**
 * The SLIs completed by `event`, given the timeline of its correlation. The start is the earliest matching
 * event of the same shipment (any shipment when the trigger names none) that happened before the trigger.
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
      .map((e) => Date.parse(e.occurredAt))
      .filter((t) => !Number.isNaN(t) && t <= end);
    if (starts.length > 0) out.push({ name: rule.name, milliseconds: end - Math.min(...starts) });
  }
  return out;
}
