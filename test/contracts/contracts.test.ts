/**
 * The vendor contracts themselves (contracts/<vendor>/openapi.json): each is valid OpenAPI 3.0, names its sources
 * (URL, date, licence), gives a source for every operation and webhook, and every documented example it keeps
 * is accepted by its own schema, so the examples can serve as test inputs.
 */
import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { CONTRACT_NAMES, contractPath, loadContract, readContractDocument, type ContractName } from '../../contracts/contract';

const present = readdirSync(new URL('../../contracts/', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(new URL(`../../contracts/${entry.name}/openapi.json`, import.meta.url)))
  .map((entry) => entry.name as ContractName);

describe('vendor contracts', () => {
  test('every contract the product declares is in the repository, and nothing else is', () => {
    expect([...present].sort()).toEqual([...CONTRACT_NAMES].sort());
    for (const name of CONTRACT_NAMES) expect(existsSync(contractPath(name))).toBe(true);
  });

  describe.each(present)('%s', (name) => {
    test('is valid OpenAPI 3.0 and names each source with its URL, retrieval date and licence', async () => {
      const contract = await loadContract(name);
      expect(contract.document.openapi).toMatch(/^3\.0\./);
      expect(contract.sources.length).toBeGreaterThan(0);
      for (const source of contract.sources) {
        expect(source.url).toMatch(/^https?:\/\//);
        expect(source.retrieved).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(typeof source.license).toBe('string');
      }
    });

    test('every operation and webhook says where it was taken from', async () => {
      const contract = await loadContract(name);
      for (const operation of contract.operations) expect({ operation: operation.operationId, source: operation.source }).toEqual({ operation: operation.operationId, source: expect.any(String) });
      for (const webhook of contract.webhooks) expect({ webhook: webhook.event, source: webhook['x-source'] }).toEqual({ webhook: webhook.event, source: expect.any(String) });
    });

    test('every documented example is accepted by its own schema', async () => {
      const contract = await loadContract(name);
      const examples = contract.webhooks.flatMap((webhook) => (webhook.examples ?? []).map((example) => ({ webhook, example })));
      for (const { webhook, example } of examples) {
        expect(example['x-source']).toMatch(/^https?:\/\//);
        expect({ example: `${webhook.event}: ${example.summary.slice(0, 60)}`, errors: contract.checkWebhook(webhook.event, example.value) }).toEqual({
          example: `${webhook.event}: ${example.summary.slice(0, 60)}`,
          errors: [],
        });
      }
    });

    test('the raw document is what the loader reads', () => {
      expect(readContractDocument(name).info['x-sources']).toBeDefined();
    });
  });
});
