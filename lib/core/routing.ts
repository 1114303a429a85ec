import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ReliableQueue } from './reliable-queue';

/** Canonical events come only from our own adapters and workflows. */
const CANONICAL_SOURCE = events.Match.prefix('logistics-sync.');

/** The queue a route delivers to. */
export type RouteTarget = 'fleet' | 'erp' | 'cs' | 'exceptions' | 'ledger';

export interface RouteDefinition {
  readonly target: RouteTarget;
  readonly description: string;
  readonly pattern: events.EventPattern;
}

/**
 * The routing table (docs/architecture.md, "Reference scenario"). Data, so docs and tests read the same rules the
 * stack creates. Sources are narrowed where an echo would loop or repeat a call: fleet milestones reach the
 * ERP only when the fleet reported them, and CS applies only case changes decided outside CS and outside
 * the exception workflows (which update tickets directly).
 */
export const ROUTES = {
  OrderReleasedToFleet: {
    target: 'fleet',
    description: 'order.released → fleet dispatch (create the route)',
    pattern: { source: CANONICAL_SOURCE, detailType: ['order.released'] },
  },
  MilestonesToErp: {
    target: 'erp',
    description: 'fleet milestones → ERP shipment status',
    pattern: { source: ['logistics-sync.fleet'], detailType: ['shipment.dispatched', 'shipment.departed', 'shipment.arrived', 'shipment.delivered'] },
  },
  ProofOfDeliveryToErp: {
    target: 'erp',
    description: 'pod.captured → ERP status delivered + billing-ready',
    pattern: { source: ['logistics-sync.fleet'], detailType: ['pod.captured'] },
  },
  InvoicePostedToCs: {
    target: 'cs',
    description: 'invoice.posted → CS ticket of the shipment (invoice and POD)',
    pattern: { source: CANONICAL_SOURCE, detailType: ['invoice.posted'] },
  },
  // Not from CS (its own changes would echo back) and not from the orchestrator: the exception workflows
  // change tickets through the CS port themselves and publish case events as the record of what they did.
  CaseEventsToCs: {
    target: 'cs',
    description: 'case.updated / case.resolved decided in the ERP or fleet system → CS ticket',
    pattern: { source: ['logistics-sync.erp', 'logistics-sync.fleet'], detailType: ['case.updated', 'case.resolved'] },
  },
  // The one orchestrator case event CS takes: a case the workflows opened after the shipment's invoice was posted
  // gets the invoice note it missed (the adapter does nothing when no invoice is in the ledger yet).
  CaseOpenedToCs: {
    target: 'cs',
    description: 'case.opened by the exception workflows → the invoice note, when the invoice was posted before the case',
    pattern: { source: ['logistics-sync.orchestrator'], detailType: ['case.opened'] },
  },
  ExceptionsToWorkflow: {
    target: 'exceptions',
    description: 'shipment.exception-raised → exception workflows',
    pattern: { source: CANONICAL_SOURCE, detailType: ['shipment.exception-raised'] },
  },
  // Every canonical event but the ERP's status confirmations: the ERP adapter keeps them on its status guard item
  // (written anyway), where the trace reads them (lambdas/erp/outbound/erp-outbound.ts `statusConfirmationsOf`): four
  // ledger messages, indexer runs and timeline writes per shipment fewer (docs/cost.md).
  EveryEventToLedger: {
    target: 'ledger',
    description: 'every canonical event but shipment.status-synced → correlation indexer',
    pattern: { source: CANONICAL_SOURCE, detailType: events.Match.anythingBut('shipment.status-synced') },
  },
} as const satisfies Record<string, RouteDefinition>;

export type RouteName = keyof typeof ROUTES;

export interface RoutingProps {
  /** The canonical bus. */
  readonly bus: events.IEventBus;
  /** Work queue of the fleet outbound adapter (dispatch). */
  readonly fleet: ReliableQueue;
  /** Work queue of the ERP outbound adapter. */
  readonly erp: ReliableQueue;
  /** Work queue of the CS outbound adapter. */
  readonly cs: ReliableQueue;
  /** Work queue of the correlation indexer. */
  readonly ledger: ReliableQueue;
  /** Topic of the exceptions queue's "DLQ not empty" alarm. @default - no alarm action */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Timeout of whatever consumes the exceptions queue (the exception workflow starter); the queue's
   * visibility is six times this.
   * @default Duration.seconds(30)
   */
  readonly exceptionsConsumerTimeout?: Duration;
  /** @default 5 */
  readonly exceptionsMaxReceiveCount?: number;
  /** @default Duration.days(4) */
  readonly queueRetention?: Duration;
  /** @default Duration.days(14) */
  readonly deadLetterRetention?: Duration;
  /**
   * How long EventBridge keeps retrying a delivery to a target queue before it sends the event to the
   * target's DLQ. Deliveries to SQS fail only when the queue or its policy is broken: retry long enough to
   * ride out a regional blip, short enough that the DLQ alarm fires within the day.
   * @default Duration.hours(6)
   */
  readonly targetMaxEventAge?: Duration;
  /** @default 100 */
  readonly targetRetryAttempts?: number;
}

/**
 * The content-based rules of the canonical bus. Every rule target is an SQS ReliableQueue; the rule
 * target has its own retry policy and dead-letter queue: the target queue's own DLQ, so an event
 * EventBridge could not deliver waits where `lsync dlq` looks for that target, and a redrive puts it
 * into the right work queue. No rule invokes a Lambda directly.
 */
export class Routing extends Construct {
  /** Where `shipment.exception-raised` goes; consumed by the exception workflows. */
  public readonly exceptionsQueue: ReliableQueue;
  public readonly rules: Readonly<Record<RouteName, events.Rule>>;

  constructor(scope: Construct, id: string, props: RoutingProps) {
    super(scope, id);
    this.exceptionsQueue = new ReliableQueue(this, 'Exceptions', {
      consumerTimeout: props.exceptionsConsumerTimeout ?? Duration.seconds(30),
      maxReceiveCount: props.exceptionsMaxReceiveCount ?? 5,
      retentionPeriod: props.queueRetention,
      deadLetterRetentionPeriod: props.deadLetterRetention,
      alarmTopic: props.alarmTopic,
      purpose: 'the exception workflows',
    });
    const queues: Record<RouteTarget, ReliableQueue> = {
      fleet: props.fleet,
      erp: props.erp,
      cs: props.cs,
      exceptions: this.exceptionsQueue,
      ledger: props.ledger,
    };
    const rules = {} as Record<RouteName, events.Rule>;
    for (const [name, route] of Object.entries(ROUTES) as [RouteName, RouteDefinition][]) {
      const target = queues[route.target];
      rules[name] = new events.Rule(this, name, {
        eventBus: props.bus,
        description: route.description,
        eventPattern: route.pattern,
        targets: [
          new targets.SqsQueue(target.queue, {
            deadLetterQueue: target.deadLetterQueue,
            maxEventAge: props.targetMaxEventAge ?? Duration.hours(6),
            retryAttempts: props.targetRetryAttempts ?? 100,
          }),
        ],
      });
    }
    this.rules = rules;
  }
}
