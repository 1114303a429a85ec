import { describe, expect, test } from 'vitest';
import { parseSystemsOption, vendorsOf } from '../../sandbox/systems-option';

describe('npm start -- --systems', () => {
  test('each system may be played by its webhook dialects, file intakes and API vendors, from the registry', () => {
    expect(vendorsOf('fleet')).toEqual(expect.arrayContaining(['samsara', 'motive']));
    expect(vendorsOf('cs')).toContain('zendesk');
    expect(parseSystemsOption('cs=zendesk, fleet=samsara')).toEqual({ cs: 'zendesk', fleet: 'samsara' });
    expect(parseSystemsOption(undefined)).toEqual({});
  });

  test('refuses what the registry does not know, naming the choices', () => {
    expect(() => parseSystemsOption('wms=acme')).toThrow(/"wms" is not a system \(erp, fleet, cs\)/);
    expect(() => parseSystemsOption('cs=samsara')).toThrow(/"samsara" is not a cs vendor \(zendesk/);
    expect(() => parseSystemsOption('fleet')).toThrow(/not <system>=<vendor>/);
    expect(() => parseSystemsOption('cs=zendesk,cs=zendesk')).toThrow(/given twice/);
  });
});
