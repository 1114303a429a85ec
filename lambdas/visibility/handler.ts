import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { numberEnv, optionalEnv, requireEnv } from '../shared/env';
import { errorClassOf } from '../shared/errors';
import { flushMetrics, logger } from '../shared/observability';
import { createVisibilityApi, type PageConfig } from './api';
import { WEB_ASSETS } from './assets';
import { DynamoDbVisibilityReader } from './reader';

/**
 * The visibility page and its API (lambdas/visibility/api.ts). Env: `CORRELATION_TABLE`, `REFRESH_SECONDS`, and
 * for the page's sign-in `AUTH_DOMAIN_URL` (the Cognito domain) and `AUTH_CLIENT_ID` (its app client).
 */
const authDomain = optionalEnv('AUTH_DOMAIN_URL');
const authClient = optionalEnv('AUTH_CLIENT_ID');
const config: PageConfig = {
  refreshSeconds: numberEnv('REFRESH_SECONDS'),
  auth: authDomain && authClient ? { kind: 'cognito', domainUrl: authDomain, clientId: authClient, scopes: ['openid', 'email'] } : null,
};

const api = createVisibilityApi({
  reader: new DynamoDbVisibilityReader(DynamoDBDocumentClient.from(new DynamoDBClient({})), requireEnv('CORRELATION_TABLE')),
  assets: WEB_ASSETS,
  config,
  onError: (error, route) => logger.error('visibility request failed', { route, errorClass: errorClassOf(error), errorName: (error as Error).name }),
});

export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  logger.appendKeys({ route: `${event.httpMethod} ${event.resource}` });
  try {
    return await api(event);
  } finally {
    logger.resetKeys();
    flushMetrics();
  }
}
