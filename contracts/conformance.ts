import { loadContract, type Contract, type ContractName } from './contract';

/**
 * The conformance report (`npm run contracts`): per vendor, every API operation the product calls — found by
 * driving our real clients with a `fetch` that checks each request against the vendor's contract and answers as
 * the contract documents — and every documented webhook example through our intake. Nothing here is a claim
 * typed by hand: an operation is listed because a client called it.
 */

/** A request a probe made, with the contract's verdict. */
export interface ProbeCall {
  /** Which client method made it, e.g. `FleetClient.createRoute`. */
  readonly caller: string;
  readonly method: string;
  readonly path: string;
  readonly operationId?: string;
  readonly errors: readonly string[];
}

/** What our intake did with a documented webhook example. */
export interface ProbeWebhook {
  readonly event: string;
  readonly example: string;
  /** `accepted` (mapped to canonical events), `ignored: <reason>`, `deferred` (reads the vendor API first), or `refused: <error>`. */
  readonly outcome: string;
}

/** One vendor's probe: drives every client call the product makes, and the intake with every documented example. */
export interface VendorProbe {
  readonly contract: ContractName;
  /** Display name, e.g. `Samsara (fleet)`. */
  readonly vendor: string;
  /** Where the vendor's base URL ends and the contract's paths begin, e.g. `/sap/opu/odata/sap/API_SALES_ORDER_SRV`. */
  readonly basePath?: string;
  /** Calls every client method; `fetchFor(caller)` gives the fetch a client made by that caller must use. */
  exercise(fetchFor: (caller: string) => typeof fetch, baseUrl: string): Promise<void>;
  /**
   * The vendor's answer to the n-th call (1-based) of an operation, when the documented 2xx is not what the probe
   * needs (e.g. a refusal that sends the client down its read-back path). @default - the documented 2xx
   */
  answer?(operationId: string, n: number): { status: number; body?: unknown } | undefined;
  /** Runs one documented webhook example through our intake (pure: decode and map). */
  webhook?(event: string, example: unknown): Promise<string>;
}

export interface VendorConformance {
  readonly vendor: string;
  readonly contract: ContractName;
  readonly sources: readonly string[];
  readonly calls: readonly ProbeCall[];
  /** Operations in the contract that no client called (e.g. kept because the simulator serves them to tests). */
  readonly unused: readonly string[];
  readonly webhooks: readonly ProbeWebhook[];
}

const BASE = 'https://vendor.invalid';

/** A fetch that records each request with the contract's verdict and answers the documented 2xx (or 404 for an unknown operation). */
function probeFetch(contract: Contract, probe: VendorProbe, caller: string, basePath: string, calls: ProbeCall[]): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const headers = Object.fromEntries([...new Headers(init?.headers).entries()]);
    const raw = typeof init?.body === 'string' ? init.body : '';
    const type = headers['content-type'] ?? '';
    const body = raw === '' ? undefined : type.includes('json') ? JSON.parse(raw) : type.includes('x-www-form-urlencoded') ? Object.fromEntries(new URLSearchParams(raw)) : raw;
    const path = url.pathname.startsWith(basePath) ? url.pathname.slice(basePath.length) || '/' : url.pathname;
    const method = (init?.method ?? 'GET').toUpperCase();
    const check = contract.checkRequest({ method, path, query: url.searchParams, headers, body });
    calls.push({ caller, method, path: `${path}${url.search}`, ...(check.operationId ? { operationId: check.operationId } : {}), errors: check.errors });
    if (!check.operationId) return new Response(JSON.stringify({ message: 'not in the contract' }), { status: 404, headers: { 'content-type': 'application/json' } });
    const n = calls.filter((c) => c.operationId === check.operationId).length;
    const answer = probe.answer?.(check.operationId, n) ?? contract.mockResponse(check.operationId);
    return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
}

/** Runs one vendor's probe. */
export async function checkVendor(probe: VendorProbe): Promise<VendorConformance> {
  const contract = await loadContract(probe.contract);
  const calls: ProbeCall[] = [];
  const basePath = probe.basePath ?? '';
  await probe.exercise((caller) => probeFetch(contract, probe, caller, basePath, calls), `${BASE}${basePath}`);
  const used = new Set(calls.map((c) => c.operationId));
  const webhooks: ProbeWebhook[] = [];
  for (const webhook of contract.webhooks) {
    for (const example of webhook.examples ?? []) {
      const outcome = probe.webhook ? await probe.webhook(webhook.event, example.value) : 'not accepted by the product';
      webhooks.push({ event: webhook.event, example: example.summary, outcome });
    }
  }
  return {
    vendor: probe.vendor,
    contract: probe.contract,
    sources: contract.sources.map((s) => `${s.url}${s.revision ? ` @ ${s.revision.slice(0, 40)}` : ''} (${s.retrieved})`),
    calls,
    unused: contract.operations.map((o) => o.operationId).filter((id) => !used.has(id)),
    webhooks,
  };
}

/** The report as text: one section per vendor, one line per call and per documented example. */
export function formatConformance(results: readonly VendorConformance[]): string {
  const lines: string[] = [];
  for (const r of results) {
    const bad = r.calls.filter((c) => c.errors.length > 0).length;
    lines.push(`${r.vendor} — contracts/${r.contract}/openapi.json: ${r.calls.length - bad}/${r.calls.length} requests accepted by the contract`);
    for (const source of r.sources) lines.push(`  source  ${source.slice(0, 150)}`);
    for (const call of r.calls) {
      const verdict = call.errors.length === 0 ? 'valid' : `INVALID: ${call.errors.join('; ')}`;
      lines.push(`  call    ${call.caller.padEnd(50)} ${`${call.method} ${call.path}`.slice(0, 70).padEnd(70)} ${(call.operationId ?? '(no such operation)').padEnd(26)} ${verdict}`);
    }
    if (r.unused.length > 0) lines.push(`  unused  ${r.unused.join(', ')} (in the contract, not called by the product)`);
    for (const w of r.webhooks) lines.push(`  webhook ${w.event.padEnd(50)} ${w.outcome.slice(0, 90).padEnd(90)} (${w.example.slice(0, 60)}…)`);
  }
  return lines.join('\n');
}
