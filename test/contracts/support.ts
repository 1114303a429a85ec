/**
 * Client contract tests: our API clients get a `fetch` that checks every request against the vendor's contract
 * (contracts/<vendor>/openapi.json) and answers with what the test says — no simulator in between, so a client
 * and a simulator cannot agree with each other against the vendor.
 */
import { expect } from 'vitest';
import type { Contract, ContractCheck } from '../../contracts/contract';

export interface ContractCall {
  readonly method: string;
  /** The path relative to the vendor's server (after `basePath`). */
  readonly path: string;
  readonly query: Record<string, string | string[]>;
  readonly headers: Record<string, string>;
  /** Parsed JSON, the form fields of an urlencoded body, the text, or undefined. */
  readonly body: unknown;
  readonly rawBody: string;
  readonly check: ContractCheck;
}

export interface CannedResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export interface ContractFetch {
  readonly fetch: typeof fetch;
  readonly calls: ContractCall[];
}

/**
 * A `fetch` for an HttpJsonClient whose base URL is `https://vendor.test` + `basePath`: records each request with
 * the contract's verdict and answers with `respond(call)` (JSON unless the body is a string).
 */
export function contractFetch(contract: Contract, respond: (call: ContractCall) => CannedResponse, options: { basePath?: string } = {}): ContractFetch {
  const calls: ContractCall[] = [];
  const basePath = options.basePath ?? '';
  const fetchFn = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const headers = Object.fromEntries(Object.entries(Object.fromEntries(new Headers(init?.headers).entries())).map(([k, v]) => [k.toLowerCase(), v]));
    const rawBody = typeof init?.body === 'string' ? init.body : init?.body instanceof URLSearchParams ? init.body.toString() : '';
    const contentType = headers['content-type'] ?? '';
    let body: unknown;
    if (rawBody !== '' && contentType.includes('json')) body = JSON.parse(rawBody);
    else if (rawBody !== '' && contentType.includes('application/x-www-form-urlencoded')) body = Object.fromEntries(new URLSearchParams(rawBody));
    else if (rawBody !== '') body = rawBody;
    const path = url.pathname.startsWith(basePath) ? url.pathname.slice(basePath.length) || '/' : url.pathname;
    const query: Record<string, string | string[]> = {};
    for (const key of new Set(url.searchParams.keys())) {
      const values = url.searchParams.getAll(key);
      query[key] = values.length === 1 ? values[0] : values;
    }
    const method = (init?.method ?? 'GET').toUpperCase();
    const check = contract.checkRequest({ method, path, query, headers, body });
    const call: ContractCall = { method, path, query, headers, body, rawBody, check };
    calls.push(call);
    const answer = respond(call);
    const text = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    return new Response(answer.status === 204 ? null : text, {
      status: answer.status,
      headers: { ...(typeof answer.body === 'string' || answer.body === undefined ? {} : { 'content-type': 'application/json' }), ...answer.headers },
    });
  };
  return { fetch: fetchFn as typeof fetch, calls };
}

/** Asserts that every recorded call matched an operation of the contract and broke none of its rules. */
export function expectAllConform(calls: readonly ContractCall[]): void {
  expect(calls.length).toBeGreaterThan(0);
  for (const call of calls) {
    expect({ request: `${call.method} ${call.path}`, operation: call.check.operationId, errors: call.check.errors }).toEqual({
      request: `${call.method} ${call.path}`,
      operation: expect.any(String),
      errors: [],
    });
  }
}
