import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { loadCanonicalSchemas, toDraft4 } from '../schemas/catalog';
import type { StageConfig } from './config/stage-config';
import { CorrelationIndexer } from './correlation/correlation-indexer';
import { CanonicalBus } from './core/event-bus';
import { queueDefaults } from './core/defaults';
import { acknowledgeSubscriptionDeadLetterQueue } from './core/serverless-checks';
import { ErpReadBack } from './adapters/erp-read-back';
import { BusinessCentralReadBack, BusinessCentralSubscriptions, businessCentralEnvironment } from './adapters/business-central';
import { apiVendor } from '../registry/api-vendors';
import { webhookPath } from '../registry/vendors';
import { RUNBOOK } from '../registry/catalog';
import { ExceptionWorkflows } from './workflows/exception-workflow';
import { FileIntake } from './adapters/file-intake';
import { fileIntake } from '../registry/file-intakes';
import { InboundAdapter } from './adapters/inbound-adapter';
import { maintenanceAllowances, Monitoring } from './monitoring/monitoring';
import { OutboundAdapter } from './adapters/outbound-adapter';
import { Powertools } from './core/powertools';
import { Routing } from './core/routing';
import { Tables } from './core/tables';
import { TraceApi } from './correlation/trace-api';
import { VisibilityApi } from './correlation/visibility-api';
import { WebhookApi, type WebhookIngress } from './adapters/webhook-api';
import { WebhookHttpApi } from './adapters/webhook-http-api';
import { RECONCILED_SYSTEMS, SYSTEMS, type SystemName } from '../registry/systems';
import { ReconciliationSweep } from './reconciliation/reconciliation-sweep';
import { FleetAlertRecheck } from './adapters/alert-recheck';

/** `x12-214` → `X12214`: a name as part of an output's logical id (letters and digits only). */
function pascal(name: string): string {
  return name.split(/[^A-Za-z0-9]+/).map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
}

export interface LogisticsSyncStackProps extends StackProps {
  /** Validated stage configuration (read once in bin/app.ts). */
  readonly config: StageConfig;
}

/**
 * The whole integration stack for one stage. This file only wires constructs together; each concept
 * (bus, tables, queues, adapters, workflows, monitoring) lives in its own construct.
 */
export class LogisticsSyncStack extends Stack {
  public readonly config: StageConfig;
  public readonly canonicalBus: CanonicalBus;
  public readonly tables: Tables;
  public readonly onCallTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: LogisticsSyncStackProps) {
    super(scope, id, props);
    this.config = props.config;
    const { config } = props;
    // Before any function: every NodeFunction reads it (layer + externals, or bundled).
    Powertools.configure(this, config.powertools ?? 'layer', config.logLevel);

    this.canonicalBus = new CanonicalBus(this, 'Events', {
      archiveRetention: Duration.days(config.retention.eventArchiveDays),
      schemas: loadCanonicalSchemas().map((s) => ({ eventType: s.eventType, version: s.version, content: toDraft4(s.schema) })),
    });
    this.tables = new Tables(this, 'Tables');

    const topicKey = new kms.Key(this, 'OnCallTopicKey', {
      description: 'Encrypts the on-call SNS topic',
      enableKeyRotation: true,
    });
    this.onCallTopic = new sns.Topic(this, 'OnCallTopic', {
      displayName: `logistics-sync ${config.stage} on-call`,
      masterKey: topicKey,
      enforceSSL: true,
    });
    // An alarm notification SNS cannot deliver to the email (an address that bounces, a mailbox that refuses) would be
    // dropped: it waits here instead. Monitoring alarms on it, shows it on the dashboard and `lsync health` reports it
    // (docs/runbook.md#alarm-notifications-undelivered). SSE-SQS: SNS needs no key permission to send to it.
    const undeliveredAlarms = new sqs.Queue(this, 'OnCallUndelivered', {
      ...queueDefaults(),
      retentionPeriod: Duration.days(config.retention.dlqRetentionDays),
    });
    acknowledgeSubscriptionDeadLetterQueue(undeliveredAlarms, 'the "alarm notifications undelivered" alarm');
    this.onCallTopic.addSubscription(new subscriptions.EmailSubscription(config.onCallEmail, { deadLetterQueue: undeliveredAlarms }));

    // --- SAP S/4HANA read-back (lib/adapters/erp-read-back.ts) ---
    // Thin SAP sales-order events → queue → API_SALES_ORDER_SRV → order.released; not found → its DLQ, with the reason.
    const sapReadBack = new ErpReadBack(this, 'SapReadBack', {
      config: config.systems.erp,
      bus: this.canonicalBus.bus,
      alarmTopic: this.onCallTopic,
      queueRetention: Duration.days(config.retention.queueRetentionDays),
      deadLetterRetention: Duration.days(config.retention.dlqRetentionDays),
      logRetention: config.retention.logRetentionDays,
    });

    // --- temperature alert recheck (lib/adapters/alert-recheck.ts) ---
    // A Samsara alert on an asset the index does not know a shipment on yet → delayed queue → checked again for ~15 min.
    const alertRecheck = new FleetAlertRecheck(this, 'AlertRecheck', {
      config: config.systems.fleet,
      bus: this.canonicalBus.bus,
      correlationTable: this.tables.correlationTable,
      alarmTopic: this.onCallTopic,
      queueRetention: Duration.days(config.retention.queueRetentionDays),
      deadLetterRetention: Duration.days(config.retention.dlqRetentionDays),
      logRetention: config.retention.logRetentionDays,
    });

    // --- Business Central read-back (lib/adapters/business-central.ts), when BC is the ERP ---
    // BC's thin sales order notifications → queue → API v2.0 → order.released; not found → its DLQ, with the reason.
    const businessCentral = apiVendor('erp', config.systems.erp.vendor).name === 'business-central';
    const bcReadBack = businessCentral
      ? new BusinessCentralReadBack(this, 'ErpBcReadBack', {
          config: config.systems.erp,
          bus: this.canonicalBus.bus,
          alarmTopic: this.onCallTopic,
          queueRetention: Duration.days(config.retention.queueRetentionDays),
          deadLetterRetention: Duration.days(config.retention.dlqRetentionDays),
          logRetention: config.retention.logRetentionDays,
        })
      : undefined;

    // --- inbound webhooks (API Gateway + one inbound adapter per source system) ---
    // Vendor webhooks → verify, validate, map, dedupe → canonical events on the bus (lib/adapters/webhook-api.ts, docs/webhooks.md).
    const inbound = SYSTEMS.map((system) => ({
      adapter: new InboundAdapter(this, `${system.charAt(0).toUpperCase()}${system.slice(1)}Inbound`, {
        system,
        bus: this.canonicalBus.bus,
        idempotencyTable: this.tables.idempotencyTable,
        secretName: config.systems[system].secretName,
        maxBodyBytes: config.webhooks.maxBodyBytes,
        timestampTolerance: Duration.seconds(config.webhooks.timestampToleranceSeconds),
        idempotencyTtl: Duration.hours(config.retention.idempotencyTtlHours),
        logRetention: config.retention.logRetentionDays,
        // The ERP adapter hands SAP's thin sales-order events to the read-back queue; the fleet adapter reads a
        // temperature alert's reading from the fleet API and the shipments on the alerting asset from the index; the
        // CS adapter of a Freshdesk stage reads a resolved ticket's stats (its time: the fact the CS sweep also reads).
        environment:
          system === 'erp'
            ? { READ_BACK_QUEUE_URL: sapReadBack.queue.queueUrl, ...(bcReadBack ? { BC_READ_BACK_QUEUE_URL: bcReadBack.queue.queueUrl } : {}) }
            : system === 'fleet'
              ? { API_BASE_URL: config.systems.fleet.apiBaseUrl, HTTP_TIMEOUT_MS: '3000', ALERT_RECHECK_QUEUE_URL: alertRecheck.queue.queueUrl }
              : apiVendor('cs', config.systems.cs.vendor).name === 'freshdesk'
                ? { TARGET_VENDOR: 'freshdesk', API_BASE_URL: config.systems.cs.apiBaseUrl, HTTP_TIMEOUT_MS: '3000' }
                : undefined,
        ...(system === 'fleet' ? { correlationTable: this.tables.correlationTable } : {}),
      }),
      throttle: config.systems[system].webhook,
    }));
    const erpInbound = inbound.find((i) => i.adapter.system === 'erp')!.adapter.handler;
    sapReadBack.grantEnqueue(erpInbound);
    bcReadBack?.grantEnqueue(erpInbound);
    alertRecheck.grantEnqueue(inbound.find((i) => i.adapter.system === 'fleet')!.adapter.handler);
    // A REST API by default; an HTTP API where the stage chooses it (cheaper, fewer gateway features: docs/webhooks.md).
    // Per-method and per-route metrics, which API Gateway bills as custom metrics (stage `apiDetailedMetrics`).
    // The access log is kept as long as the functions' logs (stage `retention.logRetentionDays`).
    const detailedMetrics = config.apiDetailedMetrics ?? true;
    const webhookApiProps = { systems: inbound, detailedMetrics, accessLogRetention: config.retention.logRetentionDays };
    const webhookApi: WebhookIngress = config.webhooks.api === 'http' ? new WebhookHttpApi(this, 'WebhookHttp', webhookApiProps) : new WebhookApi(this, 'Webhooks', webhookApiProps);
    new CfnOutput(this, 'WebhookBaseUrl', { value: webhookApi.url, description: 'POST <url>webhooks/<system>/<dialect> (docs/webhooks.md)' });
    // BC notifies only while subscribed: a schedule creates the subscription and renews it before BC's three days run out.
    const bcSubscriptions = businessCentral
      ? new BusinessCentralSubscriptions(this, 'ErpBcSubscriptions', {
          config: config.systems.erp,
          notificationUrl: webhookApi.urlForPath(webhookPath('erp', 'business-central')),
          logRetention: config.retention.logRetentionDays,
        })
      : undefined;
    if (bcSubscriptions) {
      new CfnOutput(this, 'BcSubscriptionsFunctionName', { value: bcSubscriptions.handler.functionName, description: 'Invoke once after the first deploy to subscribe at once (the schedule runs every 12 hours)' });
    }

    // --- file intakes (lib/adapters/file-intake.ts, docs/edi.md) ---
    // Trading partners' files (EDI) → bucket prefix → S3 event notification → queue → parse, map, acknowledge.
    for (const [name, intakeConfig] of Object.entries(config.fileIntakes ?? {})) {
      const intake = new FileIntake(this, `FileIntake-${name}`, {
        intake: fileIntake(name),
        config: intakeConfig,
        stage: config.stage,
        bus: this.canonicalBus.bus,
        idempotencyTable: this.tables.idempotencyTable,
        alarmTopic: this.onCallTopic,
        queueRetention: Duration.days(config.retention.queueRetentionDays),
        deadLetterRetention: Duration.days(config.retention.dlqRetentionDays),
        logRetention: config.retention.logRetentionDays,
      });
      new CfnOutput(this, `FileIntakeBucket${pascal(name)}`, { value: intake.bucket.bucketName, description: `${name}: partners' files under ${fileIntake(name).inboundPrefix}, acknowledgements under ${fileIntake(name).acknowledgementPrefix}` });
      if (intake.transferServer) new CfnOutput(this, `FileIntakeSftpServer${pascal(name)}`, { value: intake.transferServer.server.attrServerId });
      if (intake.as2Server) new CfnOutput(this, `FileIntakeAs2Server${pascal(name)}`, { value: intake.as2Server.server.attrServerId });
    }

    // --- routing rules, outbound adapters and the correlation indexer ---
    // Outbound adapters (one per target system), the correlation indexer, the rules feeding them, and the trace API.
    // `routing.exceptionsQueue` (a ReliableQueue) receives shipment.exception-raised for the exception workflows.
    const queueRetention = {
      queueRetention: Duration.days(config.retention.queueRetentionDays),
      deadLetterRetention: Duration.days(config.retention.dlqRetentionDays),
    };
    const outbound = Object.fromEntries(
      SYSTEMS.map((system) => [
        system,
        new OutboundAdapter(this, `${system.charAt(0).toUpperCase()}${system.slice(1)}Outbound`, {
          system,
          config: config.systems[system],
          bus: this.canonicalBus.bus,
          idempotencyTable: this.tables.idempotencyTable,
          correlationTable: this.tables.correlationTable,
          alarmTopic: this.onCallTopic,
          idempotencyTtl: Duration.hours(config.retention.idempotencyTtlHours),
          correlationTtl: Duration.days(config.retention.correlationTtlDays),
          logRetention: config.retention.logRetentionDays,
          ...queueRetention,
        }),
      ]),
    ) as Record<SystemName, OutboundAdapter>;
    const indexer = new CorrelationIndexer(this, 'CorrelationIndexer', {
      correlationTable: this.tables.correlationTable,
      alertCheckQueue: alertRecheck.queue,
      alarmTopic: this.onCallTopic,
      ttl: Duration.days(config.retention.correlationTtlDays),
      logRetention: config.retention.logRetentionDays,
      ...queueRetention,
    });
    const routing = new Routing(this, 'Routing', {
      bus: this.canonicalBus.bus,
      fleet: outbound.fleet.reliableQueue,
      erp: outbound.erp.reliableQueue,
      cs: outbound.cs.reliableQueue,
      ledger: indexer.reliableQueue,
      alarmTopic: this.onCallTopic,
      ...queueRetention,
    });
    const traceApi = new TraceApi(this, 'TraceApi', {
      correlationTable: this.tables.correlationTable,
      // One account-level CloudWatch role setting per stack: the webhook API's.
      cloudWatchAccount: webhookApi.cloudWatchAccount,
      detailedMetrics,
      logRetention: config.retention.logRetentionDays,
    });
    new CfnOutput(this, 'TraceApiUrl', { value: traceApi.traceUrl, description: 'GET <url><id> (SigV4, execute-api)' });
    new CfnOutput(this, 'ExceptionsQueueUrl', { value: routing.exceptionsQueue.queue.queueUrl });

    // --- operational visibility (lib/correlation/visibility-api.ts, docs/visibility.md) ---
    // The page and its API for operations, finance and service: deliveries in trouble, revenue at risk, cases, timelines.
    const visibility = new VisibilityApi(this, 'Visibility', {
      correlationTable: this.tables.correlationTable,
      // Unique per account, region and stage, as Cognito domains must be.
      authDomainPrefix: `lsync-${config.stage.toLowerCase().replace(/[^a-z0-9-]/g, '-')}-${this.account}`,
      cloudWatchAccount: webhookApi.cloudWatchAccount ?? traceApi.cloudWatchAccount,
      detailedMetrics,
      logRetention: config.retention.logRetentionDays,
    });
    new CfnOutput(this, 'VisibilityPageUrl', { value: visibility.pageUrl, description: 'The visibility page (sign in with a user of VisibilityUserPoolId)' });
    new CfnOutput(this, 'VisibilityUserPoolId', { value: visibility.userPool.userPoolId, description: 'Who may read the visibility page: add users here (docs/visibility.md)' });

    // --- exception workflows (Step Functions) ---
    // shipment.exception-raised (and shipment.eta-updated) → one Step Functions execution per canonical event;
    // case.resolved / shipment.delivered release the waiting workflows (lib/workflows/exception-workflow.ts, docs/workflows.md).
    const workflows = new ExceptionWorkflows(this, 'ExceptionWorkflows', {
      bus: this.canonicalBus.bus,
      correlationTable: this.tables.correlationTable,
      exceptions: routing.exceptionsQueue,
      onCallTopic: this.onCallTopic,
      thresholds: config.exceptions,
      erp: config.systems.erp,
      cs: config.systems.cs,
      recordTtl: Duration.days(config.retention.correlationTtlDays),
      logRetention: config.retention.logRetentionDays,
      ...queueRetention,
    });
    // The company, ship-from location and custom API path of a BC ERP reach every function that calls it.
    if (businessCentral) {
      for (const fn of [outbound.erp.handler, workflows.tasks.erp]) {
        for (const [name, value] of Object.entries(businessCentralEnvironment(config.systems.erp))) fn.addEnvironment(name, value);
      }
    }
    // Degraded mode: a system unreachable beyond its notice time is told to the account team (customer service
    // by default), once at the start and once at the end (docs/runbook.md, "Degraded mode").
    for (const system of SYSTEMS) {
      const minutes = config.systems[system].outbound.degradedNoticeMinutes ?? (system === 'cs' ? 15 : undefined);
      if (minutes !== undefined) outbound[system].notifyWhenDegraded(workflows.notificationTopic, Duration.minutes(minutes));
    }

    // --- reconciliation (lib/reconciliation/reconciliation-sweep.ts, docs/reconciliation.md) ---
    // Per system, a schedule → queue → function that reads the shipments in flight from the vendor's API and publishes
    // the milestones whose webhooks never came, with the ids those webhooks would have produced.
    const schedulerRole = new iam.Role(this, 'ReconciliationSchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': this.account } } }),
      description: 'EventBridge Scheduler sends the reconciliation sweeps\' messages to their queues',
    });
    // A vendor the sweep cannot read (registry/api-vendors.ts notSwept) gets no sweep for its system.
    const sweeps = RECONCILED_SYSTEMS.filter((system) => !apiVendor(system, config.systems[system].vendor).notSwept).map(
      (system) =>
        new ReconciliationSweep(this, `${system.charAt(0).toUpperCase()}${system.slice(1)}Reconciliation`, {
          system,
          config: config.systems[system],
          bus: this.canonicalBus.bus,
          correlationTable: this.tables.correlationTable,
          schedulerRole,
          alarmTopic: this.onCallTopic,
          logRetention: config.retention.logRetentionDays,
          ...queueRetention,
        }),
    );

    // --- monitoring (alarms, dashboard) ---
    // Covers every ReliableQueue, state machine, REST API and function created above; a resource added after
    // this point fails synthesis with a message saying so.
    const monitoring = new Monitoring(this, 'Monitoring', {
      stage: config.stage,
      alarmTopic: this.onCallTopic,
      queueAgeAllowances: maintenanceAllowances(config),
    })
      .monitorScope(this)
      .monitorDrift(sweeps);
    if (bcSubscriptions) {
      monitoring.monitorScheduledJob({ schedule: bcSubscriptions.schedule, handler: bcSubscriptions.handler, name: 'erp-bc-subscriptions', runbookAnchor: RUNBOOK.bcSubscriptionRenewalFailed });
    }

    new CfnOutput(this, 'EventBusName', { value: this.canonicalBus.bus.eventBusName });
    new CfnOutput(this, 'EventArchiveName', { value: this.canonicalBus.archive.archiveName });
    new CfnOutput(this, 'IdempotencyTableName', { value: this.tables.idempotencyTable.tableName });
    new CfnOutput(this, 'CorrelationTableName', { value: this.tables.correlationTable.tableName });
    new CfnOutput(this, 'OnCallTopicArn', { value: this.onCallTopic.topicArn });
  }
}
