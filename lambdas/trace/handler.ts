import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { requireEnv } from '../shared/env';
import { flushMetrics, logger } from '../shared/observability';
import { traceById } from './trace-query';

/**
 * `GET /trace/{id}` (IAM-authorised): the trace of the business transaction any id belongs to.
 * 200 with the Trace JSON (lambdas/trace/trace-model.ts), 400 for an id that cannot be one of ours,
 * 404 when nothing is known about it. Env: `CORRELATION_TABLE`.
 */
const tableName = requireEnv('CORRELATION_TABLE');
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));

/** The canonical Identifier format (schemas/canonical/common.schema.json), plus 64-hex event-derived ids. */
const ID = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$/;

function json(statusCode: number, body: unknown): APIGatewayProxyResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  try {
    return await answer(event);
  } finally {
    logger.resetKeys();
    flushMetrics();
  }
}

async function answer(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const raw = event.pathParameters?.id;
  let id: string | undefined;
  try {
    id = raw === undefined ? undefined : decodeURIComponent(raw);
  } catch {
    id = undefined;
  }
  if (!id || !ID.test(id)) return json(400, { message: 'id must be an order, shipment, route, stop, case, invoice, customer, hold or correlation id' });
  logger.appendKeys({ traceQuery: id });
  try {
    const trace = await traceById(client, tableName, id);
    if (!trace) return json(404, { message: `nothing is known about ${id}` });
    return json(200, trace);
  } catch (error) {
    logger.error('trace failed', { errorName: (error as Error).name });
    return json(500, { message: 'trace failed; see the function logs' });
  }
}
