import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { loadCanonicalSchemas, toDraft4 } from '../schemas/catalog';
import type { StageConfig } from './config/stage-config';
import { CanonicalBus } from './event-bus';
import { Tables } from './tables';

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
    this.onCallTopic.addSubscription(new subscriptions.EmailSubscription(config.onCallEmail));

    // --- inbound webhooks (API Gateway + one inbound adapter per source system) ---

    // --- routing rules, outbound adapters and the correlation indexer ---

    // --- exception workflows (Step Functions) ---

    // --- monitoring (alarms, dashboard) ---

    new CfnOutput(this, 'EventBusName', { value: this.canonicalBus.bus.eventBusName });
    new CfnOutput(this, 'EventArchiveName', { value: this.canonicalBus.archive.archiveName });
    new CfnOutput(this, 'IdempotencyTableName', { value: this.tables.idempotencyTable.tableName });
    new CfnOutput(this, 'CorrelationTableName', { value: this.tables.correlationTable.tableName });
    new CfnOutput(this, 'OnCallTopicArn', { value: this.onCallTopic.topicArn });
  }
}
