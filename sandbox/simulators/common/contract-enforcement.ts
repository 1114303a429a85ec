import { loadContract, type Contract, type ContractCheck, type ContractName } from '../../../contracts/contract';
import type { SimRequest } from './http';
import { SimHttpError } from './validate';
import type { OutgoingWebhook } from './webhooks';

/** Where a contract applies (see `VendorSimulator.enforceContract`). */
export interface ContractScope {
  /**
   * Requests whose path starts with this prefix are held to the contract, with the prefix removed (the
   * vendor's server URL path, e.g. `/sap/opu/odata/sap/API_SALES_ORDER_SRV`); the longest matching prefix
   * wins. @default '' - every request
   */
  readonly pathPrefix?: string;
  /** Hold requests to it; false for a contract that only documents webhooks (a format). @default true */
  readonly requests?: boolean;
  /** Also check every webhook this simulator sends against this documented webhook (e.g. an envelope). @default - only webhooks of documented events */
  readonly everyWebhookAs?: string;
  /** Only webhooks of this dialect are held to the contract (e.g. `cloudevents`, not our own canonical format). @default - every dialect */
  readonly dialect?: string;
}

interface EnforcedContract {
  readonly name: ContractName;
  readonly scope: ContractScope;
  contract?: Contract;
}

/** The body as a contract sees it: form fields of an urlencoded body, else the text (JSON bodies arrive parsed). */
function contractBody(request: SimRequest): unknown {
  if (request.rawBody === '') return undefined;
  if ((request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(request.rawBody));
  return request.rawBody;
}

/**
 * The vendor contracts a simulator is held to (contracts/<name>/openapi.json): which one applies to a request
 * path, the request check, the check of the simulator's own 2xx answers, and the check of its webhooks.
 */
export class ContractEnforcer {
  private readonly enforced: EnforcedContract[] = [];

  constructor(private readonly system: string) {}

  add(name: ContractName, scope: ContractScope): void {
    this.enforced.push({ name, scope });
  }

  /** Loads every contract (once). */
  async load(): Promise<void> {
    for (const entry of this.enforced) entry.contract ??= await loadContract(entry.name);
  }

  /** The contract that holds requests to `path`: the one with the longest matching path prefix. */
  private contractFor(path: string): { contract?: Contract; prefix: string } | undefined {
    let best: EnforcedContract | undefined;
    for (const entry of this.enforced) {
      const prefix = entry.scope.pathPrefix ?? '';
      if (entry.scope.requests === false || !(prefix === '' || path === prefix || path.startsWith(`${prefix}/`))) continue;
      if (!best || prefix.length > (best.scope.pathPrefix ?? '').length) best = entry;
    }
    return best ? { contract: best.contract, prefix: best.scope.pathPrefix ?? '' } : undefined;
  }

  /** Checks a request against the contract for its path; undefined when no contract holds that path. */
  checkRequest(request: SimRequest): { check: ContractCheck; contract: Contract } | undefined {
    const enforced = this.contractFor(request.path);
    if (!enforced?.contract) return undefined;
    const check = enforced.contract.checkRequest({
      method: request.method,
      path: request.path.slice(enforced.prefix.length) || '/',
      query: request.query,
      headers: request.headers,
      body: request.body ?? contractBody(request),
    });
    return { check, contract: enforced.contract };
  }

  /**
   * Throws (500) when a webhook the simulator is about to send breaks a contract: webhooks of documented
   * events, and every webhook of a scope with `everyWebhookAs`. `payload` is the body as the contract sees it.
   */
  checkWebhook(webhook: Omit<OutgoingWebhook, 'url'>, payload: () => unknown): void {
    for (const { contract, scope } of this.enforced) {
      if (!contract || (scope.dialect !== undefined && scope.dialect !== webhook.dialect)) continue;
      const events = [webhook.eventType, scope.everyWebhookAs].filter((event): event is string => event !== undefined && contract.document['x-webhooks']?.[event] !== undefined);
      for (const event of new Set(events)) {
        const errors = contract.checkWebhook(event, payload());
        if (errors.length > 0) {
          throw new SimHttpError(500, 'contract_violation', `${this.system} simulator would send a ${webhook.eventType} webhook outside the ${contract.name} contract (${event}): ${errors.join('; ')}`);
        }
      }
    }
  }
}
