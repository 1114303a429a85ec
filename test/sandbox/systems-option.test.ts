import { describe, expect, test } from 'vitest';
import { parseSystemsOption, playableVendorsOf, vendorsOf } from '../../sandbox/systems-option';

describe('npm start -- --systems', () => {
  test('each system may be played by its webhook dialects, file intakes and API vendors, from the registry', () => {
    expect(vendorsOf('fleet')).toEqual(expect.arrayContaining(['samsara', 'motive']));
    expect(vendorsOf('cs')).toContain('zendesk');
    expect(parseSystemsOption('cs=zendesk, fleet=samsara')).toEqual({ cs: 'zendesk', fleet: 'samsara' });
    expect(parseSystemsOption(undefined)).toEqual({});
  });

  test('refuses what the registry does not know, naming the choices', () => {
    expect(() => parseSystemsOption('wms=acme')).toThrow(/"wms" is not a system \(erp, fleet, cs\)/);
    expect(() => parseSystemsOption('cs=samsara')).toThrow(/"samsara" is not one of the cs vendors \(zendesk/);
    expect(() => parseSystemsOption('erp=sap-s4hana')).toThrow(/"sap-s4hana" is not one of the erp vendors \(cloudevents, business-central, generic-erp\)/);
    expect(() => parseSystemsOption('fleet')).toThrow(/not <system>=<vendor>/);
    expect(() => parseSystemsOption('cs=zendesk,cs=zendesk')).toThrow(/given twice/);
  });

  test('refuses a vendor the reference scenario cannot play before the sandbox starts, naming those it can', () => {
    // Motive is a fleet webhook dialect of the registry, but its webhooks carry no departure or arrival to send.
    expect(vendorsOf('fleet')).toContain('motive');
    expect(playableVendorsOf('fleet')).toEqual(['samsara', 'edi']);
    expect(() => parseSystemsOption('fleet=motive')).toThrow(/cannot send the fleet system's milestones as motive, only as samsara or edi/);
    expect(parseSystemsOption('fleet=edi,erp=business-central,cs=freshdesk')).toEqual({ fleet: 'edi', erp: 'business-central', cs: 'freshdesk' });
    expect(playableVendorsOf('erp')).toEqual(vendorsOf('erp'));
  });
});
