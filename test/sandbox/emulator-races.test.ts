import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEmulator, type Emulator } from '../../sandbox/emulator';
import { venvBin } from '../../sandbox/python-env';

/**
 * What moto server gets wrong when requests arrive together on its threads, and the launcher's patches fix. The racing
 * clients are Python (conditional-race.py, sqs-race.py): threads put their requests on the wire within a fraction of a
 * millisecond of each other, which Node's one thread does not.
 */
describe('the emulator under concurrent requests', () => {
  let emulator: Emulator;
  const race = async (script: string, args: readonly string[], timeout: number) => {
    const { stdout } = await promisify(execFile)(venvBin('python'), [path.join(import.meta.dirname, script), emulator.endpoint, ...args], { timeout });
    return JSON.parse(stdout) as unknown;
  };
  beforeAll(async () => {
    emulator = await startEmulator({ log: () => undefined });
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  test('the launcher reports both patches', async () => {
    expect((await emulator.capabilities()).patches).toEqual(expect.arrayContaining(['dynamodb-atomic-conditional-writes', 'sqs-queue-messages-atomic']));
  });

  /**
   * A conditional write is atomic in DynamoDB: of several conditional updates racing for one item, the condition holds
   * for one. moto checks the condition and applies the update in separate steps, so without the
   * `dynamodb-atomic-conditional-writes` patch two of them could both win (3 trials in 60 here before the patch; the
   * chaos run saw two status leases granted at once and "delivered" sent twice).
   */
  test('DynamoDB: of 12 updates racing for one lease, exactly one wins, in every one of 300 trials', async () => {
    const { winnersPerTrial } = (await race('conditional-race.py', ['300', '12'], 150_000)) as { winnersPerTrial: number[] };
    expect(winnersPerTrial).toHaveLength(300);
    expect(winnersPerTrial.filter((n) => n !== 1)).toEqual([]);
  }, 180_000);

  /**
   * An SQS queue keeps every message it accepted until one of its receivers deletes it, and a delete stays done. moto
   * rebuilt a queue's message list on every delete without the lock sends append under, so a message sent during a
   * delete could vanish and one of two simultaneous deletes could be undone (before the `sqs-queue-messages-atomic`
   * patch, in four runs of this race: 3 of 1,800 messages lost in one, some received twice in every one; a
   * 1,000-order cost run lost a ledger message).
   */
  test('SQS: 1,800 messages from 12 senders, 4 consumers deleting one by one: each received once, none lost, none left', async () => {
    const result = await race('sqs-race.py', ['12', '150', '4'], 240_000);
    expect(result).toEqual({ sent: 1800, lost: [], receivedTwice: [], left: 0 });
  }, 300_000);
});
