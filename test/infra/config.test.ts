import { describe, expect, test } from 'vitest';
import { ConfigError, mergeConfig, parseStageConfig } from '../../lib/config/stage-config';
import { cdkJsonContext, synthStage } from '../support/synth';
import { API_VENDORS } from '../../registry/api-vendors';

const stages = cdkJsonContext().stages as Record<string, Record<string, unknown>>;

describe('stage configuration', () => {
  test('dev, prod and sandbox in cdk.json are valid', () => {
    for (const stage of ['dev', 'prod', 'sandbox']) {
      expect(parseStageConfig(stages, stage).stage).toBe(stage);
    }
  });

  test('an unknown stage names the stage and the known ones', () => {
    expect(() => parseStageConfig(stages, 'qa')).toThrow(/stage "qa" is not defined.*dev, prod/);
  });

  test('a missing key fails with the key path and the stage', () => {
    const broken = structuredClone(stages);
    delete (broken.dev.systems as Record<string, Record<string, unknown>>).erp.apiBaseUrl;
    expect(() => parseStageConfig(broken, 'dev')).toThrow(ConfigError);
    expect(() => parseStageConfig(broken, 'dev')).toThrow(/stage "dev"[\s\S]*systems\.erp\.apiBaseUrl is missing/);
  });

  test('a mistyped or out-of-range value names the key', () => {
    expect(() =>
      parseStageConfig(stages, 'dev', { systems: { fleet: { outbound: { maxConcurrency: 1 } } } }),
    ).toThrow(/systems\.fleet\.outbound\.maxConcurrency must be >= 2/);
    expect(() => parseStageConfig(stages, 'dev', { onCallEmail: 'not-an-email' })).toThrow(/onCallEmail must match format "email"/);
    expect(() => parseStageConfig(stages, 'dev', { retention: { logRetentionDays: 8 } })).toThrow(/retention\.logRetentionDays must be one of/);
    expect(() => parseStageConfig(stages, 'dev', { powertools: 'both' })).toThrow(/powertools must be one of \["layer","bundled"\]/);
    expect(parseStageConfig(stages, 'dev', { powertools: 'bundled' }).powertools).toBe('bundled');
  });

  test('an unknown key is rejected so typos do not pass silently', () => {
    expect(() => parseStageConfig(stages, 'dev', { systems: { cs: { apiBaseURL: 'https://x' } } })).toThrow(/systems\.cs\.apiBaseURL is not a known key/);
  });

  test('systems.erp.tokenUrl: optional, a URL, https in prod, and an ERP key only', () => {
    expect(parseStageConfig(stages, 'dev').systems.erp.tokenUrl).toBeUndefined();
    const xsuaa = 'https://lsync.authentication.eu10.hana.ondemand.com/oauth/token';
    expect(parseStageConfig(stages, 'prod', { systems: { erp: { tokenUrl: xsuaa } } }).systems.erp.tokenUrl).toBe(xsuaa);
    expect(() => parseStageConfig(stages, 'dev', { systems: { erp: { tokenUrl: 'not a url' } } })).toThrow(/systems\.erp\.tokenUrl must/);
    expect(() => parseStageConfig(stages, 'prod', { systems: { erp: { tokenUrl: 'http://uaa.example.com/oauth/token' } } })).toThrow(/systems\.erp\.tokenUrl must use https in prod/);
    expect(() => parseStageConfig(stages, 'dev', { systems: { fleet: { tokenUrl: xsuaa } } })).toThrow(/systems\.fleet\.tokenUrl is not a known key/);
    expect(() => parseStageConfig(stages, 'dev', { systems: { erp: { tokenURL: xsuaa } } })).toThrow(/systems\.erp\.tokenURL is not a known key/);
  });

  test('a DLQ must outlive its source queue', () => {
    expect(() => parseStageConfig(stages, 'dev', { retention: { queueRetentionDays: 13, dlqRetentionDays: 13 } })).toThrow(
      /queueRetentionDays must be shorter than retention\.dlqRetentionDays/,
    );
  });

  test('prod refuses plain-http system URLs', () => {
    expect(() => parseStageConfig(stages, 'prod', { systems: { erp: { apiBaseUrl: 'http://erp.example.com' } } })).toThrow(
      /systems\.erp\.apiBaseUrl must use https in prod/,
    );
  });

  test('outbound pacing above the vendor limit fails synthesis, naming the system, the vendor limit and its source', () => {
    // The old defaults: 25 route creations/s against Samsara's 100 per minute.
    expect(() => parseStageConfig(stages, 'dev', { systems: { fleet: { outbound: { rateLimitPerSecond: 25 } } } })).toThrow(
      /systems\.fleet\.outbound\.rateLimitPerSecond 25\/s is 1500 requests\/min across up to 2 concurrent functions, above the Samsara API Create Route limit of 100 requests\/min \(https:\/\/developers\.samsara\.com\/docs\/rate-limits\); use at most 1\.66/,
    );
    expect(() => parseStageConfig(stages, 'prod', { systems: { cs: { outbound: { rateLimitPerSecond: 10 } } } })).toThrow(
      /systems\.cs\.outbound\.rateLimitPerSecond 10\/s is 600 requests\/min .*the Zendesk Support API Update Ticket limit of 100 requests\/min/,
    );
    // A limit the vendor raised for the account is configuration, and the check follows it.
    expect(parseStageConfig(stages, 'dev', { systems: { fleet: { outbound: { rateLimitPerSecond: 5, vendorLimitPerMinute: 300 } } } }).systems.fleet.outbound.rateLimitPerSecond).toBe(5);
    // The generic ERP API is the customer's own: no limit is assumed.
    expect(parseStageConfig(stages, 'dev', { systems: { erp: { outbound: { rateLimitPerSecond: 100, maxConcurrency: 2 } } } }).systems.erp.outbound.rateLimitPerSecond).toBe(100);
  });

  test("lookups paced on their own: within the vendor's documented lookup limit, refused for a vendor that documents none, and set on the fleet and CS adapters", () => {
    // Samsara's Retrieve a trailer: 5 requests/s.
    expect(() => parseStageConfig(stages, 'dev', { systems: { fleet: { outbound: { lookupRateLimitPerSecond: 6 } } } })).toThrow(
      /systems\.fleet\.outbound\.lookupRateLimitPerSecond 6\/s is 360 requests\/min, above the Samsara API Retrieve a trailer limit of 300 requests\/min \(https:\/\/github\.com\/samsarahq\/samsara-dotnet\/.*ITrailersClient\.cs\); use at most 5/,
    );
    // Zendesk's lookups count against the account-wide 200/min (the smallest plan) with the writes' 90/min and the
    // sweep's 30/min: 1.3/s fits (198), 2/s does not; a larger plan is configuration (the sandbox: its simulator's 700).
    expect(() => parseStageConfig(stages, 'dev', { systems: { cs: { outbound: { lookupRateLimitPerSecond: 2 } } } })).toThrow(
      /systems\.cs\.outbound\.lookupRateLimitPerSecond 2\/s is 120 requests\/min, with the writes' and the sweep's 120, above the Zendesk Support API account-wide \(Suite Team\) limit of 200 requests\/min .*; use at most 1\.33/,
    );
    expect(() => parseStageConfig(stages, 'dev', { systems: { cs: { reconciliation: { requestsPerMinute: 60 } } } })).toThrow(
      /systems\.cs\.outbound\.lookupRateLimitPerSecond 1\.3\/s is 78 requests\/min, with the writes' and the sweep's 150, above .* limit of 200 requests\/min/,
    );
    expect(parseStageConfig(stages, 'dev', { systems: { cs: { outbound: { lookupRateLimitPerSecond: 2, vendorLookupLimitPerMinute: 400 } } } }).systems.cs.outbound.lookupRateLimitPerSecond).toBe(2);
    expect(() => parseStageConfig(stages, 'dev', { systems: { cs: { outbound: { lookupRateLimitPerSecond: 5, vendorLookupLimitPerMinute: 400 } } } })).toThrow(/above the configured vendorLookupLimitPerMinute of 400; use at most 4\.66/);
    expect(parseStageConfig(stages, 'sandbox').systems.cs.outbound).toMatchObject({ lookupRateLimitPerSecond: 1.8, vendorLookupLimitPerMinute: 700 });
    expect(() => parseStageConfig(stages, 'dev', { systems: { cs: { vendor: 'freshdesk', outbound: { rateLimitPerSecond: 1.3, lookupRateLimitPerSecond: 1 } } } })).toThrow(
      /systems\.cs\.outbound\.lookupRateLimitPerSecond: the Freshdesk API v2 \(freshdesk\) does not limit lookups apart from its other calls; set it to 0 \(lookups share rateLimitPerSecond's pace\) or leave it unset/,
    );
    // 0: lookups share the one pace.
    expect(parseStageConfig(stages, 'dev', { systems: { cs: { vendor: 'freshdesk', outbound: { rateLimitPerSecond: 1.3, batchSize: 4, lookupRateLimitPerSecond: 0 } } } }).systems.cs.outbound.lookupRateLimitPerSecond).toBe(0);
    const env = (stage: 'dev' | 'prod') => {
      const { template } = synthStage(stage);
      const variables = Object.values(template.findResources('AWS::Lambda::Function')).map((f) => (f.Properties as { Environment?: { Variables?: Record<string, unknown> } }).Environment?.Variables ?? {});
      const fleet = variables.filter((v) => v.POWERTOOLS_SERVICE_NAME === 'fleet-outbound');
      const cs = variables.filter((v) => v.POWERTOOLS_SERVICE_NAME === 'cs-outbound');
      expect([fleet.length, cs.length]).toEqual([1, 1]);
      // Samsara's and Zendesk's adapters; the ERP's keeps one pace.
      expect(variables.filter((v) => v.HTTP_LOOKUP_MIN_INTERVAL_MS !== undefined)).toEqual([...fleet, ...cs].sort((a, b) => variables.indexOf(a) - variables.indexOf(b)));
      return { fleet: fleet[0]!, cs: cs[0]! };
    };
    // Fleet 4/s across 2 (dev) or 5 (prod) functions: one lookup per 500 or 1,250 ms per function, beside one write per
    // 1,334 or 3,334 ms; CS 1.3/s across 2 or 3.
    expect(env('dev')).toMatchObject({ fleet: { HTTP_MIN_INTERVAL_MS: '1334', HTTP_LOOKUP_MIN_INTERVAL_MS: '500' }, cs: { HTTP_MIN_INTERVAL_MS: '1334', HTTP_LOOKUP_MIN_INTERVAL_MS: '1539' } });
    expect(env('prod')).toMatchObject({ fleet: { HTTP_MIN_INTERVAL_MS: '3334', HTTP_LOOKUP_MIN_INTERVAL_MS: '1250' }, cs: { HTTP_MIN_INTERVAL_MS: '2000', HTTP_LOOKUP_MIN_INTERVAL_MS: '2308' } });
  });

  test('logLevel: every function writes from INFO by default, from the stage\'s level when it sets one; an unknown level is refused', () => {
    const levels = (overrides?: Record<string, unknown>) =>
      Object.values(synthStage('dev', overrides ? { configOverrides: overrides } : {}).template.findResources('AWS::Lambda::Function'))
        .map((f) => (f.Properties as { Environment?: { Variables?: Record<string, unknown> } }).Environment?.Variables)
        // The stack's own functions (NodeFunction), not CDK's custom-resource providers.
        .filter((v) => v?.POWERTOOLS_SERVICE_NAME !== undefined)
        .map((v) => v!.POWERTOOLS_LOG_LEVEL);
    const byDefault = levels();
    expect(byDefault.length).toBeGreaterThan(15);
    expect(new Set(byDefault)).toEqual(new Set(['INFO']));
    expect(new Set(levels({ logLevel: 'WARN' }))).toEqual(new Set(['WARN']));
    expect(() => parseStageConfig(stages, 'dev', { logLevel: 'TRACE' })).toThrow(/logLevel must be one of \["DEBUG","INFO","WARN","ERROR"\]/);
  });

  test("every API's access log and every function's log are kept for the stage's retention.logRetentionDays, the webhook API on a REST or an HTTP API", () => {
    const accessLogRetention = (stage: string, overrides?: Record<string, unknown>) => {
      const resources = synthStage(stage, overrides ? { configOverrides: overrides } : {}).template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
      const groupOf = (destination: unknown) => ((destination as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'] ?? [])[0];
      const groups = Object.values(resources)
        .filter((r) => r.Type === 'AWS::ApiGateway::Stage' || r.Type === 'AWS::ApiGatewayV2::Stage')
        .map((r) => groupOf(((r.Properties.AccessLogSetting ?? r.Properties.AccessLogSettings) as { DestinationArn?: unknown } | undefined)?.DestinationArn));
      const functionLogs = Object.values(resources)
        .filter((r) => r.Type === 'AWS::Logs::LogGroup' && !groups.some((id) => resources[id!] === r))
        .map((r) => r.Properties.RetentionInDays);
      return { access: groups.map((id) => resources[id!]?.Properties.RetentionInDays), others: new Set(functionLogs) };
    };
    // The webhook, trace and visibility APIs.
    expect(accessLogRetention('prod')).toEqual({ access: [90, 90, 90], others: new Set([90]) });
    expect(accessLogRetention('dev', { webhooks: { api: 'http' } })).toEqual({ access: [30, 30, 30], others: new Set([30]) });
    expect(accessLogRetention('dev', { webhooks: { api: 'http' }, retention: { logRetentionDays: 7 } })).toEqual({ access: [7, 7, 7], others: new Set([7]) });
  });

  test("apiDetailedMetrics: API Gateway's per-method and per-route metrics on every API by default, on none when the stage turns them off", () => {
    const detailed = (overrides?: Record<string, unknown>) => {
      const resources = Object.values(synthStage('dev', overrides ? { configOverrides: overrides } : {}).template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>);
      const rest = resources.filter((r) => r.Type === 'AWS::ApiGateway::Stage').map((r) => (r.Properties.MethodSettings as { MetricsEnabled?: boolean }[]).some((m) => m.MetricsEnabled === true));
      const http = resources
        .filter((r) => r.Type === 'AWS::ApiGatewayV2::Stage')
        .map((r) => [(r.Properties.DefaultRouteSettings as { DetailedMetricsEnabled?: boolean } | undefined)?.DetailedMetricsEnabled === true, ...Object.values((r.Properties.RouteSettings ?? {}) as Record<string, { DetailedMetricsEnabled?: boolean }>).map((x) => x.DetailedMetricsEnabled === true)]);
      return { rest, http };
    };
    // The webhook, trace and visibility REST APIs.
    expect(detailed().rest).toEqual([true, true, true]);
    expect(detailed({ apiDetailedMetrics: false }).rest).toEqual([false, false, false]);
    const http = detailed({ webhooks: { api: 'http' }, apiDetailedMetrics: false });
    expect(http.rest).toEqual([false, false]);
    expect(http.http).toHaveLength(1);
    expect(http.http[0].length).toBeGreaterThan(5);
    expect(http.http[0].every((on) => !on)).toBe(true);
    expect(detailed({ webhooks: { api: 'http' } }).http[0].every((on) => on)).toBe(true);
    expect(() => parseStageConfig(stages, 'dev', { apiDetailedMetrics: 'no' })).toThrow(/apiDetailedMetrics/);
  });

  test('a system calls the vendor the stage names (its default otherwise); an unknown one fails synthesis naming the choices', () => {
    expect(() => parseStageConfig(stages, 'dev', { systems: { cs: { vendor: 'freshservice' } } })).toThrow(/systems\.cs\.vendor "freshservice" is not one of the cs vendors \(known: zendesk, freshdesk\)/);
    expect(() => parseStageConfig(stages, 'dev', { systems: { cs: { vendor: 'samsara' } } })).toThrow(/systems\.cs\.vendor "samsara" is not one of the cs vendors/);
    expect(parseStageConfig(stages, 'dev', { systems: { cs: { vendor: 'zendesk' } } }).systems.cs.vendor).toBe('zendesk');
    const { template } = synthStage('dev', { configOverrides: { systems: { cs: { vendor: 'zendesk' } } } });
    const vendors = Object.values(template.toJSON().Resources as Record<string, { Type: string; Properties?: { Environment?: { Variables?: Record<string, unknown> } } }>)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((r) => r.Properties?.Environment?.Variables)
      .filter((v) => v?.TARGET_VENDOR !== undefined)
      .map((v) => `${String(v!.POWERTOOLS_SERVICE_NAME)}:${String(v!.TARGET_VENDOR)}`);
    expect(vendors).toContain('cs-outbound:zendesk');
  });

  test('a vendor the registry marks not deployable fails synthesis saying why (none is today: Business Central became deployable)', () => {
    expect(Object.entries(API_VENDORS).filter(([, v]) => 'notDeployable' in v)).toEqual([]);
    expect(() => parseStageConfig(stages, 'dev', { systems: { erp: { vendor: 'business-central' } } })).toThrow(/systems\.erp\.businessCentral is required/);
  });

  test('Freshdesk: the stages\' 1.5/s is above its Growth-plan 80/min Tickets Update limit, so choosing it needs a slower pace (or a larger plan\'s vendorLimitPerMinute)', () => {
    expect(() => parseStageConfig(stages, 'dev', { systems: { cs: { vendor: 'freshdesk' } } })).toThrow(
      /systems\.cs\.outbound\.rateLimitPerSecond 1\.5\/s is 90 requests\/min .* above the Freshdesk API v2 Update a Ticket \(Growth plan\) limit of 80 requests\/min \(https:\/\/developers\.freshdesk\.com\/api\/#ratelimit\); use at most 1\.33/,
    );
    // At the slower pace a batch of 5 no longer fits the timeout (registry/outbound-timing.ts), so the batch shrinks too;
    // Freshdesk documents no lookup limit of its own, so its lookups share the pace (0).
    expect(parseStageConfig(stages, 'dev', { systems: { cs: { vendor: 'freshdesk', outbound: { rateLimitPerSecond: 1.33, batchSize: 4, lookupRateLimitPerSecond: 0 } } } }).systems.cs.vendor).toBe('freshdesk');
    expect(parseStageConfig(stages, 'dev', { systems: { cs: { vendor: 'freshdesk', outbound: { vendorLimitPerMinute: 160, lookupRateLimitPerSecond: 0 } } } }).systems.cs.outbound.rateLimitPerSecond).toBe(1.5);
  });

  test('every stage paces each vendor within its documented limit', () => {
    for (const stage of ['dev', 'prod', 'sandbox']) {
      const config = parseStageConfig(stages, stage);
      expect(config.systems.fleet.outbound.rateLimitPerSecond * 60).toBeLessThanOrEqual(100);
      expect(config.systems.cs.outbound.rateLimitPerSecond * 60).toBeLessThanOrEqual(100);
    }
  });

  test('a paced batch whose last message cannot find its call budget within the function timeout is refused', () => {
    // One pace for every call (lookups on the writes' pace, as before they had their own).
    expect(() => parseStageConfig(stages, 'dev', { systems: { fleet: { outbound: { batchSize: 10, timeoutSeconds: 10, lookupRateLimitPerSecond: 0 } } } })).toThrow(
      /systems\.fleet\.outbound \(maxConcurrency 2, rateLimitPerSecond 1\.5\): a batch of 10 does not fit in the 10 s timeout: its last message starts after ~24\.0 s of pacing .*use batchSize ≤ 1 or a longer timeout/,
    );
    // The fleet adapter the issue saw: 5 messages, 1.3 s pacing, a 10 s timeout. One message fits.
    expect(() => parseStageConfig(stages, 'dev', { systems: { fleet: { outbound: { batchSize: 5, timeoutSeconds: 10, lookupRateLimitPerSecond: 0 } } } })).toThrow(/a batch of 5 does not fit .* use batchSize ≤ 1 or a longer timeout/);
    expect(() => parseStageConfig(stages, 'dev', { systems: { fleet: { outbound: { batchSize: 1, timeoutSeconds: 10, lookupRateLimitPerSecond: 0 } } } })).not.toThrow();
    // With the stage's lookup pace a message spends one slot of each pace (1,334 + 500 ms): two fit.
    expect(() => parseStageConfig(stages, 'dev', { systems: { fleet: { outbound: { batchSize: 5, timeoutSeconds: 10 } } } })).toThrow(
      /a batch of 5 does not fit in the 10 s timeout: .*a write every 1334 ms and a lookup every 500 ms per container.* use batchSize ≤ 2 or a longer timeout/,
    );
    expect(() => parseStageConfig(stages, 'dev', { systems: { fleet: { outbound: { batchSize: 2, timeoutSeconds: 10 } } } })).not.toThrow();
  });

  test('overrides merge deeply and ignore prototype keys', () => {
    const merged = mergeConfig({ a: { b: 1, c: 2 } }, JSON.parse('{"a":{"c":3},"__proto__":{"polluted":true}}')) as Record<string, unknown>;
    expect(merged).toEqual({ a: { b: 1, c: 3 } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
