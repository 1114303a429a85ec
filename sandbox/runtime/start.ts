import type { DeployedStack } from '../deploy/deployer';
import { ShutdownStack } from '../shutdown';
import { LocalRestApi, startRestApis } from './api-gateway/server';
import { METRIC_NAMES, METRICS_NAMESPACE } from '../../registry/catalog';
import { EmfForwarder, metricSumOf } from './emf';
import { functionSpecs, type UnsupportedFunction } from './function-specs';
import { FunctionRegistry, LocalFunction } from './functions';
import { LambdaApiServer } from './lambda-api';
import { configureBucketNotifications } from './s3-notifications';
import { LocalSchedules } from './schedules';
import { startSqsPollers, type SqsPoller } from './sqs-pollers';
import { StepFunctionsApiServer } from './step-functions/api-server';
import { LocalStepFunctions } from './step-functions/engine';
import { stateMachineSpecs } from './step-functions/specs';

export interface RuntimeOptions {
  /** The emulator's endpoint. */
  readonly endpoint: string;
  /** Where inline function code is written (`<dir>/<stack>/<logicalId>/index.js`). */
  readonly inlineCodeDir: string;
  /** Directory of the per-function log files. */
  readonly functionLogDir: string;
  /** Directory of the API stages' access logs (api-gateway/access-log.ts). @default - counted, not written */
  readonly accessLogDir?: string;
  readonly log: (line: string) => void;
  /** Also echo function output to this sink. @default - log files only */
  readonly functionLog?: (functionName: string, line: string) => void;
  /** Start one execution environment per function before returning. @default false */
  readonly prewarm?: boolean;
  /** The AWS endpoint the functions get (`AWS_ENDPOINT_URL`), e.g. a fault proxy in front of the emulator. @default endpoint */
  readonly functionAwsEndpoint?: string;
}

/** The local runtime of the deployed templates: what moto does not run. */
export interface LocalRuntime {
  readonly functions: FunctionRegistry;
  readonly unsupportedFunctions: readonly UnsupportedFunction[];
  readonly stepFunctions: LocalStepFunctions;
  readonly pollers: readonly SqsPoller[];
  readonly apis: readonly LocalRestApi[];
  /** EventBridge Scheduler's schedules (SQS targets): fired on demand; `startTimers()` runs them at their rate. */
  readonly schedules: LocalSchedules;
  /** The local Step Functions API (`AWS_ENDPOINT_URL_SFN`). */
  readonly sfnEndpoint: string;
  /** The local Lambda Invoke API (`AWS_ENDPOINT_URL_LAMBDA`). */
  readonly lambdaEndpoint: string;
  /**
   * Puts the EMF metrics the functions have written so far into the emulator's CloudWatch now, instead of at the
   * forwarder's next put (about once a second): what a reader of the metrics awaits first.
   */
  flushMetrics(): Promise<void>;
  /** Stops the REST APIs, pollers, executions, functions (then puts their last metrics) and the API servers, in that order. */
  stop(): Promise<void>;
}

/**
 * Starts everything the deployed templates describe but the emulator does not run: the functions (worker
 * threads), the local Step Functions and Lambda APIs, the SQS event source mappings, the buckets' S3 event
 * notifications, the REST APIs and the EventBridge Scheduler schedules (their timers start only when asked:
 * `npm start` does).
 * If a part fails to start, the parts already started are stopped before the error is passed on.
 */
export async function startRuntime(stacks: readonly DeployedStack[], options: RuntimeOptions): Promise<LocalRuntime> {
  const { endpoint, log } = options;
  const stops = new ShutdownStack(log);
  const stopAll = () => stops.run();
  try {
    // The local Step Functions and Lambda APIs invoke functions, and functions call those APIs (their URLs are
    // in every function's environment): the servers start first on an empty registry, the functions follow.
    const functions = new FunctionRegistry();
    const stepFunctions = new LocalStepFunctions(stacks.flatMap(stateMachineSpecs), { functions, endpoint, log });
    const sfnServer = new StepFunctionsApiServer(stepFunctions, endpoint);
    await sfnServer.listen();
    stops.push(() => sfnServer.close());
    const lambdaServer = new LambdaApiServer(functions, endpoint);
    await lambdaServer.listen();
    stops.push(() => lambdaServer.close());

    // CloudWatch Logs' EMF extraction, which moto lacks: Powertools metrics reach moto's CloudWatch.
    const emf = new EmfForwarder(endpoint, log);
    const unsupportedFunctions: UnsupportedFunction[] = [];
    const serviceEnvironment = { AWS_ENDPOINT_URL: options.functionAwsEndpoint ?? endpoint, AWS_ENDPOINT_URL_SFN: sfnServer.url, AWS_ENDPOINT_URL_LAMBDA: lambdaServer.url };
    const echo = (functionName: string, line: string) => {
      // The cost meter's split of billed time (sandbox/metering.ts): what an outbound adapter waited for its pace.
      const waited = metricSumOf(emf.accept(line), METRICS_NAMESPACE, METRIC_NAMES.rateLimitWait);
      const stats = waited > 0 ? functions.find(functionName)?.stats : undefined;
      if (stats) stats.rateLimitWaitMs += waited;
      options.functionLog?.(functionName, line);
    };
    for (const stack of stacks) {
      const { specs, unsupported } = functionSpecs(stack, options.inlineCodeDir);
      unsupportedFunctions.push(...unsupported);
      functions.register(specs.map((spec) => new LocalFunction(spec, { serviceEnvironment, logDir: options.functionLogDir, echo })));
    }
    // Functions stop first (their last lines are read), then the last metrics are put.
    stops.push(() => emf.stop());
    stops.push(() => functions.stop());
    // Executions stop before the functions they call.
    stops.push(() => stepFunctions.stop());
    if (options.prewarm) await Promise.all(functions.functions.map((fn) => fn.warm()));

    const pollers = startSqsPollers(stacks, functions, endpoint, log);
    stops.push(() => pollers.stop());
    // S3 event notifications, which moto's CloudFormation leaves out (s3-notifications.ts).
    await configureBucketNotifications(stacks, endpoint, log);
    const apis = await startRestApis(stacks, functions, { accessLogDir: options.accessLogDir });
    stops.push(() => Promise.all(apis.map((api) => api.close())).then(() => undefined));
    // Schedules stop first: a timer firing into stopped pollers would only leave a message behind.
    const schedules = new LocalSchedules(stacks, endpoint, log, functions);
    stops.push(() => schedules.stop());

    return {
      functions,
      unsupportedFunctions,
      stepFunctions,
      pollers: pollers.pollers,
      apis,
      schedules,
      sfnEndpoint: sfnServer.url,
      lambdaEndpoint: lambdaServer.url,
      flushMetrics: () => emf.flush(),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
