import { Aws, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as transfer from 'aws-cdk-lib/aws-transfer';
import { Construct } from 'constructs';
import { RUNBOOK, runbookLink } from '../../registry/catalog';
import type { As2ServerConfig, TradingPartner } from '../config/stage-config';
import { plainFolder, type BucketFolder, type PartnerFolders } from './transfer-server';

/**
 * The port a Transfer Family AS2 server receives on (HTTP, through its VPC endpoint):
 * https://docs.aws.amazon.com/transfer/latest/userguide/as2-example-tutorial.html ("receive files … on port 5080").
 */
export const AS2_PORT = 5080;

/**
 * Where the AS2 server writes what is not the payload (MDNs, status JSON, failed and temporary files), per partner:
 * `<prefix><partner>/{mdn,status,failed,tmp}`. Outside the intake prefix on purpose: only payloads may reach the
 * intake's queue (an MDN or a status file fed to the X12 parser would be refused as a malformed interchange).
 */
export const AS2_METADATA_PREFIX = 'as2/';


/** Days of certificate validity left below which the expiry alarm fires. */
export const AS2_CERTIFICATE_WARNING_DAYS = 30;

export interface As2ServerProps {
  /** The intake bucket. */
  readonly bucket: s3.IBucket;
  /** The intake prefix (ending in `/`): each partner's payloads land in `<prefix><partner name>/`. */
  readonly prefix: string;
  /** Where the intake writes each partner's acknowledgements (`<prefix><partner name>/`): sent over AS2 to partners with a `url`. */
  readonly acknowledgementPrefix: string;
  readonly config: As2ServerConfig;
  /** Partners with `as2` get a partner profile and an agreement; the others are left out. */
  readonly partners: readonly TradingPartner[];
  /**
   * With AWS B2B Data Interchange in front (stage `b2bi`): a partner's B2BI input folder (its payloads go there) and
   * output folder (B2BI's 997s for it, which its connector sends), each as a key prefix and as cdk-nag names it.
   * @default - payloads in `<prefix><partner name>/`, acknowledgements in `<acknowledgementPrefix><partner name>/`
   */
  readonly b2biFoldersOf?: (partner: TradingPartner) => PartnerFolders;
  /** Topic of the certificate-expiry alarms. @default - alarms without actions */
  readonly alarmTopic?: sns.ITopic;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * An AWS Transfer Family **AS2** server in front of a file intake. AS2 needs a VPC endpoint on an S3 domain
 * (CreateServer: "If Protocol includes AS2, then the EndpointType must be VPC, and domain must be Amazon S3",
 * https://docs.aws.amazon.com/transfer/latest/APIReference/API_CreateServer.html), so the stage names the VPC and
 * subnets, and the stack creates the endpoint's security group, open on {@link AS2_PORT} to the partners' ranges only.
 *
 * Per partner with an AS2 id: a partner profile (`AS2-From` of its messages) with its certificates, and an agreement
 * with our local profile whose custom directories put the **payload** in the partner's intake folder (the intake takes
 * it exactly like an SFTP upload: same folder, same partner check on the ISA sender) and everything else the server
 * writes (MDNs, status JSON, failed and temporary files) under {@link AS2_METADATA_PREFIX}, outside the intake prefix
 * (https://docs.aws.amazon.com/transfer/latest/APIReference/API_CustomDirectoriesType.html). Unsigned messages are
 * refused (`EnforceMessageSigning`): the signature is what proves the partner, as the SSH key does for SFTP.
 *
 * Our own certificates (signing, encryption) are imported outside the stack, with their private keys, and named by id:
 * a private key must not travel in a template. The partners' certificates are public and may be given as PEM.
 * Transfer Family publishes `DaysUntilExpiry` per imported certificate (namespace `AWS/Transfer`, daily,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-transfer-certificate.html): one alarm
 * per certificate fires {@link AS2_CERTIFICATE_WARNING_DAYS} days before it expires.
 */
export class As2Server extends Construct {
  public readonly server: transfer.CfnServer;
  public readonly securityGroup: ec2.CfnSecurityGroup;
  public readonly agreements: Record<string, transfer.CfnAgreement> = {};
  /** Per partner with an AS2 `url`: the connector its acknowledgements are sent through. */
  public readonly connectors: Record<string, transfer.CfnConnector> = {};
  public readonly expiryAlarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: As2ServerProps) {
    super(scope, id);
    const { config, bucket } = props;
    if (props.prefix.startsWith(AS2_METADATA_PREFIX) || AS2_METADATA_PREFIX.startsWith(props.prefix)) {
      throw new Error(`As2Server ${this.node.path}: the intake prefix ${props.prefix} and the AS2 metadata prefix ${AS2_METADATA_PREFIX} must not overlap`);
    }
    const stack = Stack.of(this);

    const logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    const loggingRole = new iam.Role(this, 'LoggingRole', { assumedBy: transferPrincipal() });
    logGroup.grantWrite(loggingRole);

    this.securityGroup = new ec2.CfnSecurityGroup(this, 'EndpointSecurityGroup', {
      vpcId: config.vpcId,
      groupDescription: `AS2 (TCP ${AS2_PORT}) from the trading partner ranges to the Transfer Family endpoint`,
      securityGroupIngress: config.allowedCidrs.map((cidr) => ({ ipProtocol: 'tcp', fromPort: AS2_PORT, toPort: AS2_PORT, cidrIp: cidr, description: 'AS2 from a trading partner' })),
    });

    this.server = new transfer.CfnServer(this, 'Server', {
      protocols: ['AS2'],
      domain: 'S3',
      endpointType: 'VPC',
      endpointDetails: { vpcId: config.vpcId, subnetIds: [...config.subnetIds], securityGroupIds: [this.securityGroup.attrGroupId] },
      protocolDetails: { as2Transports: ['HTTP'] },
      structuredLogDestinations: [logGroup.logGroupArn],
      loggingRole: loggingRole.roleArn,
    });

    const localProfile = new transfer.CfnProfile(this, 'LocalProfile', { as2Id: config.localAs2Id, profileType: 'LOCAL', certificateIds: [...config.localCertificateIds] });
    const certificateIds: string[] = [...config.localCertificateIds];

    const bucketId = stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
    /** A role Transfer Family assumes for one partner: the listed actions on its own folders of the bucket, nothing else. */
    const folderRole = (id: string, grants: readonly { folder: BucketFolder; actions: string[] }[], why: string): iam.Role => {
      const role = new iam.Role(this, id, { assumedBy: transferPrincipal() });
      role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetBucketLocation'], resources: [bucket.bucketArn] }));
      role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn], conditions: { StringLike: { 's3:prefix': grants.map((g) => `${g.folder.prefix}*`) } } }));
      for (const { folder, actions } of grants) {
        role.addToPolicy(new iam.PolicyStatement({ actions, resources: [bucket.arnForObjects(`${folder.prefix}*`)] }));
        Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${folder.named}*]`, reason: `The partner's own ${folder.named} folder of the intake bucket: ${why}` });
      }
      return role;
    };

    for (const partner of props.partners) {
      if (!partner.as2) continue;
      const imported = (partner.as2.certificates ?? []).map(
        (cert, i) => new transfer.CfnCertificate(this, `${partner.name}Certificate${i + 1}`, { usage: cert.usage, certificate: cert.pem, description: `${partner.name}-${cert.usage.toLowerCase()}` }).attrCertificateId,
      );
      certificateIds.push(...imported, ...(partner.as2.certificateIds ?? []));
      const profile = new transfer.CfnProfile(this, `${partner.name}Profile`, {
        as2Id: partner.as2.as2Id,
        profileType: 'PARTNER',
        certificateIds: [...imported, ...(partner.as2.certificateIds ?? [])],
      });

      const b2bi = props.b2biFoldersOf?.(partner);
      const payload = b2bi?.input ?? plainFolder(`${props.prefix}${partner.name}/`);
      const metadata = `${AS2_METADATA_PREFIX}${partner.name}/`;
      const accessRole = folderRole(
        `${partner.name}AccessRole`,
        [
          { folder: payload, actions: ['s3:PutObject', 's3:GetObject'] },
          { folder: plainFolder(metadata), actions: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'] },
        ],
        'Transfer Family names the files (AS2 payloads, MDNs, status files).',
      );
      const directory = (path: string) => `/${bucket.bucketName}/${path.replace(/\/$/, '')}`;
      this.agreements[partner.name] = new transfer.CfnAgreement(this, `${partner.name}Agreement`, {
        serverId: this.server.attrServerId,
        localProfileId: localProfile.attrProfileId,
        partnerProfileId: profile.attrProfileId,
        accessRole: accessRole.roleArn,
        // Transfer Family descriptions are printable ASCII without spaces.
        description: `${partner.name}->${b2bi ? 'b2bi' : payload.prefix}`,
        enforceMessageSigning: 'ENABLED',
        status: 'ACTIVE',
        customDirectories: {
          payloadFilesDirectory: directory(payload.prefix),
          mdnFilesDirectory: directory(`${metadata}mdn`),
          statusFilesDirectory: directory(`${metadata}status`),
          failedFilesDirectory: directory(`${metadata}failed`),
          temporaryFilesDirectory: directory(`${metadata}tmp`),
        },
      });

      // Acknowledgements back over AS2, to a partner that gave its AS2 URL: the connector signs with our local
      // profile's certificate, encrypts with the partner's and takes its MDN synchronously. It reads the 997 under the
      // partner's acknowledgement folder and writes its own status JSON and the MDN beside it (CreateConnector,
      // AccessRole: "the file's parent directory"), so its role may read and write that folder, nothing else.
      if (!partner.as2.url) continue;
      // With B2BI, the 997s are B2BI's, under the partner's B2BI output folder.
      const folder = b2bi?.output ?? plainFolder(`${props.acknowledgementPrefix}${partner.name}/`);
      const connectorRole = folderRole(
        `${partner.name}ConnectorRole`,
        [{ folder, actions: ['s3:GetObject', 's3:PutObject'] }],
        'the acknowledgements the connector sends, and the status and MDN files it writes beside them.',
      );
      this.connectors[partner.name] = new transfer.CfnConnector(this, `${partner.name}Connector`, {
        url: partner.as2.url,
        accessRole: connectorRole.roleArn,
        loggingRole: loggingRole.roleArn,
        // A JSON property in the L1 (no key conversion): CloudFormation's own names.
        as2Config: {
          LocalProfileId: localProfile.attrProfileId,
          PartnerProfileId: profile.attrProfileId,
          MessageSubject: `X12 997 from ${config.localAs2Id}`,
          Compression: 'DISABLED',
          EncryptionAlgorithm: 'AES256_CBC',
          SigningAlgorithm: 'SHA256',
          MdnSigningAlgorithm: 'DEFAULT',
          MdnResponse: 'SYNC',
        },
      });
    }

    for (const [i, certificateId] of certificateIds.entries()) {
      const alarm = new cloudwatch.Alarm(this, `CertificateExpiry${i + 1}`, {
        metric: new cloudwatch.Metric({ namespace: 'AWS/Transfer', metricName: 'DaysUntilExpiry', dimensionsMap: { CertificateId: certificateId }, statistic: 'Minimum', period: Duration.days(1) }),
        threshold: AS2_CERTIFICATE_WARNING_DAYS,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        // Published daily, and only from about a day after the import.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `An AS2 certificate of the EDI intake expires in less than ${AS2_CERTIFICATE_WARNING_DAYS} days: messages signed or encrypted with it will be refused. ${runbookLink(RUNBOOK.as2CertificateExpiring)}`,
      });
      if (props.alarmTopic) alarm.addAlarmAction(new cwActions.SnsAction(props.alarmTopic));
      this.expiryAlarms.push(alarm);
    }
  }
}

/** Transfer Family, for this account only (the confused-deputy guard of the service roles). */
function transferPrincipal(): iam.IPrincipal {
  return new iam.ServicePrincipal('transfer.amazonaws.com').withConditions({ StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } });
}
