import { Aws, Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambdaEventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cxapi from 'aws-cdk-lib/cx-api';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { METRIC_NAMES, METRICS_NAMESPACE, RUNBOOK, runbookLink } from '../../registry/catalog';
import type { FileIntakeEntry } from '../../registry/file-intakes';
import { envDefault, functionEnvironment, FUNCTION_ENTRIES } from '../../registry/functions';
import type { FileIntakeConfig } from '../config/stage-config';
import { NodeFunction } from '../core/defaults';
import { ReliableQueue } from '../core/reliable-queue';
import { acknowledgeSqsConsumer } from '../core/serverless-checks';
import { acknowledgeFunctionBaseline } from './outbound-adapter';
import { As2Server } from './as2-server';
import { B2biInbound } from './b2bi-inbound';
import { TransferServer } from './transfer-server';

export interface FileIntakeProps {
  /** The registry entry (registry/file-intakes.ts) and its name. */
  readonly intake: FileIntakeEntry & { readonly name: string };
  /** The stage's configuration of the intake: our interchange id, the trading partners, the Transfer Family option. */
  readonly config: FileIntakeConfig;
  readonly stage: string;
  /** The bus canonical events are published to. */
  readonly bus: events.IEventBus;
  /** Interchange control numbers are remembered here (the Powertools idempotency table). */
  readonly idempotencyTable: dynamodb.ITable;
  /** Topic of the alarms (DLQ not empty, files rejected). @default - alarms without actions */
  readonly alarmTopic?: sns.ITopic;
  /** @default Duration.days(4) */
  readonly queueRetention?: Duration;
  /** @default Duration.days(14) */
  readonly deadLetterRetention?: Duration;
  /** @default - the NodeFunction default (one month) */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * A file-based intake (EDI): trading partners' files land under the intake's prefix of a versioned bucket (through
 * the optional Transfer Family SFTP server, your own gateway, or a VAN); S3 event notifications send each new
 * object to a ReliableQueue; the intake's function reads the file, publishes canonical events and writes the
 * acknowledgement under the acknowledgement prefix. Files are never deleted or overwritten by the stack (versioning
 * keeps a partner's overwrite too); a rejected file stays where it landed and its reason is written beside the
 * acknowledgement. An alarm fires when a file is rejected.
 *
 * The notification is the bucket's own `NotificationConfiguration` (no custom resource): the bucket depends on the
 * queue policy that lets S3 send, and the bucket's name is fixed (stage, intake, account, region) so that policy can
 * name the bucket without a reference cycle.
 */
export class FileIntake extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly reliableQueue: ReliableQueue;
  public readonly handler: NodeFunction;
  public readonly rejectedAlarm: cloudwatch.Alarm;
  public readonly transferServer?: TransferServer;
  public readonly as2Server?: As2Server;
  /** With the stage's `b2bi` option: AWS B2B Data Interchange in front of the function (lib/adapters/b2bi-inbound.ts). */
  public readonly b2bi?: B2biInbound;
  /** With `b2bi`: the S3 notifications of files in B2BI folders, delayed 15 minutes, in case B2BI's event never comes. */
  public readonly b2biWatchdog?: ReliableQueue;
  /** With AS2 partners that take their acknowledgements over AS2: the queue of new acknowledgements and its sender. */
  public readonly as2Acknowledgements?: ReliableQueue;
  public readonly as2Sender?: NodeFunction;

  constructor(scope: Construct, id: string, props: FileIntakeProps) {
    super(scope, id);
    // Server access logs are delivered under a bucket policy, not the legacy LogDeliveryWrite ACL (this construct's
    // buckets only; the flag is what `cdk init` sets for new apps).
    this.node.setContext(cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    const { intake, config } = props;
    const timeout = Duration.seconds(60);
    const stack = Stack.of(this);

    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(accessLogs).acknowledge({ id: 'AwsSolutions-S1', reason: 'This bucket holds the intake bucket\'s server access logs; logging it would log the logs.' });

    const bucketName = Fn.join('-', ['lsync', props.stage.toLowerCase().replace(/[^a-z0-9-]/g, '-'), intake.name, Aws.ACCOUNT_ID, Aws.REGION]);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName,
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'intake/',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.reliableQueue = new ReliableQueue(this, 'Files', {
      consumerTimeout: timeout,
      retentionPeriod: props.queueRetention,
      deadLetterRetentionPeriod: props.deadLetterRetention,
      alarmTopic: props.alarmTopic,
      purpose: `the ${intake.title} file intake`,
    });
    const queue = this.reliableQueue.queue;
    const bucketArn = stack.formatArn({ service: 's3', region: '', account: '', resource: bucketName });
    const cfnBucket = this.bucket.node.defaultChild as s3.CfnBucket;
    const notifications: s3.CfnBucket.QueueConfigurationProperty[] = [];
    cfnBucket.notificationConfiguration = { queueConfigurations: notifications };
    /** New objects whose keys match `rules` go to `target`; S3 checks that it may send when the configuration is created. */
    const notify = (target: sqs.Queue, rules: { name: 'prefix' | 'suffix'; value: string }[]) => {
      target.addToResourcePolicy(
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
          actions: ['sqs:SendMessage'],
          resources: [target.queueArn],
          conditions: { ArnEquals: { 'aws:SourceArn': bucketArn }, StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
        }),
      );
      notifications.push({ event: 's3:ObjectCreated:*', queue: target.queueArn, filter: { s3Key: { rules } } });
      const queuePolicy = target.node.tryFindChild('Policy');
      if (!queuePolicy) throw new Error(`FileIntake ${this.node.path}: the queue has no resource policy to depend on`);
      cfnBucket.node.addDependency(queuePolicy);
    };
    notify(queue, [{ name: 'prefix', value: intake.inboundPrefix }]);

    this.handler = new NodeFunction(this, 'Handler', {
      entry: FUNCTION_ENTRIES.fileIntake(intake.system, intake.name),
      serviceName: `${intake.system}-files-${intake.name}`,
      timeout,
      memorySize: 512,
      logRetention: props.logRetention,
      environment: functionEnvironment({
        EVENT_BUS_NAME: props.bus.eventBusName,
        IDEMPOTENCY_TABLE: props.idempotencyTable.tableName,
        INTAKE_BUCKET: this.bucket.bucketName,
        // What the function needs of a partner (ids, SCAC, zone): not its SSH key nor its AS2 certificates (4 KB of environment).
        TRADING_PARTNERS: JSON.stringify({ receiver: config.receiver, partners: config.partners.map(({ sshPublicKey: _key, as2: _as2, contact: _contact, ...partner }) => partner) }),
        FILE_DEDUPE_TTL_SECONDS: envDefault('FILE_DEDUPE_TTL_SECONDS'),
      }),
    });
    this.handler.addEventSource(new lambdaEventSources.SqsEventSource(queue, { batchSize: 5, reportBatchItemFailures: true, maxConcurrency: 2 }));

    // Read what lands, write acknowledgements and rejection reasons: nothing else, and never delete.
    const b2biEnabled = config.b2bi?.enabled === true;
    const readable = [intake.inboundPrefix, ...(b2biEnabled ? [intake.b2bi.inputPrefix] : [])];
    this.handler.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: readable.map((prefix) => this.bucket.arnForObjects(`${prefix}*`)) }));
    this.handler.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [this.bucket.arnForObjects(`${intake.acknowledgementPrefix}*`), this.bucket.arnForObjects(`${intake.rejectionPrefix}*`)] }),
    );
    props.bus.grantPutEventsTo(this.handler);
    props.idempotencyTable.grant(this.handler, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');

    acknowledgeFunctionBaseline(this.handler);
    acknowledgeSqsConsumer(this.handler);
    const bucketId = stack.getLogicalId(cfnBucket);
    for (const prefix of [...readable, intake.acknowledgementPrefix, intake.rejectionPrefix]) {
      Validations.of(this.handler.role!).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${prefix}*]`,
        reason: `Objects under the intake's own ${prefix} prefix of its own bucket: the keys are named after the partners' files, unknown in advance.`,
      });
    }

    this.rejectedAlarm = new cloudwatch.Alarm(this, 'RejectedAlarm', {
      metric: new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: METRIC_NAMES.filesRejected,
        dimensionsMap: { intake: intake.name, service: `${intake.system}-files-${intake.name}` },
        period: Duration.minutes(5),
        statistic: 'Sum',
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `A ${intake.title} file was rejected (malformed, unknown partner or duplicate control number) and answered with a rejecting acknowledgement. ${runbookLink(RUNBOOK.filesRejected)}`,
    });
    if (props.alarmTopic) this.rejectedAlarm.addAlarmAction(new cwActions.SnsAction(props.alarmTopic));

    if (b2biEnabled) {
      this.b2bi = new B2biInbound(this, 'B2bi', { intake, config: config.b2bi!, partners: config.partners, stage: props.stage, bucket: this.bucket, bucketName, queue: this.reliableQueue });
      // The safety net: B2BI's events are delivered best effort, so the S3 notification of each file in a B2BI folder
      // also reaches the function, 15 minutes later (SQS's longest delay); a file its B2BI event brought already is
      // skipped (one idempotency record per file version), one whose event never came is read then.
      this.b2biWatchdog = new ReliableQueue(this, 'B2biWatchdog', {
        consumerTimeout: timeout,
        deliveryDelay: Duration.minutes(15),
        retentionPeriod: props.queueRetention,
        deadLetterRetentionPeriod: props.deadLetterRetention,
        alarmTopic: props.alarmTopic,
        purpose: `the ${intake.title} files in B2BI folders whose B2BI event did not come`,
      });
      notify(this.b2biWatchdog.queue, [{ name: 'prefix', value: intake.b2bi.inputPrefix }]);
      this.handler.addEventSource(new lambdaEventSources.SqsEventSource(this.b2biWatchdog.queue, { batchSize: 5, reportBatchItemFailures: true, maxConcurrency: 2 }));
      acknowledgeSqsConsumer(this.handler);
    }
    // With B2BI in front, the servers put a partner's files in its B2BI input folder and take its 997s from its output one.
    const b2bi = this.b2bi;
    const b2biFolders = b2bi ? { b2biFoldersOf: (partner: { name: string }) => b2bi.foldersOf(partner.name) } : {};
    if (config.transferServer?.enabled) {
      this.transferServer = new TransferServer(this, 'TransferServer', {
        bucket: this.bucket,
        prefix: intake.inboundPrefix,
        acknowledgementPrefix: intake.acknowledgementPrefix,
        partners: config.partners,
        logRetention: props.logRetention,
        ...b2biFolders,
      });
    }
    if (config.as2Server) {
      this.as2Server = new As2Server(this, 'As2Server', {
        bucket: this.bucket,
        prefix: intake.inboundPrefix,
        acknowledgementPrefix: intake.acknowledgementPrefix,
        ...b2biFolders,
        config: config.as2Server,
        partners: config.partners,
        alarmTopic: props.alarmTopic,
        logRetention: props.logRetention,
      });
      const connectors = Object.entries(this.as2Server.connectors);
      if (connectors.length > 0) {
        // The acknowledgements of AS2 partners go back over AS2 (lambdas/fleet/files/edi/as2-send.ts). Only `.997`
        // objects are notified: the status JSON and MDN the connector writes beside each one never come back.
        this.as2Acknowledgements = new ReliableQueue(this, 'As2Acknowledgements', {
          consumerTimeout: Duration.seconds(30),
          retentionPeriod: props.queueRetention,
          deadLetterRetentionPeriod: props.deadLetterRetention,
          alarmTopic: props.alarmTopic,
          purpose: `the ${intake.title} acknowledgements sent over AS2`,
        });
        // With B2BI, the 997s are B2BI's: its Acknowledgement Completed events name them (lib/adapters/b2bi-inbound.ts).
        if (this.b2bi) this.b2bi.routeAcknowledgements(this.as2Acknowledgements);
        else {
          notify(this.as2Acknowledgements.queue, [
            { name: 'prefix', value: intake.acknowledgementPrefix },
            { name: 'suffix', value: '.997' },
          ]);
        }
        this.as2Sender = new NodeFunction(this, 'As2Sender', {
          entry: FUNCTION_ENTRIES.fileIntakeAs2Send(intake.system, intake.name),
          serviceName: `${intake.system}-files-${intake.name}-as2-send`,
          timeout: Duration.seconds(30),
          logRetention: props.logRetention,
          environment: functionEnvironment({
            AS2_CONNECTORS: stack.toJsonString(Object.fromEntries(connectors.map(([partner, connector]) => [partner, connector.attrConnectorId]))),
            ...(this.b2bi ? { B2BI_TRADING_PARTNERS: this.b2bi.tradingPartnerIds() } : {}),
            IDEMPOTENCY_TABLE: props.idempotencyTable.tableName,
            FILE_DEDUPE_TTL_SECONDS: envDefault('FILE_DEDUPE_TTL_SECONDS'),
          }),
        });
        this.as2Sender.addEventSource(new lambdaEventSources.SqsEventSource(this.as2Acknowledgements.queue, { batchSize: 5, reportBatchItemFailures: true, maxConcurrency: 2 }));
        this.as2Sender.addToRolePolicy(new iam.PolicyStatement({ actions: ['transfer:StartFileTransfer'], resources: connectors.map(([, connector]) => connector.attrArn) }));
        props.idempotencyTable.grant(this.as2Sender, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
        acknowledgeFunctionBaseline(this.as2Sender);
        acknowledgeSqsConsumer(this.as2Sender);
      }
    }
  }
}
