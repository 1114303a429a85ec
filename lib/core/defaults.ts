import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { Powertools } from './powertools';

/**
 * Secure, house-wide defaults in one place (after aws-solutions-constructs' `*-defaults.ts`).
 * Constructs start from these and override only what their props ask for.
 */

/** The latest Node.js runtime aws-cdk-lib offers; local work pins the same major (package.json `node`). */
export const NODE_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** Every function runs on Graviton: about 20% cheaper per GB-second than x86. */
export const ARCHITECTURE = lambda.Architecture.ARM_64;

/** AWS guidance for SQS event sources: visibility timeout at least six times the consumer's timeout. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/** Queue properties every work queue and DLQ shares: SQS-managed SSE and an HTTPS-only policy. */
export function queueDefaults(): Pick<sqs.QueueProps, 'encryption' | 'enforceSSL'> {
  return { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true };
}

/**
 * Table properties every table shares: on-demand, PITR, AWS-managed encryption, kept on stack deletion.
 * (`dynamodb.Table`, not `TableV2`: a single-region table is all we need, and `AWS::DynamoDB::Table` is what
 * the sandbox's emulator can create.)
 */
export function tableDefaults(): Pick<
  dynamodb.TableProps,
  'billingMode' | 'pointInTimeRecoverySpecification' | 'encryption' | 'removalPolicy'
> {
  return {
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    removalPolicy: RemovalPolicy.RETAIN,
  };
}

export interface NodeFunctionProps {
  /** Path of the handler module (TypeScript), relative to the project root. */
  readonly entry: string;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default - no extra variables beyond the Powertools ones */
  readonly environment?: Record<string, string>;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** Name used by Powertools as `service` in logs and metrics. */
  readonly serviceName: string;
  /** @default - unreserved */
  readonly reservedConcurrentExecutions?: number;
}

/**
 * A bundled Node.js function with the house defaults: latest runtime, arm64, ESM bundle minified with
 * source maps, the AWS SDK left to the runtime, Powertools from its official layer (unless the stage bundles
 * it), X-Ray tracing, JSON logs to a log group with retention.
 */
export class NodeFunction extends nodejs.NodejsFunction {
  constructor(scope: Construct, id: string, props: NodeFunctionProps) {
    const powertools = Powertools.of(scope);
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      entry: props.entry,
      handler: 'handler',
      runtime: NODE_RUNTIME,
      architecture: ARCHITECTURE,
      timeout: props.timeout ?? Duration.seconds(30),
      memorySize: props.memorySize ?? 256,
      tracing: lambda.Tracing.ACTIVE,
      loggingFormat: lambda.LoggingFormat.JSON,
      logGroup,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      layers: powertools.layer ? [powertools.layer] : undefined,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: 'LogisticsSync',
        POWERTOOLS_LOG_LEVEL: powertools.logLevel,
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node24',
        minify: true,
        sourceMap: true,
        // The Lambda runtime ships AWS SDK v3, and Powertools comes from its official layer (lib/core/powertools.ts):
        // leaving both out keeps bundles small and cold starts short.
        externalModules: ['@aws-sdk/*', ...powertools.externalModules],
        // ESM output still meets CommonJS dependencies that call require().
        banner: "import { createRequire as __lsyncCreateRequire } from 'node:module'; const require = __lsyncCreateRequire(import.meta.url);",
      },
    });
  }
}
