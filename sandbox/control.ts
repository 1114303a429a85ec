import type { IncomingMessage, ServerResponse } from 'node:http';
import { startMetering, type Meter, type MeteredSandbox } from './metering';
import type { LocalRestApi } from './runtime/api-gateway/server';
import type { LocalSchedules } from './runtime/schedules';
import type { BusTap } from './runtime/bus-tap';
import type { FunctionRegistry } from './runtime/functions';
import { LoopbackServer } from './runtime/loopback-server';
import type { SqsPoller } from './runtime/sqs-pollers';
import type { LocalStepFunctions } from './runtime/step-functions/engine';
import type { SystemSelection } from './systems-option';
import { runScenario, type ScenarioReport, type ScenarioSandbox } from './scenario/reference';

/** What runtime statistics are read from (see {@link stats}). */
export interface RuntimeStatsSource {
  readonly functions: Pick<FunctionRegistry, 'functions'>;
  readonly pollers: readonly SqsPoller[];
  readonly stepFunctions: Pick<LocalStepFunctions, 'stats' | 'allExecutions'>;
  readonly apis: readonly LocalRestApi[];
}

/**
 * What the control API serves from (its port; a running Sandbox satisfies it): the runtime statistics, the bus
 * tap, the functions to warm, and what the scenario and the meter need.
 */
export interface ControlledSandbox extends RuntimeStatsSource, ScenarioSandbox, MeteredSandbox {
  readonly functions: Pick<FunctionRegistry, 'functions'>;
  readonly pollers: readonly SqsPoller[];
  readonly stepFunctions: Pick<LocalStepFunctions, 'stats' | 'stateMachines' | 'allExecutions' | 'historyOf'>;
  readonly apis: readonly LocalRestApi[];
  readonly busTap: Pick<BusTap, 'events'>;
  /** Which vendor plays each system (`--systems`): `POST /scenario` plays it that way. */
  readonly systems?: SystemSelection;
  readonly schedules: Pick<LocalSchedules, 'fire' | 'specs' | 'firings'>;
}

/**
 * The sandbox's own control API on loopback (`endpoints.controlEndpoint`), for tests and tools in other
 * processes: runtime statistics, what went over the bus, warming functions, running the scenario.
 *
 * - `GET  /stats`       functions, SQS pollers (with deliveries per message id), Step Functions, REST APIs
 * - `GET  /bus-events`  every event the bus tap saw (`?type=<detail-type>` filters)
 * - `POST /warm`        starts one environment per function; answers `{ <functionName>: <init error> | null }`
 * - `POST /scenario`    runs the reference scenario in the sandbox process; answers its report
 * - `GET  /schedules`   the EventBridge Scheduler schedules run locally, and their firings
 * - `POST /schedules/fire?name=<part of the logical id>`   fires the matching schedules now (e.g. `name=FleetReconciliation`);
 *                       answers the firings once their messages are in the target queues
 * - `POST /metering/start`, `POST /metering/stop`   counts what the product uses in between; `stop` answers
 *                       the Usage (sandbox/metering.ts), the input of the cost model
 *
 * The vendor simulators have their own control plane (`<simulator>/__sim/...`).
 */
export class ControlServer extends LoopbackServer {
  private meter?: Meter;

  constructor(private readonly sandbox: ControlledSandbox) {
    super();
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    if (!res.headersSent) res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for await (const _ of req) {
      // drain
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const sandbox = this.sandbox;
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case 'GET /stats':
        this.send(res, 200, stats(sandbox));
        return;
      case 'GET /bus-events': {
        const type = url.searchParams.get('type');
        this.send(res, 200, sandbox.busTap.events().filter((e) => !type || e['detail-type'] === type));
        return;
      }
      case 'POST /warm': {
        const results = await Promise.all(sandbox.functions.functions.map(async (fn) => [fn.spec.functionName, (await fn.warm()) ?? null] as const));
        this.send(res, 200, Object.fromEntries(results));
        return;
      }
      case 'POST /scenario': {
        const lines: string[] = [];
        const report: ScenarioReport = await runScenario(sandbox, undefined, { log: (line) => lines.push(line), systems: sandbox.systems ?? {} });
        this.send(res, 200, { ...report, log: lines });
        return;
      }
      case 'GET /schedules':
        this.send(res, 200, { schedules: sandbox.schedules.specs, firings: sandbox.schedules.firings });
        return;
      case 'POST /schedules/fire': {
        try {
          this.send(res, 200, { firings: await sandbox.schedules.fire(url.searchParams.get('name') ?? undefined) });
        } catch (error) {
          this.send(res, 404, { message: (error as Error).message });
        }
        return;
      }
      case 'POST /metering/start': {
        if (this.meter) {
          this.send(res, 409, { message: 'a meter is already running; stop it first' });
          return;
        }
        this.meter = await startMetering(sandbox);
        this.send(res, 200, { metering: true });
        return;
      }
      case 'POST /metering/stop': {
        const meter = this.meter;
        if (!meter) {
          this.send(res, 409, { message: 'no meter is running' });
          return;
        }
        this.meter = undefined;
        this.send(res, 200, await meter.stop());
        return;
      }
      default:
        this.send(res, 404, { message: `unknown control route ${route}` });
    }
  }
}

/**
 * Starts the control API on a running sandbox and attaches it: its URL becomes `controlEndpoint` (in
 * `sandbox.endpoints` and endpoints.json), and it is closed when the sandbox stops. `npm start`
 * (bin/sandbox.ts) and the e2e setup call this.
 */
export async function startControlServer(sandbox: ControlledSandbox & { attach(server: { readonly endpoints: { readonly controlEndpoint: string }; close(): Promise<void> }): void }): Promise<ControlServer> {
  const server = new ControlServer(sandbox);
  await server.listen();
  try {
    sandbox.attach({ endpoints: { controlEndpoint: server.url }, close: () => server.close() });
  } catch (error) {
    await server.close();
    throw error;
  }
  return server;
}

/** Runtime statistics of a sandbox (also what a benchmark or cost model reads). */
export function stats(sandbox: RuntimeStatsSource) {
  return {
    functions: sandbox.functions.functions.map((fn) => ({ stackName: fn.spec.stackName, logicalId: fn.spec.logicalId, ...fn.stats })),
    pollers: sandbox.pollers.map((p) => {
      const deliveries: Record<string, number> = {};
      for (const record of p.seen) deliveries[record.messageId] = (deliveries[record.messageId] ?? 0) + 1;
      return { stackName: p.spec.stackName, ...p.stats, deliveries };
    }),
    stepFunctions: { ...sandbox.stepFunctions.stats, executions: sandbox.stepFunctions.allExecutions().map((e) => ({ executionArn: e.executionArn, status: e.status })) },
    apis: sandbox.apis.map((api) => ({ stackName: api.spec.stackName, logicalId: api.spec.logicalId, ...api.stats })),
  };
}
