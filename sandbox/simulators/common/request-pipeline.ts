import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Contract, ContractCheck } from '../../../contracts/contract';
import type { ContractEnforcer } from './contract-enforcement';
import type { FaultController } from './faults';
import { BodyTooLargeError, flattenHeaders, parseJson, queryObject, readBody, writeResponse, type SimRequest, type SimResponse } from './http';
import { requestFingerprint, type IdempotencyPolicy, type IdempotencyStore } from './idempotency';
import type { Handler, SimLogger } from './options';
import { matchPath } from './paths';
import type { CallRecorder } from './records';
import type { TimerRegistry } from './timers';
import { SimHttpError, SimValidationError } from './validate';

export interface RouteDef {
  readonly method: string;
  readonly pattern: string;
  readonly handler: Handler;
  readonly auth: boolean;
  readonly idempotent: boolean;
}

type MutableRequest = { -readonly [K in keyof SimRequest]: SimRequest[K] };

/** What the pipeline needs of its simulator: the shared machinery, and the vendor's behaviour (the subclass hooks). */
export interface PipelineHost {
  readonly system: string;
  readonly now: () => Date;
  readonly log: SimLogger;
  readonly maxBodyBytes: number;
  readonly recorder: CallRecorder;
  readonly faults: FaultController;
  readonly timers: TimerRegistry;
  readonly routes: readonly RouteDef[];
  readonly contracts: ContractEnforcer;
  idempotency(): { policy: IdempotencyPolicy; store: IdempotencyStore } | undefined;
  /** Status and code for invalid input (Zendesk answers 422, most APIs 400). */
  validation(): { status: number; code: string };
  authenticate(req: SimRequest): SimResponse | undefined;
  errorResponse(status: number, code: string, message: string, headers?: Record<string, string>): SimResponse;
  contractViolation(check: ContractCheck, req: SimRequest): SimResponse;
  beforeRoute(req: SimRequest): SimResponse | undefined;
  decorate(req: SimRequest, response: SimResponse): SimResponse;
  /** Answers `/__sim/*` (control-plane.ts). */
  control(method: string, path: string, query: URLSearchParams, rawBody: string): Promise<SimResponse>;
}

/**
 * How a simulator answers a request: the `/__sim` control plane apart, every request is recorded, then faults
 * apply (delay, refusal, dropped connection), the vendor's own gate (`beforeRoute`), routing (404, 405),
 * authentication, the vendor contract (404 for an operation the vendor does not have, the vendor's answer to a
 * request that breaks it), idempotency keys, the handler (its errors in the vendor's shape), and the check of
 * the simulator's own answer against the contract.
 */
export class RequestPipeline {
  constructor(private readonly host: PipelineHost) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = this.host;
    const url = new URL(req.url ?? '/', 'http://simulator');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    let rawBody = '';
    let tooLarge = false;
    try {
      rawBody = await readBody(req, host.maxBodyBytes);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      tooLarge = true;
    }
    if (path === '/__sim' || path.startsWith('/__sim/')) {
      writeResponse(res, await host.control(method, path, url.searchParams, rawBody));
      return;
    }

    const started = performance.now();
    const headers = flattenHeaders(req.headers);
    const parsed = parseJson(rawBody);
    const record = host.recorder.start({
      at: host.now().toISOString(),
      method,
      path,
      query: queryObject(url.searchParams),
      headers,
      body: parsed ?? (rawBody === '' ? null : rawBody),
      idempotencyKey: headers['idempotency-key'] ?? null,
    });
    const request: MutableRequest = { method, path, query: url.searchParams, headers, rawBody, body: parsed, params: {}, record };
    const answer = (response: SimResponse): void => {
      record.status = response.status;
      record.durationMs = Math.round(performance.now() - started);
      writeResponse(res, response);
    };

    if (tooLarge) return answer(host.errorResponse(413, 'payload_too_large', `request body larger than ${host.maxBodyBytes} bytes`));

    const decision = host.faults.evaluate(method, path);
    if (decision.applied.length > 0) record.faults = decision.applied;
    if (decision.delayMs > 0) {
      try {
        await host.timers.sleep(decision.delayMs);
      } catch {
        res.destroy();
        return;
      }
    }
    const blocking = decision.blocking;
    if (blocking?.kind === 'drop' && !blocking.afterHandling) {
      req.socket.destroy();
      return;
    }
    let response: SimResponse;
    if (blocking && blocking.kind !== 'drop') {
      const retryAfter = decision.retryAfterSeconds !== undefined ? { 'retry-after': String(decision.retryAfterSeconds) } : undefined;
      if (blocking.kind === 'rateLimit') response = host.errorResponse(429, 'rate_limited', 'Too many requests (simulated rate limit)', retryAfter);
      else if (blocking.kind === 'maintenance') response = host.errorResponse(503, 'maintenance', 'Service unavailable: scheduled maintenance (simulated)', retryAfter);
      else response = host.errorResponse(blocking.status ?? 500, 'internal_error', 'Internal server error (simulated)');
    } else {
      response = await this.dispatch(request);
    }
    response = host.decorate(request, response);
    if (blocking?.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    answer(response);
  }

  private async dispatch(request: MutableRequest): Promise<SimResponse> {
    const host = this.host;
    const early = host.beforeRoute(request);
    if (early) return early;
    const matching = host.routes.flatMap((route) => {
      const params = matchPath(route.pattern, request.path);
      return params ? [{ route, params }] : [];
    });
    if (matching.length === 0) return host.errorResponse(404, 'not_found', `No such resource: ${request.method} ${request.path}`);
    const match = matching.find((m) => m.route.method === request.method);
    if (!match) {
      return host.errorResponse(405, 'method_not_allowed', `${request.method} is not allowed on ${request.path}`, { allow: [...new Set(matching.map((m) => m.route.method))].join(', ') });
    }
    request.params = match.params;
    if (match.route.auth) {
      const refusal = host.authenticate(request);
      if (refusal) return refusal;
    }
    const checked = host.contracts.checkRequest(request);
    if (checked) {
      const { check } = checked;
      request.record.contract = { ...(check.operationId ? { operationId: check.operationId } : {}), errors: check.errors };
      if (!check.operationId) return host.errorResponse(404, 'not_found', `No such resource: ${request.method} ${request.path}`);
      if (check.errors.length > 0) return host.contractViolation(check, request);
    }
    const key = request.record.idempotencyKey;
    const idempotency = host.idempotency();
    const response = match.route.idempotent && idempotency && key ? await this.invokeIdempotent(match.route.handler, request, key, idempotency) : await this.invoke(match.route.handler, request);
    return checked?.check.operationId ? this.checkOwnResponse(request, checked.contract, checked.check.operationId, response) : response;
  }

  private checkOwnResponse(request: MutableRequest, contract: Contract, operationId: string, response: SimResponse): SimResponse {
    if (response.status < 200 || response.status > 299) return response;
    const errors = contract.checkResponse(operationId, response.status, response.body);
    if (errors.length === 0) return response;
    request.record.contract = { ...request.record.contract, errors: request.record.contract?.errors ?? [], responseErrors: errors };
    this.host.log('simulator answer breaks the vendor contract', { system: this.host.system, operationId, errors });
    return this.host.errorResponse(500, 'contract_violation', `simulator answer to ${operationId} breaks the ${contract.name} contract: ${errors.join('; ')}`);
  }

  private async invokeIdempotent(handler: Handler, request: SimRequest, key: string, idem: { policy: IdempotencyPolicy; store: IdempotencyStore }): Promise<SimResponse> {
    const lookup = idem.store.begin(key, requestFingerprint(request.method, request.path, request.rawBody));
    switch (lookup.kind) {
      case 'hit':
        request.record.replayed = true;
        return { ...lookup.response, headers: { ...lookup.response.headers, ...idem.policy.hitHeaders } };
      case 'mismatch':
        return idem.policy.mismatch();
      case 'in-flight':
        return idem.policy.inFlight();
      case 'miss': {
        const response = await this.invoke(handler, request);
        idem.store.complete(key, response);
        return { ...response, headers: { ...response.headers, ...idem.policy.missHeaders } };
      }
    }
  }

  private async invoke(handler: Handler, request: SimRequest): Promise<SimResponse> {
    try {
      return await handler(request);
    } catch (error) {
      if (error instanceof SimHttpError) return this.host.errorResponse(error.status, error.code, error.message, error.headers);
      if (error instanceof SimValidationError) {
        const { status, code } = this.host.validation();
        return this.host.errorResponse(status, code, error.message);
      }
      this.host.log('handler failed', { system: this.host.system, path: request.path, error: String(error) });
      return this.host.errorResponse(500, 'internal_error', 'simulator handler failed');
    }
  }
}
