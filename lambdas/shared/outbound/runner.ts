import type { SystemName } from '../../../registry/systems';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { CanonicalDetail } from '../canonical-event';
import { DLQ_ATTRIBUTES } from '../../../registry/queue-attributes';
import type { EventPublisher } from '../event-publisher';
import type { CircuitStore } from './circuit-store';
import type { Degradation } from './degradation';
import {
  CLOSED_CIRCUIT,
  decideOnFailure,
  gateCall,
  type BackoffPolicy,
  type CircuitState,
  type FailureInfo,
  type MaintenanceWindowSpec,
} from './decisions';
import { deadLetterAttributes, describeFailure, shortReason } from './failures';
import { actionKey, targetIdempotencyKey, type IdempotentRunner } from './idempotency';
import { firstReceivedAtOf, HOLD_ATTRIBUTES, parseCanonicalMessage, receiveCountOf, stringAttribute, type CanonicalMessage } from './message';
import type { MessageOps } from './queue-ops';
import { syncFailedEvent } from './sync-failed';
import type { SyncMetrics } from './sync-metrics';



/** One side effect on the target that an event asks for. */
export interface OutboundAction {
  /** Kebab-case operation name, used in idempotency keys, logs and `sync.failed`, e.g. `mark-billing-ready`. */
  readonly operation: string;
  /**
   * What makes two actions the same side effect, when that is not "asked for by the same event": e.g. a
   * shipment's "delivered" status, which both `pod.captured` and `shipment.delivered` ask for, possibly in
   * the same moment. Actions with the same target, operation and scope run once (a concurrent one waits
   * for the first and then returns its result).
   * @default - the canonical event id
   */
  readonly idempotencyScope?: string;
  /**
   * The target's `execute` already makes this action run once through a conditional write of its own (the ERP's
   * status guard: a rank and a lease per shipment), so the runner keeps no Powertools record for it: that record
   * would cost two more writes per call and protect nothing the guard does not (docs/cost.md).
   * @default false
   */
  readonly guardedByTarget?: boolean;
}

/** What an action did; stored as the idempotency record's result, so a repeat returns it unchanged. */
export interface ActionOutcome {
  readonly outcome: 'done' | 'skipped';
  /** Short explanation for a skip (e.g. "late milestone", "no ticket for shipment"). */
  readonly note?: string;
  [key: string]: string | undefined;
}

export interface ActionContext {
  /** The target's own idempotency key for this action (send it as `Idempotency-Key`). */
  readonly idempotencyKey: string;
  readonly now: () => Date;
  /** Publishes confirmation events (inside the idempotent section: published once per action). */
  readonly publish: (events: readonly CanonicalDetail[]) => Promise<void>;
  readonly metrics: SyncMetrics;
  /**
   * This receive is the message's last before its DLQ: a failure now is dead-lettered, not retried, so a target may
   * give up sooner what it kept for the message's own retry (the ERP's uncertain status lease).
   */
  readonly lastAttempt?: boolean;
}

/** The target-specific part of an outbound adapter. */
export interface OutboundTarget<A extends OutboundAction> {
  readonly target: SystemName;
  /**
   * The actions an event asks of this target, in order (pure). `[]` when the event needs nothing here.
   * Throws ValidationError when the event lacks what the target needs (dead-lettered, never retried).
   */
  plan(message: CanonicalMessage): A[];
  /** Performs one action through the target's port. Errors follow lambdas/shared/errors.ts. */
  execute(action: A, message: CanonicalMessage, context: ActionContext): Promise<ActionOutcome>;
}

export interface OutboundSettings {
  /** The work queue's redrive maxReceiveCount (`MAX_RECEIVE_COUNT`). */
  readonly maxReceiveCount: number;
  readonly backoff: BackoffPolicy;
  readonly maintenanceWindows: readonly MaintenanceWindowSpec[];
  /** A message held longer than this is dead-lettered ("held too long"). */
  readonly maxHoldSeconds: number;
  /** Time one message may need (all its calls); less than this left in the invocation → hold the rest. */
  readonly callBudgetMs: number;
  /** The work queue's URL, recorded on dead-lettered messages (`lsync-source-queue-url`). */
  readonly queueUrl: string;
}

/** The logging an adapter needs (Powertools Logger in Lambda, an in-memory recorder in tests). */
export interface AdapterLogger {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
  appendKeys(keys: Record<string, unknown>): void;
  removeKeys(keys: string[]): void;
}

export interface OutboundDependencies<A extends OutboundAction> {
  readonly target: OutboundTarget<A>;
  readonly messages: MessageOps;
  readonly circuit: CircuitStore;
  readonly idempotency: IdempotentRunner;
  readonly publisher: EventPublisher;
  readonly metrics: SyncMetrics;
  readonly logger: AdapterLogger;
  readonly settings: OutboundSettings;
  /** Degraded mode: tells the account team once when the target stays unreachable, and once when it recovers. @default - off */
  readonly degradation?: Degradation;
  /** @default () => new Date() */
  readonly clock?: () => Date;
  /** @default Math.random */
  readonly random?: () => number;
  /**
   * The time this container spent waiting for its pacing slots since the last call (ms; the HTTP client's
   * `takeRateLimitWaitMs`), emitted per invocation as `RateLimitWait`. @default - not emitted
   */
  readonly rateLimitWait?: () => number;
}

const BUSINESS_KEYS = ['correlationId', 'eventId', 'eventType', 'orderId', 'shipmentId', 'routeId', 'caseId', 'invoiceId'] as const;

/**
 * Builds the SQS batch handler of an outbound adapter: parse → gate (maintenance window, circuit,
 * remaining time) → plan → run each action once (Powertools idempotency) → decide on failure.
 * Records are processed one after another, so a half-open circuit sends exactly one probe and a batch
 * stops calling a target as soon as the circuit opens. Failed items are reported through
 * `batchItemFailures` (never a whole-batch error), each with the visibility chosen for it.
 */
export function createOutboundHandler<A extends OutboundAction>(deps: OutboundDependencies<A>): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const processor = new BatchProcessor(EventType.SQS);
  const clock = deps.clock ?? (() => new Date());
  const random = deps.random ?? Math.random;
  const { target, settings, metrics, logger } = deps;

  return async (event, context) => {
    deps.idempotency.registerContext(context);
    let circuit: CircuitState;
    try {
      circuit = await deps.circuit.load();
    } catch (error) {
      // Without the shared state, behave as closed: the per-message backoff still protects the target.
      logger.warn('circuit state unavailable, treating it as closed', { error: (error as Error).name });
      circuit = CLOSED_CIRCUIT;
    }
    const state = { circuit, calls: 0 };
    /** What a held message is, for the account team: its shipment (or order) and the update. */
    const waitingEntry = (message: CanonicalMessage) => `${message.detail.refs.shipmentId ?? message.detail.refs.orderId ?? message.detail.metadata.correlationId} ${message.detail.metadata.eventType}`;
    const noteWaiting = async (message: CanonicalMessage) => {
      if (!deps.degradation) return;
      try {
        if ((await deps.degradation.waiting(waitingEntry(message), clock())) === 'notified') logger.warn('degraded mode: the account team was told', { target: target.target });
      } catch (error) {
        logger.warn('degraded mode: could not record or notify', { target: target.target, error: (error as Error).name });
      }
    };

    const recordHandler = async (record: SQSRecord): Promise<void> => {
      logger.removeKeys([...BUSINESS_KEYS]);
      const receiveCount = receiveCountOf(record);
      let message: CanonicalMessage | undefined;
      let operation = 'plan';
      try {
        message = parseCanonicalMessage(record.body);
        const { metadata, refs } = message.detail;
        logger.appendKeys({
          correlationId: metadata.correlationId,
          eventId: metadata.eventId,
          eventType: metadata.eventType,
          ...Object.fromEntries(Object.entries(refs).filter(([k, v]) => v !== undefined && (BUSINESS_KEYS as readonly string[]).includes(k))),
        });
        const actions = target.plan(message);
        if (actions.length === 0) {
          metrics.count('SyncIgnored');
          logger.info('nothing to do for this event', { target: target.target });
          return;
        }

        const gate = gateCall(
          {
            windows: settings.maintenanceWindows,
            circuit: state.circuit,
            firstReceivedAt: firstReceivedAtOf(record),
            maxHoldSeconds: settings.maxHoldSeconds,
            remainingMs: context.getRemainingTimeInMillis(),
            callBudgetMs: settings.callBudgetMs,
            firstInInvocation: state.calls === 0,
          },
          clock(),
        );
        if (gate.action === 'hold') {
          if (gate.cause === 'circuit') await noteWaiting(message);
          return await hold(record, gate.delaySeconds, gate.reason);
        }
        if (gate.action === 'dead-letter') {
          return await deadLetter(record, message, operation, { kind: 'held', errorClass: 'HeldTooLong', reason: gate.reason }, false);
        }

        state.calls++;
        /**
         * Runs an action once per (target, operation, scope). An action scoped wider than its event (e.g. a
         * shipment's "delivered") that another event is performing right now is that event's to finish: its
         * message stays queued until it succeeds or is dead-lettered, so this one moves on instead of waiting.
         * An action guarded by its target runs straight away: the target's guard does the same job.
         */
        const runOnce = async (action: OutboundAction, eventId: string, work: () => Promise<ActionOutcome>): Promise<ActionOutcome> => {
          if (action.guardedByTarget) return work();
          try {
            return await deps.idempotency.run(actionKey(target.target, action.operation, action.idempotencyScope ?? eventId), work);
          } catch (error) {
            if (action.idempotencyScope === undefined || (error as Error).name !== 'IdempotencyAlreadyInProgressError') throw error;
            metrics.count('IdempotencyInProgress');
            return { outcome: 'skipped', note: `${action.operation} for ${action.idempotencyScope} is in progress for another event` };
          }
        };
        const publish = async (events: readonly CanonicalDetail[]) => {
          if (events.length > 0) await deps.publisher.publish(events);
        };
        for (const action of actions) {
          operation = action.operation;
          const eventId = metadata.eventId;
          const context: ActionContext = {
            idempotencyKey: targetIdempotencyKey(target.target, action.operation, eventId),
            now: clock,
            publish,
            metrics,
            lastAttempt: receiveCount >= settings.maxReceiveCount,
          };
          const current = message;
          const result = await runOnce(action, eventId, () => target.execute(action, current, context));
          metrics.count(result.outcome === 'done' ? 'SyncSucceeded' : 'SyncSkipped');
          logger.info(result.outcome === 'done' ? 'synced' : 'skipped', { target: target.target, operation: action.operation, note: result.note });
        }
        if (state.circuit.consecutiveFailures > 0 || state.circuit.openUntil !== undefined) {
          state.circuit = CLOSED_CIRCUIT;
          await deps.circuit.recordSuccess().catch((error: unknown) => logger.warn('could not close the circuit', { error: (error as Error).name }));
          if (deps.degradation) {
            await deps.degradation
              .recovered(clock())
              .then((told) => told === 'notified' && logger.info('degraded mode ended: the account team was told', { target: target.target }))
              .catch((error: unknown) => logger.warn('degraded mode: could not end or notify', { target: target.target, error: (error as Error).name }));
          }
        }
      } catch (error) {
        const failure = describeFailure(error);
        if (!message || failure.kind === 'permanent') {
          metrics.count('SyncFailures');
          return await deadLetter(record, message, operation, failure, false);
        }
        return await onFailure(record, message, operation, failure, receiveCount);
      }
    };

    const onFailure = async (record: SQSRecord, message: CanonicalMessage, operation: string, failure: FailureInfo, receiveCount: number): Promise<void> => {
      if (failure.kind !== 'held' && failure.kind !== 'busy') metrics.count('SyncFailures');
      if (failure.kind === 'rate-limited') metrics.count('SyncRateLimited');
      if (failure.errorClass === 'IdempotencyAlreadyInProgressError') metrics.count('IdempotencyInProgress');
      // 5xx, timeouts, dropped connections and announced maintenance all say "the target is down".
      if (failure.kind === 'unavailable' || (failure.kind === 'held' && failure.httpStatus === 503)) {
        let opened = false;
        try {
          const recorded = await deps.circuit.recordFailure(clock());
          state.circuit = recorded.state;
          opened = recorded.opened;
        } catch (error) {
          logger.warn('could not record the failure in the circuit', { error: (error as Error).name });
        }
        await noteWaiting(message);
        if (opened && state.circuit.openUntil !== undefined) {
          metrics.count('CircuitOpened');
          logger.warn('circuit opened', { target: target.target, consecutiveFailures: state.circuit.consecutiveFailures, openUntil: new Date(state.circuit.openUntil).toISOString() });
        }
      }
      const decision = decideOnFailure(failure, { receiveCount, maxReceiveCount: settings.maxReceiveCount }, settings.backoff, random());
      logger.warn('sync attempt failed', { target: target.target, operation, errorClass: failure.errorClass, reason: failure.reason, receiveCount, decision: decision.action });
      switch (decision.action) {
        case 'hold':
          return hold(record, decision.delaySeconds, decision.reason);
        case 'dead-letter':
          return deadLetter(record, message, operation, failure, decision.retryable);
        case 'retry':
          metrics.count('SyncRetried');
          try {
            await deps.messages.changeVisibility(record, decision.visibilitySeconds);
          } catch (error) {
            // The message then reappears after the queue's own visibility timeout: later, never lost.
            logger.warn('could not change the message visibility', { error: (error as Error).name });
          }
          throw new Error(`${failure.errorClass}: retry in ${decision.visibilitySeconds} s`);
      }
    };

    const hold = async (record: SQSRecord, delaySeconds: number, reason: string): Promise<void> => {
      const heldCount = Number(stringAttribute(record, HOLD_ATTRIBUTES.heldCount) ?? '0') + 1;
      const firstReceivedAt = firstReceivedAtOf(record) ?? clock();
      try {
        await deps.messages.requeue(record, delaySeconds, {
          [HOLD_ATTRIBUTES.heldCount]: String(heldCount),
          [HOLD_ATTRIBUTES.firstReceivedAt]: String(firstReceivedAt.getTime()),
          [HOLD_ATTRIBUTES.heldReason]: shortReason(reason),
        });
      } catch (error) {
        // Could not re-send: keep the message where it is for the same delay (this burns one receive).
        logger.warn('could not re-send a held message, delaying it in place', { error: (error as Error).name });
        await deps.messages.changeVisibility(record, Math.max(1, delaySeconds)).catch(() => undefined);
        throw new Error(`held: ${reason}`, { cause: error });
      }
      metrics.count('SyncHeld');
      logger.info('held', { target: target.target, reason, delaySeconds, heldCount });
    };

    const deadLetter = async (record: SQSRecord, message: CanonicalMessage | undefined, operation: string, failure: FailureInfo, retryable: boolean): Promise<void> => {
      const now = clock();
      const redriveCount = Number(stringAttribute(record, DLQ_ATTRIBUTES.redriveCount) ?? '0') || 0;
      await deps.messages.deadLetter(record, deadLetterAttributes(record, failure, settings.queueUrl, now));
      metrics.count('SyncDeadLettered');
      logger.error('dead-lettered', { target: target.target, operation, errorClass: failure.errorClass, reason: failure.reason });
      if (!message) return;
      const event = syncFailedEvent(
        message.detail,
        {
          target: target.target,
          operation,
          errorClass: failure.errorClass,
          reason: failure.reason,
          retryable,
          attempts: receiveCountOf(record),
          httpStatus: failure.httpStatus,
          redriveCount,
        },
        now,
      );
      // Best effort: the DLQ message already explains itself; the event feeds the trace and the ledger.
      await deps.publisher.publish([event]).catch((error: unknown) => logger.warn('could not publish sync.failed', { error: (error as Error).name }));
    };

    try {
      return await processPartialResponse(event, recordHandler, processor, { context, processInParallel: false, throwOnFullBatchFailure: false });
    } finally {
      // Billed time spent waiting for the target's rate limit: high when the adapter runs at its pace (a backlog).
      if (deps.rateLimitWait) metrics.milliseconds('RateLimitWait', deps.rateLimitWait());
    }
  };
}
