import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, test } from 'vitest';
import { aws, fixture, fixtureApi, sandbox } from './support';

interface Echo {
  config: { tableName: string; functionName: string };
  httpMethod: string;
  resource: string;
  pathParameters: Record<string, string>;
  queryStringParameters: Record<string, string>;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
  requestContext: { stage: string; resourcePath: string; httpMethod: string; requestId: string; sourceIp: string };
}

describe('REST API methods are served locally with the API Gateway proxy event', () => {
  test('a Lambda proxy method receives path, query, headers, body and request context', async () => {
    const response = await fetch(`${fixtureApi()}echo/hello%20world?x=1&x=2`, { method: 'POST', headers: { 'X-Vendor-Signature': 'abc' }, body: '{"a":1}' });
    expect(response.status).toBe(200);
    const echo = (await response.json()) as Echo;
    expect(echo).toMatchObject({
      httpMethod: 'POST',
      resource: '/echo/{name}',
      pathParameters: { name: 'hello world' },
      queryStringParameters: { x: '2' },
      body: '{"a":1}',
      isBase64Encoded: false,
      requestContext: { stage: 'v1', resourcePath: '/echo/{name}', httpMethod: 'POST', sourceIp: '127.0.0.1' },
    });
    // Header names keep the client's casing, as API Gateway passes them.
    expect(echo.headers['X-Vendor-Signature']).toBe('abc');
    expect(echo.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('the handler runs with its own environment from the template, resolved to the emulator’s names', async () => {
    const echo = (await (await fetch(`${fixtureApi()}echo/x`, { method: 'POST' })).json()) as Echo;
    expect(echo.config.tableName).toBe(fixture().TableName);
    expect(echo.config.functionName).toMatch(/Echo/);
  });

  test('a request without a parameter the method’s validator requires is refused before the function runs, through the gateway response', async () => {
    const refused = await fetch(`${fixtureApi()}echo/x`, { method: 'PUT', body: '{}' });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ error: 'rejected', message: 'Missing required request parameters: [X-Signature]' });
    const accepted = await fetch(`${fixtureApi()}echo/x`, { method: 'PUT', headers: { 'x-signature': 's' }, body: '{}' });
    expect(accepted.status).toBe(200);
  });

  test('a path or method the API does not define answers 403 like API Gateway', async () => {
    expect((await fetch(`${fixtureApi()}nowhere`)).status).toBe(403);
    expect((await fetch(`${fixtureApi()}echo/x`, { method: 'GET' })).status).toBe(403);
  });
});

describe('the Lambda Invoke API runs the template’s functions locally', () => {
  test('Invoke answers with the function’s result, or its error marked as X-Amz-Function-Error', async () => {
    const lambda = new LambdaClient({ ...aws(), endpoint: sandbox().lambdaEndpoint });
    try {
      const ok = await lambda.send(new InvokeCommand({ FunctionName: fixture().AlwaysFailsFunctionName, Payload: JSON.stringify({ Records: [{ messageId: 'm1' }] }) }));
      expect(ok.FunctionError).toBeUndefined();
      expect(JSON.parse(Buffer.from(ok.Payload!).toString())).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
      const failed = await lambda.send(new InvokeCommand({ FunctionName: fixture().AlwaysFailsFunctionName, Payload: JSON.stringify({}) }));
      expect(failed.FunctionError).toBe('Unhandled');
      expect(JSON.parse(Buffer.from(failed.Payload!).toString())).toMatchObject({ errorType: 'TypeError' });
    } finally {
      lambda.destroy();
    }
  });
});
