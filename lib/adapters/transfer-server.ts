import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as transfer from 'aws-cdk-lib/aws-transfer';
import { Construct } from 'constructs';
import type { TradingPartner } from '../config/stage-config';

/** A folder of the intake bucket: its key prefix (ending in `/`) and the same text as cdk-nag names it (tokens as `<LogicalId.Attribute>`). */
export interface BucketFolder {
  readonly prefix: string;
  readonly named: string;
}

/** A folder whose prefix holds no token. */
export const plainFolder = (prefix: string): BucketFolder => ({ prefix, named: prefix });

/** A partner's folders with B2B Data Interchange in front: where its files go in (input) and B2BI's 997s come out (output). */
export interface PartnerFolders {
  readonly input: BucketFolder;
  readonly output: BucketFolder;
}

/** What a partner sees over SFTP: where it uploads (its login directory) and where it collects its acknowledgements. */
export const SFTP_INBOUND_DIRECTORY = '/inbound';
export const SFTP_ACKNOWLEDGEMENTS_DIRECTORY = '/acknowledgements';

export interface TransferServerProps {
  /** The intake bucket. */
  readonly bucket: s3.IBucket;
  /** The intake prefix (ending in `/`): each partner's uploads go to `<prefix><partner name>/`. */
  readonly prefix: string;
  /** Where the intake writes acknowledgements (ending in `/`): each partner collects its own from `<prefix><partner name>/`. */
  readonly acknowledgementPrefix: string;
  /** Partners with an `sshPublicKey` get an SFTP user named after them. */
  readonly partners: readonly TradingPartner[];
  /**
   * With AWS B2B Data Interchange in front (stage `b2bi`): a partner's B2BI input folder (its `/inbound`) and output
   * folder (its `/acknowledgements`, where B2BI writes its 997s).
   * @default - `<prefix><partner name>/` and `<acknowledgementPrefix><partner name>/`
   */
  readonly b2biFoldersOf?: (partner: TradingPartner) => PartnerFolders;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * An AWS Transfer Family SFTP server (service-managed users, public endpoint, the newest security policy) in front
 * of a file intake: one user per partner with an SSH key, with two logical directories — `/inbound`, its login
 * directory, is its own folder under the intake prefix (what it uploads), `/acknowledgements` its own folder of
 * acknowledgements (what it collects) — so a partner can neither see nor write another partner's files. (A `/` entry
 * must be a user's only mapping, https://docs.aws.amazon.com/transfer/latest/userguide/logical-dir-mappings.html, so
 * the partner's uploads cannot be at its root if its acknowledgements are to be reachable at all.) Its structured logs go to a log
 * group with retention. AS2 needs certificates, profiles and agreements per partner (AWS::Transfer::Agreement):
 * docs/edi.md says how to add them; partners on AS2 or a VAN can equally deliver into the bucket by their own route.
 * https://docs.aws.amazon.com/transfer/latest/userguide/create-server-sftp.html
 */
export class TransferServer extends Construct {
  public readonly server: transfer.CfnServer;

  constructor(scope: Construct, id: string, props: TransferServerProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    const loggingRole = new iam.Role(this, 'LoggingRole', { assumedBy: new iam.ServicePrincipal('transfer.amazonaws.com') });
    logGroup.grantWrite(loggingRole);

    this.server = new transfer.CfnServer(this, 'Server', {
      protocols: ['SFTP'],
      domain: 'S3',
      endpointType: 'PUBLIC',
      identityProviderType: 'SERVICE_MANAGED',
      securityPolicyName: 'TransferSecurityPolicy-2024-01',
      structuredLogDestinations: [logGroup.logGroupArn],
      loggingRole: loggingRole.roleArn,
    });

    const bucketId = Stack.of(this).getLogicalId(props.bucket.node.defaultChild as s3.CfnBucket);
    for (const partner of props.partners.filter((p) => p.sshPublicKey)) {
      const { input: inbound, output: acknowledgements } = props.b2biFoldersOf?.(partner) ?? { input: plainFolder(`${props.prefix}${partner.name}/`), output: plainFolder(`${props.acknowledgementPrefix}${partner.name}/`) };
      const role = new iam.Role(this, `${partner.name}Role`, { assumedBy: new iam.ServicePrincipal('transfer.amazonaws.com') });
      role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.bucket.bucketArn], conditions: { StringLike: { 's3:prefix': [`${inbound.prefix}*`, `${acknowledgements.prefix}*`] } } }));
      // Uploads; acknowledgements to collect (a collected one may be deleted: the bucket is versioned, so it is kept).
      role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:GetObject'], resources: [props.bucket.arnForObjects(`${inbound.prefix}*`)] }));
      role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:DeleteObject'], resources: [props.bucket.arnForObjects(`${acknowledgements.prefix}*`)] }));
      for (const folder of [inbound, acknowledgements]) {
        Validations.of(role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${folder.named}*]`,
          reason: `The partner's own folder (${folder.named}) of the intake bucket: the partner names its files, the intake its acknowledgements.`,
        });
      }
      const target = (folder: BucketFolder) => `/${props.bucket.bucketName}/${folder.prefix.replace(/\/$/, '')}`;
      new transfer.CfnUser(this, `${partner.name}User`, {
        serverId: this.server.attrServerId,
        userName: partner.name,
        role: role.roleArn,
        // Two logical directories (a "/" entry would have to be the only one): the partner lands in /inbound.
        homeDirectoryType: 'LOGICAL',
        homeDirectory: SFTP_INBOUND_DIRECTORY,
        homeDirectoryMappings: [
          { entry: SFTP_INBOUND_DIRECTORY, target: target(inbound) },
          { entry: SFTP_ACKNOWLEDGEMENTS_DIRECTORY, target: target(acknowledgements) },
        ],
        sshPublicKeys: [partner.sshPublicKey!],
      });
    }
  }
}
