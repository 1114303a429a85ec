import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { clientConfig, functionAccessKey } from '../../sandbox/aws';
import { startEmulator, type Emulator } from '../../sandbox/emulator';
import { countRecordedRequests, type AwsCallCount } from '../../sandbox/metering';

/** An emulator whose request recorder writes to a file of its own, and a DynamoDB client signing as a function. */
export interface RecordingEmulator {
  readonly emulator: Emulator;
  readonly dynamodb: DynamoDBClient;
  /** The DynamoDB requests recorded since the recorder was last reset, as the meter counts them (metering.ts). */
  dynamoCalls(): AwsCallCount[];
  stop(): Promise<void>;
}

/** Starts an emulator recording into a temporary directory (`prefix`), with a client signing as the indexer function. */
export async function startRecordingEmulator(prefix: string): Promise<RecordingEmulator> {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const emulator = await startEmulator({ log: () => undefined, recordingFile: path.join(dir, 'recording.jsonl') });
  const config = clientConfig(emulator.endpoint);
  const dynamodb = new DynamoDBClient({ ...config, credentials: { ...config.credentials, accessKeyId: functionAccessKey('Indexer') } });
  return {
    emulator,
    dynamodb,
    dynamoCalls: () => countRecordedRequests(readFileSync(emulator.recordingFile!, 'utf8').split('\n')).filter((c) => c.service === 'dynamodb'),
    async stop() {
      dynamodb.destroy();
      await emulator.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
