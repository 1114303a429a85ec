import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { iamAction, isAccessDenied, PermissionError } from './errors';
import type { Target } from './target';

/** The SDK clients one `lsync` run uses, all configured for the same target. */
export interface AwsClients {
  readonly sqs: SQSClient;
  readonly ddb: DynamoDBDocumentClient;
  readonly cfn: CloudFormationClient;
  readonly events: EventBridgeClient;
  readonly cloudwatch: CloudWatchClient;
  readonly sfn: SFNClient;
  /** Access key id of the credentials in use (recorded in audit items), when it can be resolved. */
  accessKeyId(): Promise<string | undefined>;
  destroy(): void;
}

interface MiddlewareClient {
  middlewareStack: {
    add(
      middleware: (next: (args: unknown) => Promise<unknown>, context: { clientName?: string; commandName?: string }) => (args: unknown) => Promise<unknown>,
      options: { step: 'initialize'; name: string },
    ): void;
  };
}

/** Turns AccessDenied-style errors into a {@link PermissionError} naming the IAM action that was refused. */
function explainPermissionErrors<T>(client: T): T {
  (client as unknown as MiddlewareClient).middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (isAccessDenied(error)) {
          throw new PermissionError(iamAction(context.clientName ?? 'unknown', context.commandName ?? 'unknown'), (error as Error).message, { cause: error });
        }
        throw error;
      }
    },
    { step: 'initialize', name: 'lsyncExplainPermissionErrors' },
  );
  return client;
}

/** Creates the clients for `target`: the emulator's endpoint and credentials, or the default chain. */
export function createClients(target: Target): AwsClients {
  const config = {
    ...(target.region ? { region: target.region } : {}),
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    ...(target.credentials ? { credentials: { ...target.credentials } } : {}),
  };
  // Queue URLs from stack outputs name the real SQS host even in the emulator: always use the endpoint.
  const sqs = explainPermissionErrors(new SQSClient({ ...config, useQueueUrlAsEndpoint: false }));
  const dynamo = explainPermissionErrors(new DynamoDBClient(config));
  const ddb = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  const cfn = explainPermissionErrors(new CloudFormationClient(config));
  const events = explainPermissionErrors(new EventBridgeClient(config));
  const cloudwatch = explainPermissionErrors(new CloudWatchClient(config));
  const sfn = explainPermissionErrors(new SFNClient({ ...config, ...(target.sfnEndpoint ? { endpoint: target.sfnEndpoint } : {}) }));
  return {
    sqs,
    ddb,
    cfn,
    events,
    cloudwatch,
    sfn,
    async accessKeyId() {
      try {
        const credentials = await sqs.config.credentials();
        return credentials.accessKeyId;
      } catch {
        return undefined;
      }
    },
    destroy() {
      for (const client of [sqs, dynamo, cfn, events, cloudwatch, sfn]) client.destroy();
    },
  };
}
