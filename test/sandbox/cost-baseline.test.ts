import { describe, expect, test } from 'vitest';
import { plainPipeline, roleOf, webhookPath, webhookRequests, withoutRateLimitWaits, writeUnitsByFunction } from '../../sandbox/cost-baseline';
import { costOf, loadPrices } from '../../sandbox/cost-model';
import type { Usage } from '../../sandbox/metering';

/** A small run: 10 webhooks, 12 canonical events on the ledger, 6 target messages, one workflow, page reads. */
const usage: Usage = {
  awsCalls: [
    // The intake's idempotency (record on success): 10 reads, 8 accepted webhooks written once, 2 repeats answered.
    { principal: 'functions', function: 'In', service: 'dynamodb', operation: 'GetItem', count: 10, items: 10 },
    { principal: 'functions', function: 'In', service: 'dynamodb', operation: 'UpdateItem', count: 8, items: 8 },
    { principal: 'functions', function: 'In', service: 'events', operation: 'PutEvents', count: 10, items: 10 },
    { principal: 'functions', function: 'Out', service: 'dynamodb', operation: 'PutItem', count: 6, items: 6 },
    { principal: 'functions', function: 'Out', service: 'dynamodb', operation: 'UpdateItem', count: 9, items: 9 },
    { principal: 'functions', function: 'Out', service: 'events', operation: 'PutEvents', count: 2, items: 2 },
    { principal: 'functions', function: 'Indexer', service: 'dynamodb', operation: 'PutItem', count: 12, items: 12 },
    { principal: 'functions', function: 'Indexer', service: 'dynamodb', operation: 'BatchWriteItem', count: 2, items: 8 },
    { principal: 'functions', function: 'Task', service: 'dynamodb', operation: 'UpdateItem', count: 3, items: 3 },
    { principal: 'functions', function: 'Page', service: 'dynamodb', operation: 'Query', count: 4, items: 4 },
    { principal: 'stepFunctions', service: 'events', operation: 'PutEvents', count: 1, items: 1 },
    { principal: 'eventSourceMappings', service: 'sqs', operation: 'ReceiveMessage', count: 5, items: 5 },
    { principal: 'eventSourceMappings', service: 'sqs', operation: 'DeleteMessageBatch', count: 5, items: 18 },
  ],
  lambda: [
    { functionName: 'in', logicalId: 'In', service: 'fleet-inbound', memoryMb: 256, architecture: 'arm64', invocations: 10, billedMs: 1000 },
    { functionName: 'out', logicalId: 'Out', service: 'erp-outbound', memoryMb: 256, architecture: 'arm64', invocations: 2, billedMs: 600 },
    { functionName: 'idx', logicalId: 'Indexer', service: 'correlation-indexer', memoryMb: 256, architecture: 'arm64', invocations: 3, billedMs: 300 },
    { functionName: 'task', logicalId: 'Task', service: 'exception-workflow-erptask', memoryMb: 256, architecture: 'arm64', invocations: 3, billedMs: 300 },
    { functionName: 'page', logicalId: 'Page', service: 'visibility-api', memoryMb: 256, architecture: 'arm64', invocations: 4, billedMs: 400 },
  ],
  sqsEventSources: [
    { functionName: 'out', batches: 2, messages: 6, batchSize: 10 },
    { functionName: 'idx', batches: 3, messages: 12, batchSize: 10 },
  ],
  stepFunctions: { executions: 1, stateTransitions: 24 },
  restApis: [
    { name: 'Stack/WebhooksApi', requests: 10 },
    { name: 'Stack/Visibility', requests: 4 },
  ],
};

describe('cost comparison views', () => {
  test('roles come from the Powertools service names', () => {
    expect(['fleet-inbound', 'erp-sap-read-back', 'cs-outbound', 'correlation-indexer', 'exception-workflow-starter', 'visibility-api', 'trace-api'].map(roleOf)).toEqual([
      'inbound',
      'inbound',
      'outbound',
      'indexer',
      'workflow',
      'read-api',
      'read-api',
    ]);
  });

  test('below the rate limits: each function bills its time less its pacing waits, in ours and in the plain pipeline alike', () => {
    const paced: Usage = { ...usage, lambda: usage.lambda.map((fn) => (fn.logicalId === 'Out' ? { ...fn, rateLimitWaitMs: 450 } : fn)) };
    const unpaced = withoutRateLimitWaits(paced);
    expect(unpaced.lambda.map((fn) => [fn.logicalId, fn.billedMs])).toEqual([
      ['In', 1000],
      ['Out', 150],
      ['Indexer', 300],
      ['Task', 300],
      ['Page', 400],
    ]);
    expect(unpaced.awsCalls).toEqual(paced.awsCalls);
    const prices = loadPrices();
    const lambdaUsd = (u: Usage) => costOf(u, prices, 'ours').lines.filter((l) => l.service === 'Lambda').reduce((n, l) => n + l.usd, 0);
    // 450 ms at 256 MB on arm64, in both designs: the plain pipeline's outbound duration is ours.
    const saved = 0.45 * 0.25 * prices.lambdaDurationArm64!.usd;
    expect(lambdaUsd(webhookPath(paced)) - lambdaUsd(webhookPath(unpaced))).toBeCloseTo(saved, 12);
    expect(lambdaUsd(plainPipeline(paced)) - lambdaUsd(plainPipeline(unpaced))).toBeCloseTo(saved, 12);
    // A run without waits is unchanged.
    expect(withoutRateLimitWaits(usage).lambda.map((fn) => fn.billedMs)).toEqual(usage.lambda.map((fn) => fn.billedMs));
  });

  test('the webhook path leaves out the workflows (functions, transitions, integrations) and the read APIs', () => {
    const path = webhookPath(usage);
    expect(path.lambda.map((fn) => fn.logicalId)).toEqual(['In', 'Out', 'Indexer']);
    expect(path.awsCalls.some((c) => c.function === 'Task' || c.function === 'Page' || c.principal === 'stepFunctions')).toBe(false);
    expect(path.stepFunctions.stateTransitions).toBe(0);
    expect(path.restApis).toEqual([{ name: 'Stack/WebhooksApi', requests: 10 }]);
    expect(webhookRequests(usage)).toBe(10);
    expect(costOf(path, loadPrices(), 'ours').totalUsd).toBeLessThan(costOf(usage, loadPrices(), 'ours').totalUsd);
  });

  test('the plain pipeline keeps the inbound work, calls each target once per message with a Powertools record, and has no index', () => {
    const plain = plainPipeline(usage);
    expect(plain.lambda.map((fn) => [fn.logicalId, fn.invocations, fn.billedMs])).toEqual([
      ['In', 10, 1000],
      ['Out', 6, 600],
    ]);
    expect(plain.sqsEventSources).toEqual([{ functionName: 'out', batches: 6, messages: 6, batchSize: 1 }]);
    const writes = writeUnitsByFunction(plain);
    // Inbound with Powertools' own layer: a claim per request (10, the repeats' failed puts included) and a
    // completion per accepted webhook (8); plus put + update per target message (12).
    expect(writes.get('In')).toBe(18);
    expect(plain.awsCalls.some((c) => c.function === 'In' && c.operation === 'GetItem')).toBe(false);
    expect(writes.get('functions')).toBe(12);
    const cost = costOf(plain, loadPrices(), 'ours');
    expect(cost.lines.find((l) => l.key === 'sqs-receives')?.quantity).toBe(6);
    expect(cost.lines.find((l) => l.key === 'sqs-deletes')?.quantity).toBe(6);
    expect(cost.lines.find((l) => l.key === 'eventbridge-events')?.quantity).toBe(10);
    expect(cost.lines.find((l) => l.key === 'lambda-invocations')?.quantity).toBe(16);
  });

  test('write units are counted per function as the model prices them', () => {
    expect(Object.fromEntries(writeUnitsByFunction(usage))).toEqual({ In: 8, Out: 15, Indexer: 20, Task: 3 });
  });
});
