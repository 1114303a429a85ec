import { Aws, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as b2bi from 'aws-cdk-lib/aws-b2bi';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { FileIntakeEntry } from '../../registry/file-intakes';
import type { B2biConfig, TradingPartner } from '../config/stage-config';
import type { ReliableQueue } from '../core/reliable-queue';
import type { PartnerFolders } from './transfer-server';

export interface B2biInboundProps {
  /** The registry entry of the intake (its B2BI prefixes) and its name. */
  readonly intake: FileIntakeEntry & { readonly name: string };
  readonly config: B2biConfig;
  readonly partners: readonly TradingPartner[];
  readonly stage: string;
  /** The intake bucket: B2BI reads partners' files under `intake.b2bi.inputPrefix`, writes under `outputPrefix`. */
  readonly bucket: s3.Bucket;
  /**
   * The bucket's name as the stack fixes it (not a reference to the bucket): the bucket waits for the intake queue's
   * policy, which names this rule, so the rule must not wait for the bucket.
   */
  readonly bucketName: string;
  /** The intake's queue: B2BI's transformation events for this bucket are delivered to it, or to its DLQ. */
  readonly queue: ReliableQueue;
}

/**
 * AWS B2B Data Interchange in front of a file intake (stage `fileIntakes.<name>.b2bi`, docs/edi.md): our profile,
 * an inbound X12 214 (4010) transformer and trading capability reading `b2bi.inputPrefix` and writing to
 * `b2bi.outputPrefix` of the intake bucket, and one partnership per trading partner (its 997 and TA1 as the stage
 * says). B2BI reads a partner's files under `<inputPrefix><trading partner id>/` ("a trading partner ID is added as a
 * new prefix to the input and outbound directories", https://docs.aws.amazon.com/b2bi/latest/userguide/transform-inbound-variations.html; the ids are in the
 * `FileIntakeB2biPartners` output; the stack's SFTP server homes each partner there), writes its acknowledgements, and sends `Transformation Completed` / `Failed` to the
 * default event bus; a rule sends those of this bucket and transaction set to the intake's queue, where the same
 * function reads the input file the event names (lambdas/fleet/files/edi/b2bi-event.ts) and writes no acknowledgement
 * of its own. What B2BI needs of the bucket, from its prerequisites page
 * (https://docs.aws.amazon.com/b2bi/latest/userguide/b2bi-prereq.html): EventBridge notifications on, and a policy
 * letting `b2bi.amazonaws.com` read the input and write (and clean up) the output, for this account only.
 * Resources: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/AWS_B2BI.html
 */
export class B2biInbound extends Construct {
  public readonly profile: b2bi.CfnProfile;
  public readonly transformer: b2bi.CfnTransformer;
  public readonly capability: b2bi.CfnCapability;
  public readonly partnerships: Readonly<Record<string, b2bi.CfnPartnership>>;
  public readonly rule: events.Rule;
  private readonly bucketName: string;
  private readonly stackOf: Stack;
  private readonly inputPrefix: string;
  private readonly outputPrefix: string;

  constructor(scope: Construct, id: string, props: B2biInboundProps) {
    super(scope, id);
    const { intake, config, bucket } = props;
    const { inputPrefix, outputPrefix } = intake.b2bi;
    this.bucketName = props.bucketName;
    this.stackOf = Stack.of(this);
    this.inputPrefix = inputPrefix;
    this.outputPrefix = outputPrefix;
    const name = (what: string) => `lsync-${props.stage}-${intake.name}-${what}`.slice(0, 254);
    const x12 = { transactionSet: 'X12_214', version: 'VERSION_4010' };

    // What B2BI needs of the bucket (its prerequisites page): EventBridge notifications, and its service principal
    // reading the input and writing the output, for this account's B2BI resources only.
    const cfnBucket = bucket.node.defaultChild as s3.CfnBucket;
    const notifications = (cfnBucket.notificationConfiguration ?? {}) as s3.CfnBucket.NotificationConfigurationProperty;
    cfnBucket.notificationConfiguration = { ...notifications, eventBridgeConfiguration: { eventBridgeEnabled: true } };
    const principal = new iam.ServicePrincipal('b2bi.amazonaws.com');
    const conditions = { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } };
    bucket.addToResourcePolicy(new iam.PolicyStatement({ principals: [principal], actions: ['s3:GetObject', 's3:GetObjectAttributes'], resources: [bucket.arnForObjects(`${inputPrefix}*`)], conditions }));
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({ principals: [principal], actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'], resources: [bucket.arnForObjects(`${outputPrefix}*`)], conditions }),
    );

    this.profile = new b2bi.CfnProfile(this, 'Profile', {
      name: name('profile'),
      businessName: config.profile.businessName,
      phone: config.profile.phone,
      ...(config.profile.email ? { email: config.profile.email } : {}),
      logging: 'ENABLED',
    });
    this.transformer = new b2bi.CfnTransformer(this, 'Transformer', {
      name: name('214-in'),
      status: 'active',
      inputConversion: { fromFormat: 'X12', formatOptions: { x12 } },
    });
    this.capability = new b2bi.CfnCapability(this, 'Capability', {
      name: name('214-in'),
      type: 'edi',
      configuration: {
        edi: {
          capabilityDirection: 'INBOUND',
          type: { x12Details: x12 },
          inputLocation: { bucketName: props.bucketName, key: inputPrefix },
          outputLocation: { bucketName: props.bucketName, key: outputPrefix },
          transformerId: this.transformer.attrTransformerId,
        },
      },
    });
    this.partnerships = Object.fromEntries(
      props.partners.map((partner) => {
        if (!partner.contact) throw new Error(`B2biInbound: partner ${partner.name} has no contact (stage validation requires one with b2bi)`);
        const partnership = new b2bi.CfnPartnership(this, `Partnership-${partner.name}`, {
          name: name(partner.name),
          profileId: this.profile.attrProfileId,
          email: partner.contact.email,
          ...(partner.contact.phone ? { phone: partner.contact.phone } : {}),
          capabilities: [this.capability.attrCapabilityId],
          capabilityOptions: {
            inboundEdi: {
              x12: {
                acknowledgmentOptions: {
                  functionalAcknowledgment: config.functionalAcknowledgment ?? 'GENERATE_ALL_SEGMENTS',
                  technicalAcknowledgment: config.technicalAcknowledgment ?? 'DO_NOT_GENERATE',
                },
              },
            },
          },
        });
        return [partner.name, partnership];
      }),
    );

    // B2BI's transformation events reach the default bus (its events detail reference); those of this bucket's 214s go
    // to the intake's queue, whose function reads the input file they name.
    this.rule = new events.Rule(this, 'TransformationEvents', {
      description: `AWS B2B Data Interchange transformations of ${intake.title} files in the intake bucket → the intake queue`,
      eventPattern: {
        source: ['aws.b2bi'],
        detailType: ['Transformation Completed', 'Transformation Failed'],
        detail: { 'x12-transaction-set': ['X12_214'], 'input-file-s3-attributes': { bucket: [props.bucketName] } },
      },
      // As the canonical routes (lib/core/routing.ts): what EventBridge cannot deliver goes to the intake's alarmed DLQ.
      targets: [new targets.SqsQueue(props.queue.queue, { deadLetterQueue: props.queue.deadLetterQueue, maxEventAge: Duration.hours(6), retryAttempts: 100 })],
    });

    new CfnOutput(Stack.of(this), `FileIntakeB2biPartners${intake.name.charAt(0).toUpperCase()}${intake.name.slice(1)}`, {
      value: Stack.of(this).toJsonString(Object.fromEntries(Object.entries(this.partnerships).map(([partner, p]) => [partner, `${inputPrefix}${p.attrTradingPartnerId}/`]))),
      description: `${intake.name}: where each partner's files land for AWS B2B Data Interchange (key prefix in the intake bucket, by partner)`,
    });
  }

  /** A partner's B2BI folders: `<input prefix><trading partner id>/` and `<output prefix><trading partner id>/`. */
  foldersOf(partner: string): PartnerFolders {
    const partnership = this.partnerships[partner];
    if (!partnership) throw new Error(`B2biInbound: no partnership for ${partner}`);
    const folder = (prefix: string) => ({ prefix: `${prefix}${partnership.attrTradingPartnerId}/`, named: `${prefix}<${this.stackOf.getLogicalId(partnership)}.TradingPartnerId>/` });
    return { input: folder(this.inputPrefix), output: folder(this.outputPrefix) };
  }

  /** Sends B2BI's `Acknowledgement Completed` events of this bucket's 214s to `queue` (its DLQ for what cannot be delivered). */
  routeAcknowledgements(queue: ReliableQueue): events.Rule {
    return new events.Rule(this, 'AcknowledgementEvents', {
      description: 'AWS B2B Data Interchange acknowledgements of EDI files in the intake bucket → the AS2 acknowledgement queue',
      eventPattern: {
        source: ['aws.b2bi'],
        detailType: ['Acknowledgement Completed'],
        detail: { 'input-x12-transaction-set': ['X12_214'], 'input-file-s3-attributes': { bucket: [this.bucketName] } },
      },
      targets: [new targets.SqsQueue(queue.queue, { deadLetterQueue: queue.deadLetterQueue, maxEventAge: Duration.hours(6), retryAttempts: 100 })],
    });
  }

  /** Partner name → its B2BI trading partner id (tokens), for a function's environment. */
  tradingPartnerIds(): string {
    return this.stackOf.toJsonString(Object.fromEntries(Object.entries(this.partnerships).map(([partner, p]) => [partner, p.attrTradingPartnerId])));
  }
}
