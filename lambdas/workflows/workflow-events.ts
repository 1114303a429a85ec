/**
 * Canonical events the exception workflows publish (through the state machines' direct `events:putEvents`
 * integration). Pure builders: the caller supplies the clock reading.
 *
 * Every event is caused by the exception event that started the workflow (`causationId`), shares its
 * correlation id and refs, and has a deterministic id: source `orchestrator`, vendor `logistics-sync`,
 * vendor event id `workflow:<flow>:<trigger event id>:<event type>[:<qualifier>]`. A retried task therefore
 * republishes the same event id, which consumers already deduplicate.
 */
import { buildCanonicalEvent, type CanonicalDetail, type CanonicalRefs } from '../shared/canonical-event';
import type {
  CaseOpenedData,
  CasePriority,
  CaseUpdatedData,
  CustomerNotifiedData,
  QualityHoldPlacedData,
  SyncFailedData,
} from '../shared/generated/canonical-types';
import type { FlowName, TriggerEvent } from './model';

/** EventBridge `source` of everything the workflows publish. */
export const WORKFLOW_EVENT_SOURCE = 'logistics-sync.orchestrator';

interface Derived<T extends object> {
  readonly flow: FlowName;
  readonly trigger: TriggerEvent;
  readonly eventType: string;
  readonly qualifier?: string;
  readonly refs?: CanonicalRefs;
  readonly data: T;
  readonly now: Date;
}

function derived<T extends object>(d: Derived<T>): CanonicalDetail<T> {
  const at = d.now.toISOString();
  return buildCanonicalEvent({
    eventType: d.eventType,
    system: 'orchestrator',
    vendor: 'logistics-sync',
    vendorEventId: `workflow:${d.flow}:${d.trigger.metadata.eventId}:${d.eventType}${d.qualifier ? `:${d.qualifier}` : ''}`,
    occurredAt: at,
    receivedAt: at,
    refs: { ...(d.trigger.refs as CanonicalRefs), ...d.refs },
    data: d.data,
    correlationId: d.trigger.metadata.correlationId,
    causationId: d.trigger.metadata.eventId,
  });
}

/** Case trigger as `case.opened` spells it. */
export function caseTrigger(flow: FlowName, trigger: TriggerEvent): CaseOpenedData['trigger'] {
  if (flow === 'temperature-excursion') return 'temperature-excursion';
  if (flow === 'delay') return 'delay';
  return trigger.metadata.eventType === 'shipment.exception-raised' && 'kind' in trigger.data && trigger.data.kind === 'damage'
    ? 'damage'
    : 'failed-delivery';
}

export function caseOpened(
  flow: FlowName,
  trigger: TriggerEvent,
  c: { caseId: string; priority: CasePriority; subject: string; externalId: string; tags: string[] },
  now: Date,
): CanonicalDetail<CaseOpenedData> {
  return derived({
    flow,
    trigger,
    eventType: 'case.opened',
    refs: { caseId: c.caseId },
    data: { caseType: 'incident', priority: c.priority, status: 'new', trigger: caseTrigger(flow, trigger), subject: c.subject, externalId: c.externalId, tags: c.tags },
    now,
  });
}

/** `qualifier` tells apart several updates caused by one trigger (e.g. `annotated`, `escalated`, `needs-human`). */
export function caseUpdated(flow: FlowName, trigger: TriggerEvent, caseId: string, qualifier: string, data: CaseUpdatedData, now: Date): CanonicalDetail<CaseUpdatedData> {
  return derived({ flow, trigger, eventType: 'case.updated', qualifier, refs: { caseId }, data, now });
}

export function qualityHoldPlaced(flow: FlowName, trigger: TriggerEvent, hold: { holdId: string; note: string }, now: Date): CanonicalDetail<QualityHoldPlacedData> {
  const reason: QualityHoldPlacedData['reason'] = flow === 'temperature-excursion' ? 'temperature-excursion' : caseTrigger(flow, trigger) === 'damage' ? 'damage' : 'other';
  return derived({
    flow,
    trigger,
    eventType: 'quality-hold.placed',
    refs: { holdId: hold.holdId },
    data: { reason, scope: 'shipment', exceptionEventId: trigger.metadata.eventId, note: hold.note.slice(0, 500) },
    now,
  });
}

export function customerNotified(flow: FlowName, trigger: TriggerEvent, customerId: string, data: CustomerNotifiedData, now: Date): CanonicalDetail<CustomerNotifiedData> {
  return derived({ flow, trigger, eventType: 'customer.notified', qualifier: data.audience, refs: { customerId }, data, now });
}

export function syncFailed(flow: FlowName, trigger: TriggerEvent, step: string, data: SyncFailedData, refs: CanonicalRefs, now: Date): CanonicalDetail<SyncFailedData> {
  return derived({ flow, trigger, eventType: 'sync.failed', qualifier: step, refs, data, now });
}
