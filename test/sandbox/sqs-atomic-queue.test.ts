import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEmulator, type Emulator } from '../../sandbox/emulator';
import { venvBin } from '../../sandbox/python-env';

/**
 * An SQS queue keeps every message it accepted until one of its receivers deletes it, and a delete stays done. moto
 * server rebuilt a queue's message list on every delete without the lock sends append under, so a message sent during
 * a delete could vanish and one of two simultaneous deletes could be undone (before the launcher's
 * `sqs-queue-messages-atomic` patch: 3 of 3,600 messages lost in one run of this race, messages received twice or left
 * behind in every run; a 1,000-order cost run lost a ledger message). The racing client is Python (sqs-race.py):
 * threads put sends, receives and deletes on the wire together, Node's one thread does not.
 */
describe('the emulator: an SQS queue loses nothing under concurrent sends, receives and deletes', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ log: () => undefined });
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  test('the launcher reports the patch', async () => {
    expect((await emulator.capabilities()).patches).toContain('sqs-queue-messages-atomic');
  });

  test('3,600 messages from 12 senders, 4 consumers deleting one by one: each received once, none lost, none left', async () => {
    const script = path.join(import.meta.dirname, 'sqs-race.py');
    const { stdout } = await promisify(execFile)(venvBin('python'), [script, emulator.endpoint, '12', '300', '4'], { timeout: 240_000 });
    const result = JSON.parse(stdout) as { sent: number; lost: string[]; receivedTwice: string[]; left: number };
    expect(result).toEqual({ sent: 3600, lost: [], receivedTwice: [], left: 0 });
  }, 300_000);
});
