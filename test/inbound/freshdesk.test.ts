import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { CaseHistory } from '../../lambdas/cs/cs-port';
import { CS_CANONICAL_VALIDATORS, CS_DIALECTS, csDialects } from '../../lambdas/cs/inbound/routes';
import { CaseObserver } from '../../lambdas/cs/reconciliation/case-observer';
import { verifyFreshdesk } from '../../lambdas/cs/inbound/freshdesk/dialect';
import { fromApiGatewayEvent } from '../../lambdas/shared/webhook/request';
import { generateSecrets } from '../../sandbox/secrets';
import { freshdeskWebhookHeaders, renderRule, ruleFor } from '../../sandbox/simulators/vendors/freshdesk';
import { signatureHeaders, VENDOR_DIALECTS, webhookPath } from '../../registry/vendors';
import { synthStage } from '../support/synth';
import { apiEvent, expectCanonical, harness, json, SECRET_JSON, testSecret } from './support';

/**
 * Freshdesk automation webhooks: the API route and its required header, the shared-secret check (Freshdesk signs
 * nothing; auth vectors below), and the bodies the documented rules make (contracts/freshdesk/automation-rules.json,
 * rendered as Freshdesk renders placeholders) mapped to canonical events, deduplicated, or ignored.
 */
const ENTRY = VENDOR_DIALECTS.freshdesk;
const PATH = webhookPath('cs', ENTRY.route);
const example = (variant = '') => readFileSync(new URL(`../../schemas/vendors/examples/freshdesk-webhook${variant}.json`, import.meta.url), 'utf8');
const dialects = () => CS_DIALECTS;
const SECRET = testSecret(ENTRY.route);
const ticket = (status: number, priority = 3, shipment: string | null = 'SHP-1001-01') => ({ id: 1042, status, priority, custom_fields: { cf_lsync_shipment_id: shipment } });

async function send(body: string, headers: Record<string, string> = freshdeskWebhookHeaders(SECRET), h = harness('cs', dialects(), CS_CANONICAL_VALIDATORS)) {
  const result = await h.handler(apiEvent(PATH, body, headers));
  return { h, result };
}

describe('Freshdesk automation webhooks: wiring', () => {
  test(`the API has POST ${PATH}, requiring the secret header`, () => {
    const resources = synthStage('dev').template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
    const methods = Object.values(resources).filter((r) => r.Type === 'AWS::ApiGateway::Method' && r.Properties.HttpMethod === 'POST');
    const required = methods.map((m) => Object.keys((m.Properties.RequestParameters as Record<string, boolean> | undefined) ?? {}));
    expect(signatureHeaders(ENTRY)).toEqual(['X-Lsync-Webhook-Secret']);
    expect(required).toContainEqual(expect.arrayContaining(['method.request.header.X-Lsync-Webhook-Secret']));
    expect(Object.values(resources).filter((r) => r.Type === 'AWS::ApiGateway::Resource').map((r) => r.Properties.PathPart)).toContain(ENTRY.route);
  });

  test('the cs handler serves the route, and the sandbox generates its secret', () => {
    expect(dialects().map((d) => d.name)).toContain(ENTRY.route);
    expect(generateSecrets(synthStage('sandbox').built.config).systems.cs[ENTRY.secretField]).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('Freshdesk automation webhooks: authentication vectors (shared secret in a custom header)', () => {
  const verify = (headers: Record<string, string>, secret = SECRET) => () => verifyFreshdesk(fromApiGatewayEvent(apiEvent(PATH, '{}', headers), 262_144), secret);

  test.each([
    ['the configured secret', { 'X-Lsync-Webhook-Secret': 'freshdesk-secret-1' }, 'freshdesk-secret-1', true],
    ['the header name in any case', { 'x-lsync-webhook-secret': 'freshdesk-secret-1' }, 'freshdesk-secret-1', true],
    ['a different secret of the same length', { 'X-Lsync-Webhook-Secret': 'freshdesk-secret-2' }, 'freshdesk-secret-1', false],
    ['a prefix of the secret', { 'X-Lsync-Webhook-Secret': 'freshdesk-secret' }, 'freshdesk-secret-1', false],
    ['the secret with a suffix', { 'X-Lsync-Webhook-Secret': 'freshdesk-secret-1x' }, 'freshdesk-secret-1', false],
    ['an empty header', { 'X-Lsync-Webhook-Secret': '' }, 'freshdesk-secret-1', false],
    ['no header', {}, 'freshdesk-secret-1', false],
  ] as const)('%s', (_name, headers, secret, ok) => {
    if (ok) expect(verify({ ...headers }, secret)).not.toThrow();
    else expect(verify({ ...headers }, secret)).toThrow();
  });

  test('a request without the secret, or with a wrong one, is refused with 401 and publishes nothing', async () => {
    for (const headers of [{ 'content-type': 'application/json' }, freshdeskWebhookHeaders('not-the-secret')]) {
      const { h, result } = await send(example(), headers);
      expect(result.statusCode).toBe(401);
      expect(h.publisher.published).toEqual([]);
    }
  });

  test('during a rotation the previous secret is still accepted (the pipeline tries <field>Previous)', async () => {
    const h = harness('cs', dialects(), CS_CANONICAL_VALIDATORS);
    h.secrets.rotateTo({ ...SECRET_JSON.cs, [ENTRY.secretField]: 'the-next-freshdesk-secret', [`${ENTRY.secretField}Previous`]: SECRET });
    await h.secrets.refresh();
    const { result } = await send(example(), freshdeskWebhookHeaders(SECRET), h);
    expect(result.statusCode, result.body).toBe(202);
  });
});

describe('Freshdesk automation webhooks: the documented rules mapped', () => {
  test('the examples in schemas/vendors/examples are what the documented rules render', () => {
    expect(JSON.parse(renderRule(ruleFor('ticket.status_changed'), ticket(4)))).toEqual(JSON.parse(example()));
  });

  test('Resolved → case.resolved (solved); Closed → case.resolved (closed); the shipment and ticket are the refs', async () => {
    for (const [status, canonical] of [[4, 'solved'], [5, 'closed']] as const) {
      const { h, result } = await send(renderRule(ruleFor('ticket.status_changed'), ticket(status)));
      expect(result.statusCode, result.body).toBe(202);
      expect(json(result).status).toBe('accepted');
      expectCanonical(h.publisher.published);
      expect(h.publisher.published.map((e) => [e.metadata.eventType, e.data, e.refs, e.metadata.source.vendor])).toEqual([
        ['case.resolved', { status: canonical }, expect.objectContaining({ caseId: '1042', shipmentId: 'SHP-1001-01' }), 'freshdesk'],
      ]);
    }
  });

  test('Open / Pending → case.updated status-changed; a custom status is a change without a canonical status', async () => {
    const { h } = await send(renderRule(ruleFor('ticket.status_changed'), ticket(3)));
    expect(h.publisher.published[0]?.data).toEqual({ change: 'status-changed', status: 'pending' });
    const custom = JSON.stringify({ event: 'ticket.status_changed', ticket_id: '1042', status: 'Waiting on Carrier', priority: 'High', shipment_id: 'SHP-1001-01' });
    const { h: h2 } = await send(custom);
    expectCanonical(h2.publisher.published);
    expect(h2.publisher.published[0]?.data).toEqual({ change: 'status-changed' });
  });

  test('priority changed (Medium is normal) and a public note added → case.updated', async () => {
    const { h } = await send(renderRule(ruleFor('ticket.priority_changed'), ticket(2, 2)));
    expect(h.publisher.published[0]?.data).toEqual({ change: 'priority-changed', priority: 'normal', status: 'open' });
    const { h: h2 } = await send(renderRule(ruleFor('ticket.note_added'), ticket(3, 4)));
    expectCanonical(h2.publisher.published);
    expect(h2.publisher.published[0]?.data).toEqual({ change: 'comment-added', comment: { public: true }, status: 'pending' });
    const { h: h3 } = await send(example('.note'));
    expect(h3.publisher.published[0]?.data).toEqual({ change: 'comment-added', comment: { public: false }, status: 'pending' });
  });

  test('a ticket without the shipment custom field, or with one that is not an id, is not ours: 202 ignored', async () => {
    for (const shipment of [null, 'not a shipment id']) {
      const { h, result } = await send(renderRule(ruleFor('ticket.status_changed'), ticket(4, 3, shipment)));
      expect(result.statusCode).toBe(202);
      expect(json(result).status).toBe('ignored');
      expect(h.publisher.published).toEqual([]);
    }
  });

  test('an event literal the product does not map is 202 ignored; a body without ticket_id is 400', async () => {
    const { result } = await send(JSON.stringify({ event: 'ticket.assigned', ticket_id: '1042', shipment_id: 'SHP-1001-01' }));
    expect(json(result).status).toBe('ignored');
    const { result: bad } = await send(JSON.stringify({ event: 'ticket.status_changed', status: 'Resolved' }));
    expect(bad.statusCode).toBe(400);
  });

  test('Freshdesk retrying the same delivery publishes once; a different change of the same ticket is a new event', async () => {
    const h = harness('cs', dialects(), CS_CANONICAL_VALIDATORS);
    const resolved = renderRule(ruleFor('ticket.status_changed'), ticket(4));
    for (let i = 0; i < 3; i++) expect((await send(resolved, undefined, h)).result.statusCode).toBe(202);
    expect(h.publisher.published).toHaveLength(1);
    await send(renderRule(ruleFor('ticket.status_changed'), ticket(5)), undefined, h);
    expect(h.publisher.published.map((e) => e.data)).toEqual([{ status: 'solved' }, { status: 'closed' }]);
  });
});

describe('Freshdesk resolutions as facts: the intake reads the ticket\'s stats, as the CS sweep does', () => {
  const RESOLVED_AT = '2026-03-13T09:10:11Z';
  const history = (status: 'solved' | 'open' = 'solved'): CaseHistory => ({
    vendor: 'freshdesk',
    caseId: '1042',
    status,
    externalId: 'SHP-1001-01',
    createdAt: '2026-03-13T08:00:00Z',
    statusChanges: status === 'solved' ? [{ status: 'solved', at: RESOLVED_AT }] : [],
  });
  function withReader(read: () => Promise<CaseHistory | undefined>) {
    const warnings: string[] = [];
    const h = harness('cs', csDialects({ resolutions: { readCaseHistory: read }, warn: (m) => warnings.push(m) }), CS_CANONICAL_VALIDATORS);
    return { h, warnings };
  }

  test('a Resolved webhook publishes the resolution the stats record: its time, and the id the sweep gives the same fact', async () => {
    const { h, warnings } = withReader(async () => history());
    const { result } = await send(renderRule(ruleFor('ticket.status_changed'), ticket(4)), undefined, h);
    expect(result.statusCode, result.body).toBe(202);
    expectCanonical(h.publisher.published);
    const [resolved] = h.publisher.published;
    expect(resolved).toMatchObject({ metadata: { eventType: 'case.resolved', occurredAt: RESOLVED_AT, source: { vendor: 'freshdesk' } }, data: { status: 'solved', openMinutes: 70 } });
    // The CS sweep, reading the same ticket after the webhook was lost, restores this very event.
    const [restored] = await new CaseObserver({ readCaseHistory: async () => history() }).observe(
      { shipmentId: 'SHP-1001-01' } as never,
      { cases: [{ caseId: '1042', status: 'open' }] } as never,
      '2026-03-13T09:20:00.000Z',
    );
    expect(restored!.metadata.eventId).toBe(resolved!.metadata.eventId);
    expect(warnings).toEqual([]);
  });

  test('when the stats cannot be read, or give no time, the resolution is published as received (and said so)', async () => {
    for (const read of [async () => Promise.reject(new Error('429 Too Many Requests')), async () => history('open')]) {
      const { h, warnings } = withReader(read);
      const { result } = await send(renderRule(ruleFor('ticket.status_changed'), ticket(4)), undefined, h);
      expect(result.statusCode, result.body).toBe(202);
      expect(h.publisher.published.map((e) => [e.metadata.eventType, e.data])).toEqual([['case.resolved', { status: 'solved' }]]);
      expect(h.publisher.published[0]!.metadata.occurredAt).toBe(h.publisher.published[0]!.metadata.receivedAt);
      expect(warnings).toHaveLength(1);
    }
  });

  test('other rule events read nothing', async () => {
    let reads = 0;
    const { h } = withReader(async () => {
      reads++;
      return history();
    });
    await send(renderRule(ruleFor('ticket.status_changed'), ticket(3)), undefined, h);
    await send(renderRule(ruleFor('ticket.priority_changed'), ticket(2, 4)), undefined, h);
    expect(h.publisher.published.map((e) => e.metadata.eventType)).toEqual(['case.updated', 'case.updated']);
    expect(reads).toBe(0);
  });
});
