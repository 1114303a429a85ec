import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackServer } from '../loopback-server';
import type { Execution, LocalStepFunctions } from './engine';
import { SfnApiError } from './errors';

const epoch = (date: Date | undefined) => (date ? date.getTime() / 1000 : undefined);

function describe(execution: Execution): Record<string, unknown> {
  return {
    executionArn: execution.executionArn,
    stateMachineArn: execution.stateMachineArn,
    name: execution.name,
    status: execution.status,
    startDate: epoch(execution.startDate),
    stopDate: epoch(execution.stopDate),
    input: execution.input,
    inputDetails: { included: true },
    output: execution.output,
    outputDetails: execution.output === undefined ? undefined : { included: true },
    error: execution.error,
    cause: execution.cause,
  };
}

function page<T>(items: readonly T[], maxResults: unknown, nextToken: unknown): { items: T[]; nextToken?: string } {
  const start = nextToken ? Number(Buffer.from(String(nextToken), 'base64url').toString()) : 0;
  const size = Number(maxResults) > 0 ? Number(maxResults) : 100;
  const slice = items.slice(start, start + size);
  return { items: slice, nextToken: start + size < items.length ? Buffer.from(String(start + size)).toString('base64url') : undefined };
}

/**
 * The Step Functions API on loopback (AWS JSON 1.0 protocol), for handlers and tools that call Step
 * Functions through the AWS SDK (`AWS_ENDPOINT_URL_SFN`): execution operations are answered by the local
 * interpreter; everything else (DescribeStateMachine, ListStateMachines, tags, ...) is forwarded to the
 * emulator, which holds the deployed state machines.
 */
export class StepFunctionsApiServer extends LoopbackServer {
  constructor(
    private readonly sfn: LocalStepFunctions,
    private readonly emulatorEndpoint: string,
  ) {
    super();
  }

  private operation(op: string, body: Record<string, unknown>): Record<string, unknown> | undefined {
    const sfn = this.sfn;
    switch (op) {
      case 'StartExecution': {
        const started = sfn.startExecution({ stateMachineArn: String(body.stateMachineArn), name: body.name as string | undefined, input: body.input as string | undefined });
        return { executionArn: started.executionArn, startDate: epoch(started.startDate) };
      }
      case 'DescribeExecution':
        return describe(sfn.describeExecution(String(body.executionArn)));
      case 'ListExecutions': {
        const executions = sfn.listExecutions(String(body.stateMachineArn), body.statusFilter as string | undefined);
        const { items, nextToken } = page(executions, body.maxResults, body.nextToken);
        return {
          executions: items.map((e) => ({ executionArn: e.executionArn, stateMachineArn: e.stateMachineArn, name: e.name, status: e.status, startDate: epoch(e.startDate), stopDate: epoch(e.stopDate) })),
          nextToken,
        };
      }
      case 'StopExecution':
        return { stopDate: epoch(sfn.stopExecution(String(body.executionArn), body.error as string | undefined, body.cause as string | undefined)) };
      case 'SendTaskSuccess':
        sfn.sendTaskSuccess(String(body.taskToken), String(body.output));
        return {};
      case 'SendTaskFailure':
        sfn.sendTaskFailure(String(body.taskToken), body.error as string | undefined, body.cause as string | undefined);
        return {};
      case 'SendTaskHeartbeat':
        sfn.sendTaskHeartbeat(String(body.taskToken));
        return {};
      case 'GetExecutionHistory': {
        const history = sfn.historyOf(String(body.executionArn));
        const events = body.reverseOrder ? history.reverse() : history;
        const { items, nextToken } = page(events, body.maxResults, body.nextToken);
        return { events: items, nextToken };
      }
      case 'DescribeStateMachineForExecution': {
        const execution = sfn.describeExecution(String(body.executionArn));
        const machine = sfn.stateMachines().find((m) => m.arn === execution.stateMachineArn)!;
        return { stateMachineArn: machine.arn, name: machine.name, definition: machine.definition, roleArn: machine.roleArn, updateDate: epoch(execution.startDate) };
      }
      default:
        return undefined;
    }
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const raw = Buffer.concat(chunks);
    const target = String(req.headers['x-amz-target'] ?? '');
    const op = target.split('.').pop() ?? '';
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() }).end(JSON.stringify(payload));
    };
    try {
      const body = raw.length > 0 ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
      const result = this.operation(op, body);
      if (result !== undefined) {
        send(200, JSON.parse(JSON.stringify(result)));
        return;
      }
      // Not an execution operation: the emulator answers (it holds the deployed state machines).
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(req.headers)) if (typeof value === 'string' && key !== 'host' && key !== 'content-length') headers[key] = value;
      const forwarded = await fetch(this.emulatorEndpoint, { method: req.method, headers, body: raw.length > 0 ? new Uint8Array(raw) : undefined });
      const text = await forwarded.text();
      res.writeHead(forwarded.status, { 'content-type': forwarded.headers.get('content-type') ?? 'application/x-amz-json-1.0' }).end(text);
    } catch (error) {
      if (error instanceof SfnApiError) send(error.status, { __type: error.type, message: error.message });
      else send(500, { __type: 'InternalFailure', message: `sandbox: ${(error as Error).message}` });
    }
  }
}
