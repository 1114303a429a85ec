import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Audit items in the correlation table (lib/core/tables.ts): `pk = AUDIT#<yyyy-mm-dd>`,
 * `sk = <ISO timestamp>#<auditId>`. One item per operator action that changes something (redrive, replay),
 * written as `running` before the first change and completed with the counts at the end, so an
 * interrupted run leaves a trace too.
 */
export interface AuditKey {
  readonly pk: string;
  readonly sk: string;
}

/** Who ran the command: OS user and host, plus the AWS access key id and profile when known. */
export interface Operator {
  readonly user: string;
  readonly host: string;
  readonly accessKeyId?: string;
  readonly profile?: string;
}

export interface AuditStart {
  readonly auditId: string;
  readonly action: 'dlq.redrive' | 'replay';
  readonly startedAt: Date;
  readonly operator: Operator;
  readonly target: string;
  /** What the action applies to (queue, archive), the selector and options. */
  readonly what: Record<string, unknown>;
  readonly reason?: string;
}

export function newAuditId(): string {
  return randomUUID();
}

export function currentOperator(env: NodeJS.ProcessEnv, accessKeyId: string | undefined): Operator {
  let user = env.LSYNC_OPERATOR ?? env.USER ?? env.USERNAME ?? 'unknown';
  try {
    if (!env.LSYNC_OPERATOR) user = userInfo().username;
  } catch {
    // no passwd entry (some containers): keep the environment's idea
  }
  return { user, host: hostname(), ...(accessKeyId ? { accessKeyId } : {}), ...(env.AWS_PROFILE ? { profile: env.AWS_PROFILE } : {}) };
}

/** Key of an audit item. Pure. */
export function auditKey(startedAt: Date, auditId: string): AuditKey {
  const iso = startedAt.toISOString();
  return { pk: `AUDIT#${iso.slice(0, 10)}`, sk: `${iso}#${auditId}` };
}

export class AuditLog {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async start(start: AuditStart): Promise<AuditKey> {
    const key = auditKey(start.startedAt, start.auditId);
    await this.ddb.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...key,
          type: 'AUDIT',
          auditId: start.auditId,
          action: start.action,
          status: 'running',
          startedAt: start.startedAt.toISOString(),
          who: start.operator,
          target: start.target,
          what: start.what,
          ...(start.reason ? { reason: start.reason } : {}),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return key;
  }

  async finish(key: AuditKey, status: 'completed' | 'interrupted' | 'failed', finishedAt: Date, result: Record<string, unknown>): Promise<void> {
    await this.ddb.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: 'SET #status = :status, finishedAt = :finishedAt, #result = :result',
        ExpressionAttributeNames: { '#status': 'status', '#result': 'result' },
        ExpressionAttributeValues: { ':status': status, ':finishedAt': finishedAt.toISOString(), ':result': result },
      }),
    );
  }

  /** Audit items of one day (UTC), oldest first. */
  async day(date: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.ddb.send(
        new QueryCommand({ TableName: this.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `AUDIT#${date}` }, ExclusiveStartKey: start }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }
}
