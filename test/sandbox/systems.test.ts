import { describe, expect, test } from 'vitest';
import { parseStageConfig } from '../../lib/config/stage-config';
import { systemVendorOverrides } from '../../sandbox/systems';
import { readFileSync } from 'node:fs';

/** `npm start -- --systems cs=freshdesk`: the stage-config overrides the option makes (parsing: systems-option.test.ts). */
const stages = (() => {
  const context = (JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: { stages: unknown } }).context.stages;
  return typeof context === 'string' ? (JSON.parse(context) as unknown) : context;
})();

describe('--systems', () => {
  test('sets the vendor, and lowers the pacing to the vendor\'s documented limit when the stage is above it (synthesis would refuse it)', () => {
    const base = parseStageConfig(stages, 'sandbox');
    const notes: string[] = [];
    const overrides = systemVendorOverrides(base, { cs: 'freshdesk' }, (line) => notes.push(line));
    expect(overrides).toEqual({ systems: { cs: { vendor: 'freshdesk', outbound: { lookupRateLimitPerSecond: 0, rateLimitPerSecond: 1.33 } } } });
    expect(notes).toEqual([
      'systems.cs: freshdesk documents no lookup limit of its own; its lookups share the outbound pace for this run',
      "systems.cs: freshdesk's documented limit is 80 requests/min; outbound pacing lowered from 1.5/s to 1.33/s for this run",
    ]);
    const config = parseStageConfig(stages, 'sandbox', overrides);
    expect(config.systems.cs).toMatchObject({ vendor: 'freshdesk', outbound: { rateLimitPerSecond: 1.33, lookupRateLimitPerSecond: 0, maxConcurrency: base.systems.cs.outbound.maxConcurrency } });
    expect(systemVendorOverrides(base, { cs: 'zendesk' })).toEqual({ systems: { cs: { vendor: 'zendesk' } } });
    expect(systemVendorOverrides(base, {})).toBeUndefined();
    // A webhook dialect or a file intake changes how the scenario sends events, not whom the stage calls.
    expect(systemVendorOverrides(base, { fleet: 'motive' })).toBeUndefined();
    expect(systemVendorOverrides(base, { fleet: 'edi', cs: 'freshdesk' })).toEqual({ systems: { cs: { vendor: 'freshdesk', outbound: { lookupRateLimitPerSecond: 0, rateLimitPerSecond: 1.33 } } } });
  });
});
