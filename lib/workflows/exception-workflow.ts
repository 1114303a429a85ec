import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lambdaEventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { FLOWS, type ExceptionThresholds, type FlowName } from '../../registry/workflows';
import { NodeFunction, VISIBILITY_TIMEOUT_FACTOR } from '../core/defaults';
import { acknowledgeFunctionBaseline } from '../adapters/outbound-adapter';
import { acknowledgeSqsConsumer, acknowledgeSynchronousFunction } from '../core/serverless-checks';
import { ReliableQueue } from '../core/reliable-queue';
import { envDefault, functionEnvironment, FUNCTION_ENTRIES } from '../../registry/functions';

/** Placeholders of statemachines/*.asl.json, each filled by CloudFormation from a construct (never pasted). */
export const DEFINITION_SUBSTITUTIONS = [
  'ErpTaskFunctionArn',
  'CsTaskFunctionArn',
  'RulesTaskFunctionArn',
  'EventBusName',
  'CorrelationTableName',
  'NotificationTopicArn',
  'OnCallTopicArn',
] as const;
export type DefinitionSubstitution = (typeof DEFINITION_SUBSTITUTIONS)[number];

/** The ASL file of a flow. */
export function definitionFile(flow: FlowName): string {
  return fileURLToPath(new URL(`../../statemachines/${flow}.asl.json`, import.meta.url));
}

/** The Lambda tasks the three flows share. */
export interface WorkflowTaskFunctions {
  /** Enrich (order, contract), ERP exception status, quality hold. */
  readonly erp: lambda.IFunction;
  /** Open or annotate the shipment's case, escalate it, leave it for a human. */
  readonly cs: lambda.IFunction;
  /** Decide (pure rules) and describe failures for compensation. */
  readonly rules: lambda.IFunction;
}

export interface ExceptionWorkflowProps {
  /** The flow; its definition is `statemachines/<flow>.asl.json`. */
  readonly flow: FlowName;
  readonly tasks: WorkflowTaskFunctions;
  /** Where the workflow publishes case.opened, quality-hold.placed, customer.notified, case.updated, sync.failed. */
  readonly bus: events.IEventBus;
  /** Visibility records and wait items (task tokens) go here. */
  readonly correlationTable: dynamodb.ITable;
  /** Customer and account-team notifications. */
  readonly notificationTopic: sns.ITopic;
  /** Paged when compensation itself cannot leave the case for a human. */
  readonly onCallTopic: sns.ITopic;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default - statemachines/<flow>.asl.json of this repository */
  readonly definitionFile?: string;
}

/**
 * One exception workflow: a Standard state machine loaded from its ASL file with definition
 * substitutions (every ARN and name comes from a construct), the grants its tasks need and nothing more,
 * every event logged to its own log group (level ALL, without execution data: payloads stay out of the
 * logs, the execution history keeps them), and X-Ray tracing.
 */
export class ExceptionWorkflow extends Construct {
  public readonly flow: FlowName;
  public readonly stateMachine: sfn.StateMachine;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ExceptionWorkflowProps) {
    super(scope, id);
    this.flow = props.flow;
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const substitutions: Record<DefinitionSubstitution, string> = {
      ErpTaskFunctionArn: props.tasks.erp.functionArn,
      CsTaskFunctionArn: props.tasks.cs.functionArn,
      RulesTaskFunctionArn: props.tasks.rules.functionArn,
      EventBusName: props.bus.eventBusName,
      CorrelationTableName: props.correlationTable.tableName,
      NotificationTopicArn: props.notificationTopic.topicArn,
      OnCallTopicArn: props.onCallTopic.topicArn,
    };
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromFile(props.definitionFile ?? definitionFile(props.flow)),
      definitionSubstitutions: substitutions,
      stateMachineType: sfn.StateMachineType.STANDARD,
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      comment: `logistics-sync ${props.flow} exception workflow (statemachines/${props.flow}.asl.json)`,
    });

    props.tasks.erp.grantInvoke(this.stateMachine);
    props.tasks.cs.grantInvoke(this.stateMachine);
    props.tasks.rules.grantInvoke(this.stateMachine);
    props.bus.grantPutEventsTo(this.stateMachine);
    // The visibility record (put, update) and the wait item (put with the task token).
    props.correlationTable.grant(this.stateMachine, 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    props.notificationTopic.grantPublish(this.stateMachine);
    props.onCallTopic.grantPublish(this.stateMachine);

    const role = this.stateMachine.role;
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Step Functions log delivery (logs:CreateLogDelivery, PutResourcePolicy, Describe*) and X-Ray (PutTraceSegments, GetSampling*) support no resource-level permissions.',
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason: 'Publishing to a KMS-encrypted topic needs a data key (the GenerateDataKey variants), granted by grantPublish on the topics\' own keys only.',
    });
    for (const fn of [props.tasks.erp, props.tasks.cs, props.tasks.rules]) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(fn.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
        reason: 'grantInvoke also allows the function\'s versions and aliases (ARN suffix ":*"); it is this one task function.',
      });
    }
  }
}

/** Where a workflow task function reaches its system: the stage config's `systems.<system>`. */
export interface SystemEndpoint {
  /** The vendor whose API the tasks call (registry/api-vendors.ts). @default - the system's default vendor */
  readonly vendor?: string;
  readonly apiBaseUrl: string;
  /** Existing Secrets Manager secret with the API credentials (JSON). */
  readonly secretName: string;
  /** OAuth2 token endpoint, when not `<apiBaseUrl>/oauth/token` (the ERP's `tokenUrl`). @default - the client's default */
  readonly tokenUrl?: string;
}

export interface ExceptionWorkflowsProps {
  readonly bus: events.IEventBus;
  readonly correlationTable: dynamodb.ITable;
  /**
   * The exceptions queue (lib/core/routing.ts) the starter consumes: `shipment.exception-raised`, and
   * `shipment.eta-updated` when {@link routeEtaUpdates} is on. Its visibility timeout must be at least six
   * times the starter's timeout ({@link EXCEPTION_STARTER_TIMEOUT}).
   */
  readonly exceptions: ReliableQueue;
  /** Paged when compensation cannot leave a case for a human; also gets the resolutions DLQ alarm. */
  readonly onCallTopic: sns.ITopic;
  /** Stage config `exceptions`: the rules' thresholds. */
  readonly thresholds: ExceptionThresholds;
  readonly erp: SystemEndpoint;
  readonly cs: SystemEndpoint;
  /**
   * Also route `shipment.eta-updated` to the exceptions queue, where the starter starts the delay workflow
   * only for a new breach of the delivery window. Turn off when lib/core/routing.ts routes it.
   * @default true
   */
  readonly routeEtaUpdates?: boolean;
  /** How long visibility records and wait items are kept (at least 3 days). @default Duration.days(180) */
  readonly recordTtl?: Duration;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** Retention of the resolutions queue. @default Duration.days(4) */
  readonly queueRetention?: Duration;
  /** Retention of its DLQ. @default Duration.days(14) */
  readonly deadLetterRetention?: Duration;
}

/** Wait items expire no sooner than this: the longest wait for resolution is 48 h. */
const MIN_RECORD_TTL_DAYS = 3;

/** Timeout of the starter function; the exceptions queue's visibility must be six times this. */
export const EXCEPTION_STARTER_TIMEOUT = Duration.seconds(30);

/** Pure validation of the props; skips unresolved tokens and names the bad value. */
export function validateExceptionWorkflowsProps(props: Pick<ExceptionWorkflowsProps, 'thresholds'>, exceptionsVisibilitySeconds?: number): string[] {
  const problems: string[] = [];
  const t = props.thresholds.temperature;
  if (t.minorMinutes > t.majorMinutes) problems.push(`thresholds.temperature.minorMinutes (${t.minorMinutes}) must not exceed majorMinutes (${t.majorMinutes})`);
  if (props.thresholds.delay.graceMinutes >= props.thresholds.delay.majorMinutes) {
    problems.push(`thresholds.delay.graceMinutes (${props.thresholds.delay.graceMinutes}) must be below majorMinutes (${props.thresholds.delay.majorMinutes})`);
  }
  const needed = EXCEPTION_STARTER_TIMEOUT.toSeconds() * VISIBILITY_TIMEOUT_FACTOR;
  if (exceptionsVisibilitySeconds !== undefined && !Token.isUnresolved(exceptionsVisibilitySeconds) && exceptionsVisibilitySeconds < needed) {
    problems.push(`the exceptions queue's visibility timeout (${exceptionsVisibilitySeconds} s) must be at least ${needed} s, six times the starter's timeout`);
  }
  return problems;
}

/** Canonical events come only from our own adapters and workflows (as in lib/core/routing.ts). */
const CANONICAL_SOURCE = events.Match.prefix('logistics-sync.');

/**
 * The exception workflows of the stack (docs/architecture.md, "Shape"): the three state machines, the Lambda tasks they
 * share, the starter (exceptions queue → StartExecution, one execution per canonical event), the
 * notification topic, and the resolution path: a rule sends `case.resolved` and `shipment.delivered` to
 * the resolutions queue, whose consumer sends the waiting workflows their task tokens back.
 */
export class ExceptionWorkflows extends Construct {
  public readonly workflows: Readonly<Record<FlowName, ExceptionWorkflow>>;
  public readonly tasks: { readonly erp: NodeFunction; readonly cs: NodeFunction; readonly rules: NodeFunction };
  /** Exceptions queue → StartExecution (SQS event source, ReportBatchItemFailures). */
  public readonly starter: NodeFunction;
  /** Resolutions queue → SendTaskSuccess. */
  public readonly resolutionReleaser: NodeFunction;
  /** `case.resolved` and `shipment.delivered`, for the releaser. */
  public readonly resolutions: ReliableQueue;
  public readonly resolutionRule: events.Rule;
  /** `shipment.eta-updated` → exceptions queue, when routed here. */
  public readonly etaRule?: events.Rule;
  /** Customer and account-team notifications; subscribers filter on `audience`, `customerId`, `notificationType`. */
  public readonly notificationTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: ExceptionWorkflowsProps) {
    super(scope, id);
    const visibility: unknown = Stack.of(this).resolve((props.exceptions.queue.node.defaultChild as sqs.CfnQueue).visibilityTimeout);
    const problems = validateExceptionWorkflowsProps(props, typeof visibility === 'number' ? visibility : undefined);
    if (problems.length > 0) throw new Error(`ExceptionWorkflows ${this.node.path}: ${problems.join('; ')}`);
    const logRetention = props.logRetention;
    const recordTtl = props.recordTtl ?? Duration.days(180);

    const topicKey = new kms.Key(this, 'NotificationTopicKey', { description: 'Encrypts the exception notification topic', enableKeyRotation: true });
    this.notificationTopic = new sns.Topic(this, 'NotificationTopic', {
      displayName: 'logistics-sync exception notifications',
      masterKey: topicKey,
      enforceSSL: true,
    });

    const systemTask = (name: 'Erp' | 'Cs', entry: string, endpoint: SystemEndpoint) => {
      const fn = new NodeFunction(this, `${name}TaskFunction`, {
        entry,
        serviceName: `exception-workflow-${name.toLowerCase()}`,
        logRetention,
        environment: functionEnvironment({ TARGET_VENDOR: endpoint.vendor, API_BASE_URL: endpoint.apiBaseUrl, SECRET_NAME: endpoint.secretName, HTTP_TIMEOUT_MS: envDefault('HTTP_TIMEOUT_MS'), TOKEN_URL: endpoint.tokenUrl }),
      });
      secretsmanager.Secret.fromSecretNameV2(this, `${name}Secret`, endpoint.secretName).grantRead(fn);
      acknowledgeFunctionBaseline(fn);
      acknowledgeSynchronousFunction(fn, 'Step Functions');
      Validations.of(fn.role!).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${endpoint.secretName}-??????]`,
        reason: 'The secret is created outside the stack; its ARN ends in a random suffix, so the name-based ARN needs the ?????? wildcard. It matches this one secret only.',
      });
      return fn;
    };
    const thresholds = JSON.stringify(props.thresholds);
    const rules = new NodeFunction(this, 'RulesTaskFunction', {
      entry: FUNCTION_ENTRIES.workflowRules,
      serviceName: 'exception-workflow-rules',
      logRetention,
      // A wait item must outlive the longest wait (48 h) or its workflow could no longer be released.
      environment: functionEnvironment({ EXCEPTION_THRESHOLDS: thresholds, RECORD_TTL_DAYS: Math.max(MIN_RECORD_TTL_DAYS, Math.ceil(recordTtl.toDays())) }),
    });
    acknowledgeFunctionBaseline(rules);
    acknowledgeSynchronousFunction(rules, 'Step Functions');
    this.tasks = {
      erp: systemTask('Erp', FUNCTION_ENTRIES.workflowErpTask, props.erp),
      cs: systemTask('Cs', FUNCTION_ENTRIES.workflowCsTask, props.cs),
      rules,
    };
    // Enrich reads the order and the contract anyway: it records what they say about money (order value, currency,
    // penalty terms) on the shipment's state for the visibility API (lambdas/visibility, docs/visibility.md). The
    // exception status takes the ERP adapter's never-backwards guard item (its lease; skipped once "delivered").
    for (const [name, value] of Object.entries(functionEnvironment({ CORRELATION_TABLE: props.correlationTable.tableName, CORRELATION_TTL_SECONDS: recordTtl.toSeconds() }))) {
      this.tasks.erp.addEnvironment(name, value);
    }
    props.correlationTable.grant(this.tasks.erp, 'dynamodb:GetItem', 'dynamodb:UpdateItem');

    const workflowId: Record<FlowName, string> = {
      'temperature-excursion': 'TemperatureExcursion',
      delay: 'Delay',
      'failed-delivery': 'FailedDelivery',
    };
    this.workflows = Object.fromEntries(
      FLOWS.map((flow) => [
        flow,
        new ExceptionWorkflow(this, workflowId[flow], {
          flow,
          tasks: this.tasks,
          bus: props.bus,
          correlationTable: props.correlationTable,
          notificationTopic: this.notificationTopic,
          onCallTopic: props.onCallTopic,
          logRetention,
        }),
      ]),
    ) as Record<FlowName, ExceptionWorkflow>;

    // --- start: exceptions queue → one execution per canonical event ---
    this.starter = new NodeFunction(this, 'StarterFunction', {
      entry: FUNCTION_ENTRIES.workflowStarter,
      serviceName: 'exception-workflow-starter',
      timeout: EXCEPTION_STARTER_TIMEOUT,
      logRetention,
      environment: functionEnvironment({
        EXCEPTION_THRESHOLDS: thresholds,
        TEMPERATURE_EXCURSION_STATE_MACHINE_ARN: this.workflows['temperature-excursion'].stateMachine.stateMachineArn,
        DELAY_STATE_MACHINE_ARN: this.workflows.delay.stateMachine.stateMachineArn,
        FAILED_DELIVERY_STATE_MACHINE_ARN: this.workflows['failed-delivery'].stateMachine.stateMachineArn,
      }),
    });
    this.starter.addEventSource(
      new lambdaEventSources.SqsEventSource(props.exceptions.queue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: 5 }),
    );
    for (const workflow of Object.values(this.workflows)) workflow.stateMachine.grantStartExecution(this.starter);
    acknowledgeFunctionBaseline(this.starter);
    acknowledgeSqsConsumer(this.starter);

    // --- resolve: case.resolved / shipment.delivered → task tokens back to the waiting workflows ---
    this.resolutions = new ReliableQueue(this, 'Resolutions', {
      consumerTimeout: Duration.seconds(30),
      retentionPeriod: props.queueRetention,
      deadLetterRetentionPeriod: props.deadLetterRetention,
      alarmTopic: props.onCallTopic,
      purpose: 'the exception workflows waiting for resolution',
    });
    this.resolutionReleaser = new NodeFunction(this, 'ResolutionFunction', {
      entry: FUNCTION_ENTRIES.workflowResolution,
      serviceName: 'exception-workflow-resolution',
      timeout: Duration.seconds(30),
      logRetention,
      environment: functionEnvironment({ CORRELATION_TABLE: props.correlationTable.tableName }),
    });
    this.resolutionReleaser.addEventSource(new lambdaEventSources.SqsEventSource(this.resolutions.queue, { batchSize: 10, reportBatchItemFailures: true }));
    props.correlationTable.grant(this.resolutionReleaser, 'dynamodb:Query', 'dynamodb:DeleteItem');
    for (const workflow of Object.values(this.workflows)) workflow.stateMachine.grantTaskResponse(this.resolutionReleaser);
    acknowledgeFunctionBaseline(this.resolutionReleaser);
    acknowledgeSqsConsumer(this.resolutionReleaser);

    const ruleTarget = (queue: ReliableQueue) =>
      new targets.SqsQueue(queue.queue, { deadLetterQueue: queue.deadLetterQueue, maxEventAge: Duration.hours(6), retryAttempts: 100 });
    this.resolutionRule = new events.Rule(this, 'ResolutionsToWorkflows', {
      eventBus: props.bus,
      description: 'case.resolved / shipment.delivered → release the exception workflows waiting on them',
      eventPattern: { source: CANONICAL_SOURCE, detailType: ['case.resolved', 'shipment.delivered'] },
      targets: [ruleTarget(this.resolutions)],
    });
    if (props.routeEtaUpdates ?? true) {
      this.etaRule = new events.Rule(this, 'EtaUpdatesToWorkflows', {
        eventBus: props.bus,
        description: 'shipment.eta-updated → exceptions queue (the starter starts the delay workflow on a new breach only)',
        eventPattern: { source: CANONICAL_SOURCE, detailType: ['shipment.eta-updated'] },
        targets: [ruleTarget(props.exceptions)],
      });
    }
  }
}
