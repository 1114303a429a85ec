import type { ActiveFault, FaultSpec } from './faults';
import { FaultSpecError } from './faults';
import { json, parseJson, type SimResponse } from './http';
import { matchPath } from './paths';
import type { CallRecord } from './records';
import { SimHttpError, SimValidationError, asObject, optionalDateArg } from './validate';
import type { ActiveAbandonment, WebhookAbandonment, WebhookDelivery } from './webhooks';

export type ResetScope = 'all' | 'records';

/** What the `/__sim/*` endpoints need from a simulator. */
export interface ControlPlaneHost {
  readonly system: string;
  callsTo(method: string, pattern: string): CallRecord[];
  reset(scope: ResetScope): void;
  listFaults(): ActiveFault[];
  setFault(spec: FaultSpec): ActiveFault;
  clearFaults(id?: string): number;
  abandonWebhooks(spec: WebhookAbandonment): ActiveAbandonment;
  webhookAbandonments(): readonly ActiveAbandonment[];
  webhooks(): readonly WebhookDelivery[];
  redeliver(deliveryId: string, options: { signedAt?: Date }): Promise<WebhookDelivery>;
  webhookTargets(): Record<string, string | null>;
  setWebhookTarget(dialect: string, url: string | undefined): void;
  snapshot(): unknown;
  actionNames(): string[];
  runAction(name: string, args: Record<string, unknown>): Promise<unknown>;
}

/**
 * The simulator's control plane over HTTP, for tests in another process:
 *
 * | method | path | does |
 * |---|---|---|
 * | GET | /__sim/calls[?method=&path=] | call records (path: a pattern, see paths.ts) |
 * | POST | /__sim/reset[?scope=records] | clears records, faults, idempotency keys and (scope=all) state |
 * | GET / POST / DELETE | /__sim/faults[/{id}] | list / add (one spec, an array, or `{"clear":true}`) / clear |
 * | GET | /__sim/webhooks[?eventType=] | webhook deliveries with every attempt |
 * | GET / POST | /__sim/webhook-abandonments | list / add (`{"eventType"?, "bodyIncludes"?, "count"?}`): the next matching webhooks never arrive |
 * | POST | /__sim/webhooks/{id}/redeliver | sends the same webhook again (body `{"signedAt"?}`) |
 * | GET / PUT | /__sim/webhook-targets | where webhooks go, by dialect (`{"samsara":"http://..."}`) |
 * | GET | /__sim/state | the simulated system's data |
 * | GET / POST | /__sim/actions[/{name}] | list / run a vendor-side action (body: its arguments) |
 */
export async function handleControl(host: ControlPlaneHost, method: string, path: string, query: URLSearchParams, rawBody: string): Promise<SimResponse> {
  try {
    return await route(host, method, path, query, rawBody);
  } catch (error) {
    if (error instanceof SimHttpError) return json(error.status, { error: error.code, message: error.message });
    if (error instanceof SimValidationError || error instanceof FaultSpecError) return json(400, { error: 'invalid_request', message: error.message });
    throw error;
  }
}

function body(rawBody: string): unknown {
  const parsed = parseJson(rawBody);
  if (rawBody.trim() !== '' && parsed === undefined) throw new SimValidationError('body must be JSON');
  return parsed;
}

async function route(host: ControlPlaneHost, method: string, path: string, query: URLSearchParams, rawBody: string): Promise<SimResponse> {
  if (method === 'GET' && path === '/__sim/calls') {
    return json(200, { system: host.system, calls: host.callsTo(query.get('method') ?? '*', query.get('path') ?? '/**') });
  }
  if (method === 'POST' && path === '/__sim/reset') {
    const scope = query.get('scope') ?? 'all';
    if (scope !== 'all' && scope !== 'records') throw new SimValidationError(`scope must be all or records, got ${JSON.stringify(scope)}`);
    host.reset(scope);
    return json(200, { reset: scope });
  }
  if (path === '/__sim/faults') {
    if (method === 'GET') return json(200, { faults: host.listFaults() });
    if (method === 'DELETE') return json(200, { cleared: host.clearFaults() });
    if (method === 'POST') {
      const payload = body(rawBody);
      if (typeof payload === 'object' && payload !== null && !Array.isArray(payload) && (payload as { clear?: unknown }).clear === true) {
        return json(200, { cleared: host.clearFaults() });
      }
      const specs = Array.isArray(payload) ? payload : [payload];
      const added = specs.map((spec) => host.setFault(spec as FaultSpec));
      return json(201, { faults: added });
    }
  }
  const faultId = matchPath('/__sim/faults/:id', path);
  if (faultId && method === 'DELETE') return json(200, { cleared: host.clearFaults(faultId.id) });
  if (path === '/__sim/webhook-abandonments') {
    if (method === 'GET') return json(200, { abandonments: host.webhookAbandonments() });
    if (method === 'POST') return json(201, { abandonment: host.abandonWebhooks(asObject(body(rawBody) ?? {}, 'body') as WebhookAbandonment) });
  }
  if (method === 'GET' && path === '/__sim/webhooks') {
    const eventType = query.get('eventType');
    return json(200, { webhooks: host.webhooks().filter((w) => eventType === null || w.eventType === eventType) });
  }
  const redeliver = matchPath('/__sim/webhooks/:id/redeliver', path);
  if (redeliver && method === 'POST') {
    const args = rawBody.trim() === '' ? {} : asObject(body(rawBody), 'body');
    const signedAt = optionalDateArg(args, 'signedAt');
    return json(200, { webhook: await host.redeliver(redeliver.id, signedAt ? { signedAt } : {}) });
  }
  if (path === '/__sim/webhook-targets') {
    if (method === 'GET') return json(200, { targets: host.webhookTargets() });
    if (method === 'PUT') {
      for (const [dialect, url] of Object.entries(asObject(body(rawBody), 'body'))) {
        if (url !== null && typeof url !== 'string') throw new SimValidationError(`${dialect} must be a URL string or null`);
        host.setWebhookTarget(dialect, url ?? undefined);
      }
      return json(200, { targets: host.webhookTargets() });
    }
  }
  if (method === 'GET' && path === '/__sim/state') return json(200, host.snapshot());
  if (method === 'GET' && path === '/__sim/actions') return json(200, { actions: host.actionNames() });
  const action = matchPath('/__sim/actions/:name', path);
  if (action && method === 'POST') {
    const args = rawBody.trim() === '' ? {} : asObject(body(rawBody), 'body');
    return json(200, { result: await host.runAction(action.name, args) });
  }
  return json(404, { error: 'not_found', message: `no control endpoint ${method} ${path}` });
}
