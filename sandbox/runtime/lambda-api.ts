import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackServer } from './loopback-server';
import type { FunctionRegistry } from './functions';

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/**
 * The Lambda `Invoke` API on loopback (`AWS_ENDPOINT_URL_LAMBDA`): invocations of the template's functions
 * run on the local workers (moto would need Docker to run them). `RequestResponse`, `Event` and `DryRun`
 * invocation types; function errors answer 200 with `X-Amz-Function-Error: Unhandled` and Lambda's error
 * JSON, as the Lambda API does. Every other Lambda operation is forwarded to the emulator.
 */
export class LambdaApiServer extends LoopbackServer {
  constructor(
    private readonly functions: Pick<FunctionRegistry, 'find'>,
    private readonly emulatorEndpoint: string,
  ) {
    super();
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = req.method === 'POST' ? INVOKE_PATH.exec(url.pathname) : null;
    const fn = match ? this.functions.find(decodeURIComponent(match[1]!)) : undefined;
    if (!match || !fn) {
      // Not an invocation of a local function: the emulator answers (function configuration, lists, ...).
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(req.headers)) if (typeof value === 'string' && key !== 'host' && key !== 'content-length') headers[key] = value;
      const forwarded = await fetch(`${this.emulatorEndpoint}${req.url ?? '/'}`, { method: req.method, headers, body: body.length > 0 ? new Uint8Array(body) : undefined });
      res.writeHead(forwarded.status, { 'content-type': forwarded.headers.get('content-type') ?? 'application/json' }).end(Buffer.from(await forwarded.arrayBuffer()));
      return;
    }
    const invocationType = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    let event: unknown = null;
    if (body.length > 0) {
      try {
        event = JSON.parse(body.toString('utf8'));
      } catch {
        res.writeHead(400, { 'content-type': 'application/json', 'x-amzn-errortype': 'InvalidRequestContentException' }).end(JSON.stringify({ Type: 'User', message: 'Could not parse request body into json' }));
        return;
      }
    }
    if (invocationType === 'DryRun') {
      res.writeHead(204, { 'x-amzn-requestid': randomUUID() }).end();
      return;
    }
    if (invocationType === 'Event') {
      void fn.invoke(event);
      res.writeHead(202, { 'x-amzn-requestid': randomUUID() }).end();
      return;
    }
    const outcome = await fn.invoke(event);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-amzn-requestid': outcome.requestId, 'x-amz-executed-version': '$LATEST' };
    if (outcome.ok) {
      res.writeHead(200, headers).end(outcome.payload === undefined ? 'null' : JSON.stringify(outcome.payload));
    } else {
      res.writeHead(200, { ...headers, 'x-amz-function-error': 'Unhandled' }).end(JSON.stringify(outcome.error));
    }
  }
}
