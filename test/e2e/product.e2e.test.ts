import { describe, expect, test } from 'vitest';
import { control, sandbox } from './support';

describe('the product template in the sandbox', () => {
  test('deploys into the emulator with its outputs resolved', () => {
    const outputs = sandbox().outputs[sandbox().stackName];
    expect(outputs).toBeDefined();
    expect(outputs!.EventBusName).toBeTruthy();
  });

  test('every function’s bundle loads in its own execution environment (no import or configuration error at cold start)', async () => {
    const initErrors = await control<Record<string, { errorType: string; errorMessage: string } | null>>('/warm', 'POST');
    expect(Object.keys(initErrors).length).toBeGreaterThan(0);
    expect(Object.fromEntries(Object.entries(initErrors).filter(([, error]) => error !== null))).toEqual({});
  });
});
