/**
 * The customer-service tasks of the exception workflows, over the {@link CsPort}. One case per shipment
 * (Zendesk `external_id` = shipment id): a second exception on the same shipment annotates the open case
 * instead of opening another; when the shipment's tickets are all closed, a follow-up of the newest closed one
 * becomes the case. Creation carries an `Idempotency-Key` derived from the exception event.
 */
import type { CsPort, TicketPriority } from '../cs/cs-port';
import type { CanonicalDetail } from '../shared/canonical-event';
import { ValidationError } from '../shared/errors';
import type { CaseOpenedData, CaseUpdatedData } from '../shared/generated/canonical-types';
import { describeCase } from './decision';
import type { PutEventsEntry, FailureDescription } from './failure';
import type { Decision, FlowName, TriggerEvent } from './model';
import { requireId } from './port-guards';
import { caseOpened, caseUpdated, WORKFLOW_EVENT_SOURCE } from './workflow-events';

export type CsTaskInput =
  | { readonly action: 'open-case'; readonly flow: FlowName; readonly event: TriggerEvent; readonly decision: Decision }
  | { readonly action: 'escalate-case'; readonly flow: FlowName; readonly event: TriggerEvent; readonly decision: Decision; readonly caseId: string }
  | {
      readonly action: 'annotate-for-human';
      readonly flow: FlowName;
      readonly event: TriggerEvent;
      readonly compensation: FailureDescription;
      readonly eventBusName: string;
    };

export interface CaseResult {
  readonly caseId: string;
  readonly created: boolean;
  /** `case.opened` or `case.updated`, published by the state machine. */
  readonly event: CanonicalDetail<CaseOpenedData | CaseUpdatedData>;
}

export interface AnnotationResult {
  readonly caseId: string;
  /** The `sync.failed` entries of the failure description plus the case event: one PutEvents. */
  readonly entries: PutEventsEntry[];
}

export function caseIdempotencyKey(purpose: 'case' | 'needs-human', event: TriggerEvent): string {
  return `workflow-${purpose}-${event.metadata.eventId}`;
}

export function csActions(cs: CsPort, clock: () => Date = () => new Date()) {
  async function openCase(flow: FlowName, event: TriggerEvent, decision: Decision): Promise<CaseResult> {
    const text = describeCase({ flow, event, decision });
    const priority: TicketPriority = decision.actions.casePriority ?? 'normal';
    const shipmentId = event.refs.shipmentId;
    const key = caseIdempotencyKey('case', event);
    // The shipment's open case is annotated; when its tickets are all closed, a follow-up of the newest closed
    // one becomes the case (Zendesk refuses updates to closed tickets).
    const existing = await cs.updateTicketByExternalId(
      shipmentId,
      {
        comment: { body: `${text.subject}\n${text.body}`, public: false },
        additionalTags: text.tags,
        // Raise to urgent, never lower: the open case may already be urgent for another reason.
        ...(priority === 'urgent' ? { priority } : {}),
      },
      { idempotencyKey: key, followUp: { subject: text.subject, priority, type: 'incident', tags: text.tags } },
    );
    if (existing && !existing.followUpOf && existing.alreadyDone !== 'created') {
      const data: CaseUpdatedData = { change: 'comment-added', comment: { public: false, relatesTo: 'exception' }, tagsAdded: text.tags.slice(0, 20) };
      return { caseId: existing.ticketId, created: false, event: caseUpdated(flow, event, existing.ticketId, 'annotated', data, clock()) };
    }
    const { ticketId } = existing ?? (await cs.createTicket({ subject: text.subject, body: text.body, priority, type: 'incident', externalId: shipmentId, tags: text.tags }, key));
    requireId(ticketId, 'ticket id');
    return {
      caseId: ticketId,
      created: true,
      event: caseOpened(flow, event, { caseId: ticketId, priority, subject: text.subject, externalId: shipmentId, tags: text.tags.slice(0, 20) }, clock()),
    };
  }

  async function escalate(flow: FlowName, event: TriggerEvent, decision: Decision, caseId: string): Promise<Omit<CaseResult, 'created'>> {
    await cs.updateTicket(caseId, {
      priority: 'urgent',
      comment: {
        body: `Escalated: no resolution (case resolved or shipment delivered) arrived in time for this ${decision.summary.kind} (${decision.severity}). Exception event ${event.metadata.eventId}.`,
        public: false,
      },
      additionalTags: ['escalated'],
    });
    const data: CaseUpdatedData = {
      change: 'priority-changed',
      priority: 'urgent',
      ...(decision.actions.casePriority ? { previousPriority: decision.actions.casePriority } : {}),
    };
    return { caseId, event: caseUpdated(flow, event, caseId, 'escalated', data, clock()) };
  }

  async function annotateForHuman(input: Extract<CsTaskInput, { action: 'annotate-for-human' }>): Promise<AnnotationResult> {
    const { flow, event, compensation } = input;
    const now = clock();
    const note = { comment: { body: compensation.note.body, public: false }, additionalTags: ['needs-human'] };
    const tags = ['logistics-sync', 'needs-human', flow];
    const key = caseIdempotencyKey('needs-human', event);
    let annotated: { ticketId: string; followUpOf?: string } | undefined;
    if (compensation.caseId) {
      await cs.updateTicket(compensation.caseId, note);
      annotated = { ticketId: compensation.caseId };
    } else {
      annotated = await cs.updateTicketByExternalId(event.refs.shipmentId, note, {
        idempotencyKey: key,
        followUp: { subject: compensation.note.subject, priority: 'high', type: 'problem', tags },
      });
    }
    let detail: CanonicalDetail<object>;
    let resultCaseId: string;
    if (annotated && !annotated.followUpOf) {
      resultCaseId = annotated.ticketId;
      detail = caseUpdated(flow, event, annotated.ticketId, 'needs-human', { change: 'comment-added', comment: { public: false, relatesTo: 'exception' }, tagsAdded: ['needs-human'] }, now);
    } else {
      // No ticket for the shipment (or only closed ones, now followed up): a new case for a human.
      const { ticketId } =
        annotated ??
        (await cs.createTicket({ subject: compensation.note.subject, body: compensation.note.body, priority: 'high', type: 'problem', externalId: event.refs.shipmentId, tags }, key));
      resultCaseId = requireId(ticketId, 'ticket id');
      detail = caseOpened(flow, event, { caseId: ticketId, priority: 'high', subject: compensation.note.subject, externalId: event.refs.shipmentId, tags }, now);
    }
    const caseEntry: PutEventsEntry = {
      Source: WORKFLOW_EVENT_SOURCE,
      DetailType: detail.metadata.eventType,
      Detail: JSON.stringify(detail),
      EventBusName: input.eventBusName,
    };
    // PutEvents takes at most 10 entries; the failure description keeps to 9 in practice (≤ 4 branches).
    return { caseId: resultCaseId, entries: [...compensation.entries, caseEntry].slice(0, 10) };
  }

  return async function run(input: CsTaskInput): Promise<CaseResult | Omit<CaseResult, 'created'> | AnnotationResult> {
    switch (input.action) {
      case 'open-case':
        return openCase(input.flow, input.event, input.decision);
      case 'escalate-case':
        return escalate(input.flow, input.event, input.decision, input.caseId);
      case 'annotate-for-human':
        return annotateForHuman(input);
      default:
        throw new ValidationError(`unknown CS task action ${(input as { action?: unknown }).action as string}`, 'action');
    }
  };
}
