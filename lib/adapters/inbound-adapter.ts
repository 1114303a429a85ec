import { Arn, ArnFormat, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { SystemName } from '../../registry/systems';
import { dialectsOf, type DialectEntry } from '../../registry/vendors';
import { NodeFunction } from '../core/defaults';
import { acknowledgeFunctionBaseline } from './outbound-adapter';
import { acknowledgeSynchronousFunction } from '../core/serverless-checks';
import { envDefault, functionEnvironment, FUNCTION_ENTRIES, type EnvName } from '../../registry/functions';

export interface InboundAdapterProps {
  readonly system: SystemName;
  /** The bus canonical events are published to (`EVENT_BUS_NAME`). */
  readonly bus: events.IEventBus;
  /** The Powertools idempotency table (`IDEMPOTENCY_TABLE`): vendor retries are answered from it. */
  readonly idempotencyTable: dynamodb.ITable;
  /**
   * Name of the system's existing Secrets Manager secret (JSON with the webhook signing secrets). Read access
   * is granted on the name-based ARN (`<name>-??????`), since the secret is not created by this stack.
   */
  readonly secretName: string;
  /** Bodies above this are refused with 413 before parsing (API Gateway REST APIs have no such setting). @default 262144 */
  readonly maxBodyBytes?: number;
  /** Replay window for signed timestamps. @default Duration.minutes(5) */
  readonly timestampTolerance?: Duration;
  /** How long a processed vendor event id answers retries with the first answer. @default Duration.hours(24) */
  readonly idempotencyTtl?: Duration;
  /**
   * The correlation table, for an adapter that reads the index (the fleet adapter finds the shipments on an
   * alerting vehicle or trailer): `CORRELATION_TABLE`, Query only. @default - no access
   */
  readonly correlationTable?: dynamodb.ITable;
  /** Extra environment (the fleet adapter's `API_BASE_URL`, the ERP adapter's read-back queue). @default - none */
  readonly environment?: Partial<Record<EnvName, string>>;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/** Problems with the props, each naming the bad value; unresolved tokens are skipped. Pure. */
export function validateInboundAdapterProps(props: InboundAdapterProps): string[] {
  const problems: string[] = [];
  const max = props.maxBodyBytes;
  // API Gateway itself refuses payloads above 10 MB; a bound above that would never apply.
  if (max !== undefined && !Token.isUnresolved(max) && (!Number.isInteger(max) || max < 1024 || max > 10 * 1024 * 1024)) {
    problems.push(`maxBodyBytes must be an integer between 1024 and 10485760, got ${max}`);
  }
  const tolerance = props.timestampTolerance?.toSeconds();
  if (tolerance !== undefined && !Token.isUnresolved(tolerance) && (tolerance < 30 || tolerance > 3600)) {
    problems.push(`timestampTolerance must be between 30 seconds and 1 hour, got ${tolerance} seconds`);
  }
  if (!Token.isUnresolved(props.secretName) && !/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(props.secretName)) {
    problems.push(`secretName "${props.secretName}" is not a valid Secrets Manager secret name`);
  }
  return problems;
}

/**
 * The inbound side of a system adapter: one Lambda function serving every webhook dialect of the system
 * (lambdas/<system>/inbound/handler.ts). It verifies, validates, maps and deduplicates vendor webhooks and
 * publishes canonical events; the routes themselves are wired by {@link WebhookApi}.
 *
 * Grants: PutEvents on the bus, get and update items in the idempotency table (its records are read, then written
 * once the events are published: lambdas/shared/idempotency.ts `RecordOnSuccessPersistenceLayer`), GetSecretValue on the
 * system's secret (name-based ARN), and Query on the correlation table when it is given.
 */
export class InboundAdapter extends Construct {
  public readonly system: SystemName;
  public readonly handler: NodeFunction;
  /** The dialects this adapter serves, from the dialect registry (registry/vendors.ts). */
  public readonly dialects: readonly DialectEntry[];

  constructor(scope: Construct, id: string, props: InboundAdapterProps) {
    super(scope, id);
    const problems = validateInboundAdapterProps(props);
    if (problems.length > 0) throw new Error(`InboundAdapter ${this.node.path}: ${problems.join('; ')}`);
    this.system = props.system;
    this.dialects = dialectsOf(props.system);

    this.handler = new NodeFunction(this, 'Handler', {
      entry: FUNCTION_ENTRIES.inbound(props.system),
      serviceName: `${props.system}-inbound`,
      // Vendors give up after a few seconds (Motive: 3 s); anything slower than this has already failed them.
      timeout: Duration.seconds(10),
      logRetention: props.logRetention,
      environment: functionEnvironment({
        EVENT_BUS_NAME: props.bus.eventBusName,
        IDEMPOTENCY_TABLE: props.idempotencyTable.tableName,
        SECRET_NAME: props.secretName,
        WEBHOOK_MAX_BODY_BYTES: props.maxBodyBytes ?? envDefault('WEBHOOK_MAX_BODY_BYTES'),
        WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS: props.timestampTolerance?.toSeconds() ?? envDefault('WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS'),
        IDEMPOTENCY_TTL_SECONDS: props.idempotencyTtl?.toSeconds() ?? envDefault('IDEMPOTENCY_TTL_SECONDS'),
        CORRELATION_TABLE: props.correlationTable?.tableName,
        ...props.environment,
      }),
    });

    props.bus.grantPutEventsTo(this.handler);
    // Exactly what the intake's persistence layer does: a consistent get, then one update (an upsert) after publishing.
    props.idempotencyTable.grant(this.handler, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    // The shipments on an alerting asset: its assignments, then their state items (delivered before the incident?).
    props.correlationTable?.grant(this.handler, 'dynamodb:Query', 'dynamodb:BatchGetItem');
    // The secret exists outside the stack: its full ARN ends in a random 6-character suffix.
    const secretArn = Arn.format(
      { service: 'secretsmanager', resource: 'secret', resourceName: `${props.secretName}-??????`, arnFormat: ArnFormat.COLON_RESOURCE_NAME },
      Stack.of(this),
    );
    this.handler.addToRolePolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secretArn] }));

    acknowledgeFunctionBaseline(this.handler);
    acknowledgeSynchronousFunction(this.handler, 'API Gateway');
    Validations.of(this.handler.role!).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${props.secretName}-??????]`,
      reason: 'The secret is created outside the stack; its ARN ends in a random suffix, so the name-based ARN needs the ?????? wildcard. It matches this one secret only.',
    });
  }
}
