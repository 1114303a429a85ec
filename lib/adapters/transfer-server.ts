import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as transfer from 'aws-cdk-lib/aws-transfer';
import { Construct } from 'constructs';
import type { TradingPartner } from '../config/stage-config';

export interface TransferServerProps {
  /** The intake bucket. */
  readonly bucket: s3.IBucket;
  /** The intake prefix (ending in `/`): each partner's home is `<prefix><partner name>/`. */
  readonly prefix: string;
  /** Partners with an `sshPublicKey` get an SFTP user named after them. */
  readonly partners: readonly TradingPartner[];
  /**
   * A partner's home (key prefix ending in `/`) when it is not `<prefix><partner name>/`, e.g. its B2B Data
   * Interchange folder, with the same text as cdk-nag names it (tokens as `<LogicalId.Attribute>`).
   * @default - `<prefix><partner name>/`
   */
  readonly homeOf?: (partner: TradingPartner) => { readonly home: string; readonly named: string };
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * An AWS Transfer Family SFTP server (service-managed users, public endpoint, the newest security policy) in front
 * of a file intake: one user per partner with an SSH key, whose logical home directory `/` is its own folder under
 * the intake prefix, so a partner can neither see nor write another partner's files. Its structured logs go to a log
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

    for (const partner of props.partners.filter((p) => p.sshPublicKey)) {
      const { home, named } = props.homeOf?.(partner) ?? { home: `${props.prefix}${partner.name}/`, named: `${props.prefix}${partner.name}/` };
      const role = new iam.Role(this, `${partner.name}Role`, { assumedBy: new iam.ServicePrincipal('transfer.amazonaws.com') });
      role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.bucket.bucketArn], conditions: { StringLike: { 's3:prefix': [`${home}*`] } } }));
      role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:GetObject'], resources: [props.bucket.arnForObjects(`${home}*`)] }));
      const bucketId = Stack.of(this).getLogicalId(props.bucket.node.defaultChild as s3.CfnBucket);
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${named}*]`,
        reason: `The partner's own folder (${named}) of the intake bucket: the partner names its files.`,
      });
      new transfer.CfnUser(this, `${partner.name}User`, {
        serverId: this.server.attrServerId,
        userName: partner.name,
        role: role.roleArn,
        homeDirectoryType: 'LOGICAL',
        homeDirectoryMappings: [{ entry: '/', target: `/${props.bucket.bucketName}/${home.replace(/\/$/, '')}` }],
        sshPublicKeys: [partner.sshPublicKey!],
      });
    }
  }
}
