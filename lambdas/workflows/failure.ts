/**
 * The compensation path's description of what failed: one `sync.failed` per failed step, ready for the
 * state machine's direct `events:putEvents`, and the note left on the case for a human. Pure.
 */
import type { CanonicalRefs } from '../shared/canonical-event';
import type { SyncFailedData } from '../shared/generated/canonical-types';
import type { BranchOutcome, FlowName, TriggerEvent, WorkflowFailure } from './model';
import { attemptsFor, isRetryableError } from './retry-policy';
import { syncFailed, WORKFLOW_EVENT_SOURCE } from './workflow-events';

/** A PutEvents request entry, as the state machine passes it through (`Entries.$`). */
export interface PutEventsEntry {
  readonly Source: string;
  readonly DetailType: string;
  readonly Detail: string;
  readonly EventBusName: string;
}

export interface FailureDescription {
  /** `sync.failed` events, one per failed step (at most 10: one PutEvents call). */
  readonly entries: PutEventsEntry[];
  /** The case to annotate, when one was opened before the failure. */
  readonly caseId: string | null;
  /** What the human reads on the case. */
  readonly note: { readonly subject: string; readonly body: string };
  readonly failedSteps: string[];
}

export interface DescribeFailureInput {
  readonly flow: FlowName;
  readonly event: TriggerEvent;
  readonly failure: WorkflowFailure;
  readonly eventBusName: string;
}

const ERROR_CODE = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/** A Lambda error's Cause is JSON with `errorMessage`; a service integration's is text. Never a stack. */
export function sanitizeCause(cause: string | undefined): string {
  if (!cause) return 'no cause given';
  let text = cause;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') text = parsed.errorMessage;
  } catch {
    // not JSON: a service integration's message
  }
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return (oneLine || 'no cause given').slice(0, 300);
}

function errorCode(name: string | undefined): string {
  const code = (name ?? 'Unknown').slice(0, 64);
  return ERROR_CODE.test(code) ? code : 'Unknown';
}

function failedSteps(failure: WorkflowFailure): BranchOutcome[] {
  if (failure.outcome) return failure.outcome.filter((o) => !o.ok);
  return [{ ok: false, step: failure.step, targetSystem: failure.targetSystem, Error: failure.Error, Cause: failure.Cause }];
}

export function describeFailure(input: DescribeFailureInput, now: Date): FailureDescription {
  const { flow, event, failure } = input;
  const failed = failedSteps(failure).slice(0, 10);
  // A case may exist even when its branch failed later (its event could not be published).
  const caseId = failure.outcome?.find((o) => o.caseId)?.caseId ?? null;
  const refs: CanonicalRefs = caseId ? { caseId } : {};
  const entries = failed.map((f) => {
    const step = (f.step ?? failure.step).replace(/[^a-z0-9-]/g, '-');
    const data: SyncFailedData = {
      targetSystem: f.targetSystem ?? 'cs',
      operation: step,
      stage: 'workflow',
      failedEventId: event.metadata.eventId,
      failedEventType: event.metadata.eventType,
      errorCode: errorCode(f.Error),
      retryable: isRetryableError(f.Error),
      attempts: attemptsFor(f.Error),
      reason: `${flow} workflow step ${step} failed: ${sanitizeCause(f.Cause)}`.slice(0, 500),
      deadLettered: false,
    };
    const detail = syncFailed(flow, event, step, data, refs, now);
    return { Source: WORKFLOW_EVENT_SOURCE, DetailType: 'sync.failed', Detail: JSON.stringify(detail), EventBusName: input.eventBusName };
  });
  const lines = failed.map((f) => `- ${f.step ?? failure.step} (${f.targetSystem ?? 'cs'}): ${errorCode(f.Error)}: ${sanitizeCause(f.Cause)}`);
  return {
    entries,
    caseId,
    failedSteps: failed.map((f) => f.step ?? failure.step),
    note: {
      subject: `Needs a human: ${flow} workflow for shipment ${event.refs.shipmentId} could not finish`.slice(0, 200),
      body: [
        `The ${flow} workflow could not complete these steps after its retries:`,
        ...lines,
        'Check the ERP and the case by hand; nothing else will retry them.',
        `Exception event ${event.metadata.eventId}, correlation ${event.metadata.correlationId}.`,
      ].join('\n'),
    },
  };
}
