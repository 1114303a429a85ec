// One Lambda execution environment of the sandbox: a worker thread with its own process.env (the
// function's environment from the template), which imports the function's bundle once (the cold start)
// and then runs one invocation at a time, like the Lambda Node.js runtime.
// Plain JavaScript on purpose: workers load it without the TypeScript loader, so cold starts stay short.
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { getHeapStatistics } from 'node:v8';

const { codeDir, handler: handlerSetting, functionName, functionArn, memorySize, logGroupName, logStreamName, sourceMaps } = workerData;

if (sourceMaps) process.setSourceMapsEnabled(true);

/**
 * This environment's JavaScript memory: its V8 heap as allocated plus the memory its objects hold outside it
 * (buffers). Lambda's "Max Memory Used" is the whole process's, which adds Node.js itself: not measured here.
 */
function heapBytes() {
  const { total_heap_size: heap, external_memory: external } = getHeapStatistics();
  return heap + external;
}

function serializeError(error) {
  if (error instanceof Error) {
    return {
      errorType: error.name || 'Error',
      errorMessage: error.message,
      trace: (error.stack ?? '').split('\n'),
    };
  }
  return { errorType: 'Error', errorMessage: typeof error === 'string' ? error : JSON.stringify(error), trace: [] };
}

async function loadHandler() {
  // "index.handler" → module "index" (index.mjs, index.js or index.cjs) and export "handler".
  const dot = handlerSetting.lastIndexOf('.');
  const modulePath = handlerSetting.slice(0, dot);
  const exportName = handlerSetting.slice(dot + 1);
  const candidates = ['.mjs', '.js', '.cjs'].map((ext) => path.join(codeDir, `${modulePath}${ext}`));
  const file = candidates.find((candidate) => existsSync(candidate));
  if (!file) {
    throw Object.assign(new Error(`Cannot find module '${modulePath}' in ${codeDir}`), { name: 'Runtime.ImportModuleError' });
  }
  const mod = await import(pathToFileURL(file).href);
  const fn = mod[exportName] ?? mod.default?.[exportName];
  if (typeof fn !== 'function') {
    throw Object.assign(new Error(`${modulePath}.${exportName} is undefined or not exported`), { name: 'Runtime.HandlerNotFound' });
  }
  return fn;
}

const started = performance.now();
let handler;
let initError;
try {
  handler = await loadHandler();
} catch (error) {
  initError = serializeError(error);
}
parentPort.postMessage({ type: 'ready', initDurationMs: performance.now() - started, error: initError, heapBytes: heapBytes() });

parentPort.on('message', async (message) => {
  if (message.type !== 'invoke') return;
  const { id, event, requestId, deadline, traceId, clientContext } = message;
  if (initError) {
    parentPort.postMessage({ type: 'result', id, ok: false, error: initError });
    return;
  }
  process.env._X_AMZN_TRACE_ID = traceId;
  const context = {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: functionArn,
    memoryLimitInMB: String(memorySize),
    awsRequestId: requestId,
    logGroupName,
    logStreamName,
    identity: undefined,
    clientContext,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
  try {
    let result;
    if (handler.length >= 3) {
      // Callback-style handler.
      result = await new Promise((resolve, reject) => {
        const maybe = handler(event, context, (error, value) => (error ? reject(error) : resolve(value)));
        if (maybe && typeof maybe.then === 'function') maybe.then(resolve, reject);
      });
    } else {
      result = await handler(event, context);
    }
    parentPort.postMessage({ type: 'result', id, ok: true, result: result === undefined ? null : JSON.parse(JSON.stringify(result)), heapBytes: heapBytes() });
  } catch (error) {
    parentPort.postMessage({ type: 'result', id, ok: false, error: serializeError(error), heapBytes: heapBytes() });
  }
});
