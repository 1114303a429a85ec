/**
 * The conformance report behind `npm run contracts`: every request our clients make is one the vendor's contract
 * accepts, every operation a contract keeps is one the product calls, and every documented webhook example gets an
 * answer from our intake (never "refused").
 */
import { describe, expect, test } from 'vitest';
import { checkVendor, formatConformance, type VendorProbe } from '../../contracts/conformance';
import { PROBES } from '../../contracts/probes/index';

describe.each(PROBES.map((p) => [p.vendor, p] as [string, VendorProbe]))('%s', (_vendor, probe) => {
  test('every request the product makes is inside the vendor contract', async () => {
    const result = await checkVendor(probe);
    expect(result.calls.length).toBeGreaterThan(0);
    expect(result.calls.filter((c) => c.errors.length > 0 || !c.operationId)).toEqual([]);
    expect(formatConformance([result])).toMatch(/requests accepted by the contract/);
  });

  test('no documented webhook example is refused by our intake', async () => {
    const result = await checkVendor(probe);
    expect(result.webhooks.filter((w) => w.outcome.startsWith('refused'))).toEqual([]);
  });
});

test('a probe whose client breaks the contract is reported, so the report can fail', async () => {
  const broken: VendorProbe = {
    contract: 'samsara',
    vendor: 'broken',
    async exercise(fetchFor, baseUrl) {
      await fetchFor('raw')(`${baseUrl}/fleet/routes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x', stops: [] }) });
    },
  };
  const result = await checkVendor(broken);
  expect(result.calls[0]).toMatchObject({ operationId: 'createRoute', errors: [expect.stringMatching(/stops must NOT have fewer than 2 items/)] });
});
