import { describe, expect, test } from 'vitest';
import { API_VENDORS, apiVendor, DEFAULT_API_VENDOR, pickVendor } from '../../registry/api-vendors';
import { CONTRACT_NAMES } from '../../registry/vendors';
import { SYSTEMS } from '../../registry/systems';

describe('API vendors (registry/api-vendors.ts)', () => {
  test('each system has a default vendor of its own, and every contract named exists', () => {
    for (const system of SYSTEMS) expect(API_VENDORS[DEFAULT_API_VENDOR[system]].system).toBe(system);
    for (const entry of Object.values(API_VENDORS)) if ('contract' in entry) expect(CONTRACT_NAMES).toContain(entry.contract);
  });

  test('a handler gets the configured vendor\'s client, the default without configuration, and a clear error otherwise', () => {
    const clients = { zendesk: () => 'zendesk client', freshdesk: () => 'freshdesk client' };
    expect(pickVendor('cs', clients)).toBe('zendesk client');
    expect(pickVendor('cs', clients, 'zendesk')).toBe('zendesk client');
    expect(pickVendor('cs', clients, 'freshdesk')).toBe('freshdesk client');
    expect(() => pickVendor('cs', clients, 'samsara')).toThrow('systems.cs.vendor "samsara" is not one of the cs vendors (known: zendesk, freshdesk)');
    expect(apiVendor('erp').secretFields).toEqual(['clientId', 'clientSecret', 'scope?']);
  });
});
