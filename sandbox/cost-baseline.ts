import { DYNAMODB_WRITES, indexWriteUnitsOf, writeUnitsOf } from './cost-model';
import type { AwsCallCount, LambdaUsage, Usage } from './metering';

/**
 * Two views of a metered run for the cost comparison (bench/cost.bench.ts), both pure, both priced by the same
 * model (sandbox/cost-model.ts):
 *
 * - `webhookPath(usage)`: what the product spends on webhook events, without the exception workflows (their
 *   functions, transitions and integrations) and without the read APIs (trace, visibility page), which are
 *   priced separately: they scale with exceptions and with readers, not with webhook events.
 * - `plainPipeline(usage)`: what the same run would have counted in the design a user would otherwise write —
 *   API Gateway → one Lambda per webhook (signature, validation, Powertools idempotency) → EventBridge → one SQS
 *   queue per target → one Lambda invocation per message (batch size 1) with a Powertools idempotency record per
 *   call, no correlation index, no ledger, no batching. It is built from the product's own measurements (the same
 *   inbound functions with their idempotency and PutEvents; the outbound functions' measured duration, spread over
 *   one invocation per message), so the comparison holds the work constant and changes only the plumbing.
 *   Same architecture as ours (arm64): a baseline a careful user would build, not a straw man.
 */

/** A function's part in the product, from its Powertools service name (lib/ sets it per construct). */
export type FunctionRole = 'inbound' | 'outbound' | 'indexer' | 'workflow' | 'read-api';

export function roleOf(service: string): FunctionRole {
  if (service.startsWith('exception-workflow')) return 'workflow';
  if (service === 'correlation-indexer') return 'indexer';
  if (service === 'trace-api' || service === 'visibility-api') return 'read-api';
  if (service.endsWith('-outbound')) return 'outbound';
  // `<system>-inbound`, and the SAP read-back (the second half of an inbound webhook).
  return 'inbound';
}

const isWebhookApi = (name: string) => /webhook/i.test(name);

function byRole(usage: Usage, roles: readonly FunctionRole[]): { lambda: LambdaUsage[]; logicalIds: Set<string>; functionNames: Set<string> } {
  const lambda = usage.lambda.filter((fn) => roles.includes(roleOf(fn.service)));
  return { lambda, logicalIds: new Set(lambda.map((fn) => fn.logicalId)), functionNames: new Set(lambda.map((fn) => fn.functionName)) };
}

/** The run without the exception workflows and the read APIs. */
export function webhookPath(usage: Usage): Usage {
  const kept = byRole(usage, ['inbound', 'outbound', 'indexer']);
  return {
    awsCalls: usage.awsCalls.filter((c) => c.principal !== 'stepFunctions' && (c.principal !== 'functions' || (c.function !== undefined && kept.logicalIds.has(c.function)))),
    lambda: kept.lambda,
    sqsEventSources: usage.sqsEventSources.filter((s) => kept.functionNames.has(s.functionName)),
    stepFunctions: { executions: 0, stateTransitions: 0 },
    restApis: usage.restApis.filter((a) => isWebhookApi(a.name)),
  };
}

/** Powertools idempotency per call: a conditional put (in progress), then an update (completed). */
const IDEMPOTENCY_WRITES_PER_CALL = 2;

/**
 * An inbound request as Powertools' own layer would have sent it. Ours reads the record (a consistent `GetItem`) and
 * writes it once after publishing (`UpdateItem`, lambdas/shared/idempotency.ts `RecordOnSuccessPersistenceLayer`);
 * Powertools' layer puts a claim instead of the read (a conditional `PutItem`, billed whether it succeeds or a repeat
 * finds the record) and completes it with the same update. The webhook functions' `GetItem` and `UpdateItem` rights
 * are on the idempotency table only (lib/adapters/inbound-adapter.ts), so these are its requests.
 */
function withClaimFirst(call: AwsCallCount): AwsCallCount[] {
  if (call.service !== 'dynamodb' || call.operation !== 'GetItem') return [call];
  return [{ ...call, operation: 'PutItem', writeUnits: undefined, readUnits: undefined }];
}

/** What the plain pipeline would have counted for the same webhooks and the same target calls. */
export function plainPipeline(usage: Usage): Usage {
  const inbound = byRole(usage, ['inbound']);
  const outbound = byRole(usage, ['outbound']);
  const sources = usage.sqsEventSources.filter((s) => outbound.functionNames.has(s.functionName));
  // The webhook functions (`<system>-inbound`), apart from the inbound side's queue consumers (read-back, alert recheck).
  const webhookFunctions = new Set(inbound.lambda.filter((fn) => fn.service.endsWith('-inbound')).map((fn) => fn.logicalId));
  const messages = sources.reduce((n, s) => n + s.messages, 0);
  const calls: AwsCallCount[] = [
    // The inbound functions as they ran (signature, validation, PutEvents), with Powertools' own idempotency layer.
    ...usage.awsCalls
      .filter((c) => c.principal === 'functions' && c.function !== undefined && inbound.logicalIds.has(c.function))
      .flatMap((c) => (webhookFunctions.has(c.function!) ? withClaimFirst(c) : [c])),
    // Each target message: one Powertools record (put, then update), one receive and one delete (batch size 1).
    { principal: 'functions', service: 'dynamodb', operation: 'PutItem', count: messages, items: messages },
    { principal: 'functions', service: 'dynamodb', operation: 'UpdateItem', count: messages * (IDEMPOTENCY_WRITES_PER_CALL - 1), items: messages * (IDEMPOTENCY_WRITES_PER_CALL - 1) },
    { principal: 'eventSourceMappings', service: 'sqs', operation: 'ReceiveMessage', count: messages, items: messages },
    { principal: 'eventSourceMappings', service: 'sqs', operation: 'DeleteMessage', count: messages, items: messages },
  ];
  return {
    awsCalls: calls.filter((c) => c.count > 0),
    lambda: [
      ...inbound.lambda,
      // The same work, one invocation per message.
      ...outbound.lambda.map((fn) => {
        const source = sources.find((s) => s.functionName === fn.functionName);
        return source ? { ...fn, invocations: source.messages } : fn;
      }),
    ],
    sqsEventSources: sources.map((s) => ({ ...s, batches: s.messages, batchSize: 1 })),
    stepFunctions: { executions: 0, stateTransitions: 0 },
    restApis: usage.restApis.filter((a) => isWebhookApi(a.name)),
  };
}

/**
 * The run as it would have been billed below the targets' rate limits: each function's billed time less what it said
 * it waited for a pacing slot (`rateLimitWaitMs`, the outbound adapters' `RateLimitWait`). A run driven at a target's
 * rate limit (the volume run is: its throughput is the fleet's route pace) bills every message its wait for a slot; a
 * stage whose traffic stays below the limits bills none of it. Applied before `webhookPath` or `plainPipeline`, whose
 * outbound duration is ours.
 */
export function withoutRateLimitWaits(usage: Usage): Usage {
  return { ...usage, lambda: usage.lambda.map((fn) => ({ ...fn, billedMs: Math.max(0, fn.billedMs - (fn.rateLimitWaitMs ?? 0)), rateLimitWaitMs: 0 })) };
}

/** Webhook requests of the run (the denominator of "per 1M webhook events"). */
export function webhookRequests(usage: Usage): number {
  return usage.restApis.filter((a) => isWebhookApi(a.name)).reduce((n, a) => n + a.requests, 0);
}

/** DynamoDB write request units by function (logical id), as the model counts them (cost-model.ts), GSI writes included. */
export function writeUnitsByFunction(usage: Usage): Map<string, number> {
  const result = new Map<string, number>();
  for (const c of usage.awsCalls) {
    const units = c.service === 'dynamodb' ? DYNAMODB_WRITES[c.operation] : undefined;
    if (!units) continue;
    const who = c.function ?? c.principal;
    result.set(who, (result.get(who) ?? 0) + writeUnitsOf(c) + indexWriteUnitsOf(c));
  }
  return result;
}
