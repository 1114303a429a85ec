import { Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { NodeFunction } from './defaults';

/**
 * Lets `fn` read a system's secret, created outside the stack and known by name (stage config `secretName`), and
 * acknowledges the one cdk-nag finding that grant raises: Secrets Manager appends six random characters to a
 * secret's ARN, so a grant by name ends in `-??????`, which matches this one secret only.
 */
export function grantSecretByName(scope: Construct, id: string, fn: NodeFunction, secretName: string): iam.Grant {
  const grant = secretsmanager.Secret.fromSecretNameV2(scope, id, secretName).grantRead(fn);
  Validations.of(fn.role!).acknowledge({
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${secretName}-??????]`,
    reason: 'Secrets Manager appends six random characters to a secret ARN; the grant matches exactly this one secret by name.',
  });
  return grant;
}
