import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEmulator, type Emulator } from '../../sandbox/emulator';
import { venvBin } from '../../sandbox/python-env';

/**
 * A conditional write is atomic in DynamoDB: of several conditional updates racing for one item, the condition holds
 * for one. moto server checks the condition and applies the update in separate steps on request threads, so without
 * the launcher's `dynamodb-atomic-conditional-writes` patch two of them could both win (3 trials in 60 here before
 * the patch; the chaos run saw two status leases granted at once and "delivered" sent twice). The racing client is
 * Python (conditional-race.py): threads behind one barrier reach moto within the short window, Node's one thread
 * does not.
 */
describe('the emulator: conditional writes are atomic', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ log: () => undefined });
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  test('the launcher reports the patch', async () => {
    expect((await emulator.capabilities()).patches).toContain('dynamodb-atomic-conditional-writes');
  });

  test('of 12 updates racing for one lease, exactly one wins, in every one of 300 trials', async () => {
    const script = path.join(import.meta.dirname, 'conditional-race.py');
    const { stdout } = await promisify(execFile)(venvBin('python'), [script, emulator.endpoint, '300', '12'], { timeout: 150_000 });
    const { winnersPerTrial } = JSON.parse(stdout) as { winnersPerTrial: number[] };
    expect(winnersPerTrial).toHaveLength(300);
    expect(winnersPerTrial.filter((n) => n !== 1)).toEqual([]);
  }, 180_000);
});
