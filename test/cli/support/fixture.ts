import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Monitoring } from '../../../lib/monitoring/monitoring';
import { ReliableQueue } from '../../../lib/core/reliable-queue';
import { readAssembly } from '../../../sandbox/deploy/assembly';
import { deployStack } from '../../../sandbox/deploy/deployer';
import { startEmulator, type Emulator } from '../../../sandbox/emulator';
import { Tables } from '../../../lib/core/tables';

export const REGION = 'us-east-1';
export const CREDENTIALS = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' } as const;

/**
 * A small stack of the project's own constructs (ReliableQueues, Tables, Monitoring with its discovery
 * outputs and quarantine, a bus with an archive) — the parts `lsync` discovers and works on.
 */
export function synthFixture(stackName: string): string {
  const outdir = mkdtempSync(path.join(tmpdir(), 'lsync-cli-fixture-'));
  const app = new App({ outdir });
  const stack = new Stack(app, stackName);
  const tables = new Tables(stack, 'Tables');
  new ReliableQueue(stack, 'ErpSync', { maxReceiveCount: 3, purpose: 'ERP sync' });
  new ReliableQueue(stack, 'FleetDispatch', { maxReceiveCount: 3, purpose: 'fleet dispatch' });
  const bus = new events.EventBus(stack, 'Bus');
  const archive = bus.archive('Archive', { eventPattern: { account: [stack.account] }, retention: Duration.days(1) });
  // A consumer queue behind a rule, so a replay can be observed arriving.
  const delivered = new ReliableQueue(stack, 'Delivered', { maxReceiveCount: 3, purpose: 'delivered events' });
  new events.Rule(stack, 'DeliveredRule', { eventBus: bus, eventPattern: { detailType: ['shipment.delivered'] }, targets: [new targets.SqsQueue(delivered.queue)] });
  new events.Rule(stack, 'Everything', { eventBus: bus, eventPattern: { source: [{ prefix: 'logistics-sync.' }] as unknown as string[] } });
  // The on-call topic as the product has it: an email subscription whose undeliverable notifications wait in a DLQ.
  const onCall = new sns.Topic(stack, 'OnCall');
  onCall.addSubscription(new subscriptions.EmailSubscription('oncall@example.com', { deadLetterQueue: new sqs.Queue(stack, 'OnCallUndelivered', { enforceSSL: true }) }));
  new Monitoring(stack, 'Monitoring', { stage: 'clitest', alarmTopic: onCall, maxRedrives: 2 }).monitorScope(stack);
  new CfnOutput(stack, 'CorrelationTableName', { value: tables.correlationTable.tableName });
  new CfnOutput(stack, 'EventBusName', { value: bus.eventBusName });
  new CfnOutput(stack, 'EventArchiveName', { value: archive.archiveName });
  app.synth();
  return outdir;
}

/** A stack without the monitoring construct (no discovery outputs): only ReliableQueues and the tables. */
export function synthBareFixture(stackName: string): string {
  const outdir = mkdtempSync(path.join(tmpdir(), 'lsync-cli-bare-'));
  const app = new App({ outdir });
  const stack = new Stack(app, stackName);
  const tables = new Tables(stack, 'Tables');
  new ReliableQueue(stack, 'CarrierSync', { maxReceiveCount: 4 });
  new CfnOutput(stack, 'CorrelationTableName', { value: tables.correlationTable.tableName });
  app.synth();
  return outdir;
}

/** Deploys another synthesized app into the fixture's emulator and writes an endpoints file for it. */
export async function deployInto(fx: CliFixture, assemblyDir: string, stackName: string): Promise<string> {
  const [assemblyStack] = readAssembly(assemblyDir);
  const capabilities = await fx.emulator.capabilities();
  await deployStack(assemblyStack!, { endpoint: fx.endpoint, emulatorTypes: capabilities.cloudFormationTypes });
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'lsync-cli-')), 'endpoints.json');
  writeFileSync(file, JSON.stringify({ awsEndpoint: fx.endpoint, region: REGION, stackName }));
  return file;
}

export interface CliFixture {
  readonly emulator: Emulator;
  readonly endpoint: string;
  readonly stackName: string;
  /** `.sandbox/endpoints.json`-shaped file pointing at the emulator and the fixture stack. */
  readonly endpointsFile: string;
  readonly outputs: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts a bare moto server (the sandbox's emulator lifecycle) and deploys the fixture stack into it with the
 * sandbox's deployer (CloudFormation CreateStack from the synthesized template).
 */
export async function startCliFixture(stackName = 'LS-cli'): Promise<CliFixture> {
  const emulator = await startEmulator({ log: () => undefined });
  try {
    const [assemblyStack] = readAssembly(synthFixture(stackName));
    const capabilities = await emulator.capabilities();
    const deployed = await deployStack(assemblyStack!, { endpoint: emulator.endpoint, emulatorTypes: capabilities.cloudFormationTypes });
    const outputs = { ...deployed.outputs };
    const dir = mkdtempSync(path.join(tmpdir(), 'lsync-cli-'));
    const endpointsFile = path.join(dir, 'endpoints.json');
    writeFileSync(endpointsFile, JSON.stringify({ awsEndpoint: emulator.endpoint, region: REGION, stackName, webhookBaseUrl: 'http://127.0.0.1:9', secrets: {}, simulators: {} }));
    return { emulator, endpoint: emulator.endpoint, stackName, endpointsFile, outputs, stop: () => emulator.stop() };
  } catch (error) {
    await emulator.stop();
    throw error;
  }
}
