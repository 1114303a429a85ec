import { PutBucketNotificationConfigurationCommand, S3Client, type QueueConfiguration } from '@aws-sdk/client-s3';
import { clientConfig } from '../aws';
import type { DeployedStack } from '../deploy/deployer';

/**
 * S3 event notifications from the template. moto's CloudFormation creates an `AWS::S3::Bucket` but ignores its
 * `NotificationConfiguration`; moto's S3 API does deliver notifications once the bucket has them (it sends an SQS
 * message per matching PutObject, with the AWS event shape, and the `s3:TestEvent` when the configuration is set,
 * as AWS does). So the runtime gives each deployed bucket the configuration its template declares, through
 * `PutBucketNotificationConfiguration`, with the queue ARNs resolved against the deployment. Queue configurations
 * only: Lambda and SNS destinations would need moto to run them, and EventBridge delivery is not used by the product.
 */

/** A bucket's queue notifications as the S3 API takes them, from its resolved template properties. Pure. */
export function queueNotifications(properties: Record<string, unknown>): QueueConfiguration[] {
  const config = properties.NotificationConfiguration as { QueueConfigurations?: unknown } | undefined;
  const queues = Array.isArray(config?.QueueConfigurations) ? (config.QueueConfigurations as Record<string, unknown>[]) : [];
  return queues.map((q) => {
    const rules = ((q.Filter as { S3Key?: { Rules?: { Name: string; Value: string }[] } } | undefined)?.S3Key?.Rules ?? []).map((r) => ({
      // CloudFormation writes `prefix`/`suffix`; the API takes the same names.
      Name: r.Name.toLowerCase() as 'prefix' | 'suffix',
      Value: r.Value,
    }));
    return {
      QueueArn: String(q.Queue),
      Events: [String(q.Event) as NonNullable<QueueConfiguration['Events']>[number]],
      ...(rules.length > 0 ? { Filter: { Key: { FilterRules: rules } } } : {}),
    };
  });
}

export interface BucketNotificationSpec {
  readonly stackName: string;
  readonly logicalId: string;
  readonly bucket: string;
  readonly queues: QueueConfiguration[];
}

/** Every deployed bucket with queue notifications in its template. */
export function bucketNotificationSpecs(stacks: readonly DeployedStack[]): BucketNotificationSpec[] {
  return stacks.flatMap((stack) =>
    stack
      .ofType('AWS::S3::Bucket')
      .map((resource) => ({ stackName: stack.stackName, logicalId: resource.logicalId, bucket: resource.physicalId ?? '', queues: queueNotifications(stack.properties(resource.logicalId)) }))
      .filter((spec) => spec.queues.length > 0 && spec.bucket !== ''),
  );
}

/** Configures the buckets' notifications in the emulator; returns what was configured. */
export async function configureBucketNotifications(stacks: readonly DeployedStack[], endpoint: string, log: (line: string) => void): Promise<BucketNotificationSpec[]> {
  const specs = bucketNotificationSpecs(stacks);
  if (specs.length === 0) return specs;
  const s3 = new S3Client({ ...clientConfig(endpoint), forcePathStyle: true });
  try {
    for (const spec of specs) {
      // Merged, as AWS keeps one configuration per bucket.
      await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: spec.bucket, NotificationConfiguration: { QueueConfigurations: spec.queues } }));
    }
  } finally {
    s3.destroy();
  }
  log(`S3 event notifications: ${specs.map((s) => `${s.logicalId} → ${s.queues.length} queue(s)`).join(', ')}`);
  return specs;
}
