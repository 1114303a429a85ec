import { SQSClient, type Message } from '@aws-sdk/client-sqs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { DLQ_ATTRIBUTES } from '../../registry/queue-attributes';
import { HOLD_ATTRIBUTES } from '../../lambdas/shared/outbound/message';
import { createClients } from '../../cli/aws';
import type { QuarantineDiscovery, QueueDiscovery } from '../../registry/catalog';
import { REDRIVE_RUN_ATTRIBUTE } from '../../cli/dlq-message';
import { CREDENTIALS, REGION, startCliFixture, type CliFixture } from './support/fixture';
import { adapterDlqAttributes, canonicalEventBody, clear, eventIdOf, peekAll, seed } from './support/queues';
import { lsync } from './support/run-cli';

let fx: CliFixture;
let sqs: SQSClient;
let ddb: DynamoDBDocumentClient;
let erp: QueueDiscovery;
let fleet: QueueDiscovery;
let quarantine: QuarantineDiscovery;

const attr = (m: Message, name: string) => m.MessageAttributes?.[name]?.StringValue;

beforeAll(async () => {
  fx = await startCliFixture();
  const config = { endpoint: fx.endpoint, region: REGION, credentials: { ...CREDENTIALS } };
  sqs = new SQSClient({ ...config, useQueueUrlAsEndpoint: false });
  ddb = DynamoDBDocumentClient.from(new DynamoDBClient(config));
  erp = JSON.parse(fx.outputs.LsyncQueueErpSync!) as QueueDiscovery;
  fleet = JSON.parse(fx.outputs.LsyncQueueFleetDispatch!) as QueueDiscovery;
  quarantine = JSON.parse(fx.outputs.LsyncQuarantineQueue!) as QuarantineDiscovery;
});

afterAll(async () => {
  sqs?.destroy();
  await fx?.stop();
});

beforeEach(async () => {
  for (const url of [erp.url, erp.dlqUrl, fleet.url, fleet.dlqUrl, quarantine.url, quarantine.dlqUrl]) {
    await clear(sqs, url);
  }
});

/** The failure drill's state: ERP 503s dead-lettered SO-1001's sync; another order failed for another reason. */
async function seedErpDlq(): Promise<void> {
  await seed(sqs, erp.dlqUrl, [
    {
      body: canonicalEventBody({ eventId: 'e-pod-1001', eventType: 'pod.captured', orderId: 'SO-1001', shipmentId: 'SH-1001' }),
      attributes: adapterDlqAttributes({ errorClass: 'UpstreamUnavailable', reason: 'ERP answered 503 (maintenance)', sourceQueueUrl: erp.url }),
    },
    {
      body: canonicalEventBody({ eventId: 'e-del-1001', eventType: 'shipment.delivered', orderId: 'SO-1001', shipmentId: 'SH-1001' }),
      attributes: adapterDlqAttributes({ errorClass: 'UpstreamUnavailable', reason: 'ERP answered 503 (maintenance)', sourceQueueUrl: erp.url }),
    },
    {
      body: canonicalEventBody({ eventId: 'e-dep-2002', eventType: 'shipment.departed', orderId: 'SO-2002', shipmentId: 'SH-2002' }),
      attributes: adapterDlqAttributes({ errorClass: 'RejectedByTarget', reason: 'ERP answered 422: unknown shipment', sourceQueueUrl: erp.url }),
    },
    // Moved by SQS itself after maxReceiveCount: no lsync attributes at all.
    { body: canonicalEventBody({ eventId: 'e-eta-3003', eventType: 'shipment.eta-updated', orderId: 'SO-3003', caseId: 'CS-3003' }) },
  ]);
}

async function auditItems(): Promise<Record<string, unknown>[]> {
  const day = new Date().toISOString().slice(0, 10);
  const { Items = [] } = await ddb.send(
    new QueryCommand({ TableName: fx.outputs.CorrelationTableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `AUDIT#${day}` } }),
  );
  return Items;
}

describe('lsync dlq list', () => {
  test('names every non-empty DLQ with its depth, error classes and the affected business keys', async () => {
    await seedErpDlq();
    const result = await lsync(fx.endpointsFile, ['dlq', 'list']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/erp-sync\s+4\s/);
    expect(result.stdout).toContain('SO-1001');
    expect(result.stdout).toContain('SO-2002');
    expect(result.stdout).toMatch(/UpstreamUnavailable×2/);
    expect(result.stdout).not.toContain('fleet-dispatch'); // empty DLQs are left out
  });

  test('--json lists every DLQ, the empty ones and the quarantine included', async () => {
    await seedErpDlq();
    const { dlqs } = (await lsync(fx.endpointsFile, ['--json', 'dlq', 'list'])).json<{ dlqs: Record<string, unknown>[] }>();
    expect(dlqs.map((d) => d.name)).toEqual(['delivered', 'erp-sync', 'fleet-dispatch', 'quarantine', 'quarantine-dlq']);
    const erpDlq = dlqs[1]!;
    expect(erpDlq).toMatchObject({
      depth: 4,
      errorClasses: { UpstreamUnavailable: 2, RejectedByTarget: 1, Unattributed: 1 },
      affected: { orderId: ['SO-1001', 'SO-2002', 'SO-3003'], shipmentId: ['SH-1001', 'SH-2002'], caseId: ['CS-3003'] },
    });
    expect(erpDlq.oldestAgeSeconds).toBeGreaterThanOrEqual(0);
    expect(dlqs[2]).toMatchObject({ depth: 0, affected: {} });
  });

  test('looking does not take anything out: every message is visible again afterwards', async () => {
    await seedErpDlq();
    await lsync(fx.endpointsFile, ['dlq', 'list']);
    expect((await peekAll(sqs, erp.dlqUrl)).length).toBe(4);
  });
});

describe('lsync dlq show', () => {
  test('--order shows only that order, with reason, receive and redrive counts and first failure', async () => {
    await seedErpDlq();
    const result = await lsync(fx.endpointsFile, ['--json', 'dlq', 'show', 'erp-sync', '--order', 'SO-1001']);
    const { messages } = result.json<{ messages: Record<string, unknown>[] }>();
    expect(messages).toHaveLength(2);
    for (const m of messages) {
      expect(m).toMatchObject({
        refs: { orderId: 'SO-1001', shipmentId: 'SH-1001' },
        errorClass: 'UpstreamUnavailable',
        reason: 'ERP answered 503 (maintenance)',
        receiveCount: 3,
        redriveCount: 0,
        firstFailedAt: '2026-03-01T10:05:00.000Z',
        correlationId: 'SO-1001',
      });
    }
    expect(messages.map((m) => m.eventType).sort()).toEqual(['pod.captured', 'shipment.delivered']);
  });

  test('explains a message SQS moved by itself, and filters by case and by error class', async () => {
    await seedErpDlq();
    const byCase = (await lsync(fx.endpointsFile, ['--json', 'dlq', 'show', 'erp-sync', '--case', 'CS-3003'])).json<{ messages: Record<string, unknown>[] }>();
    expect(byCase.messages).toEqual([expect.objectContaining({ errorClass: 'Unattributed', reason: expect.stringMatching(/maxReceiveCount/) })]);
    const byError = (await lsync(fx.endpointsFile, ['--json', 'dlq', 'show', 'erp-sync', '--error', 'rejectedbytarget'])).json<{ messages: Record<string, unknown>[] }>();
    expect(byError.messages.map((m) => (m.refs as { orderId: string }).orderId)).toEqual(['SO-2002']);
  });

  test('the table names the message ids an operator needs for --message-id', async () => {
    await seedErpDlq();
    const result = await lsync(fx.endpointsFile, ['dlq', 'show', 'erp-sync', '--shipment', 'SH-2002']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/MESSAGE ID\s+EVENT TYPE/);
    expect(result.stdout).toMatch(/shipment\.departed\s+SO-2002\s+SH-2002/);
  });

  test('an unknown queue is an error that lists the known ones', async () => {
    const result = await lsync(fx.endpointsFile, ['dlq', 'show', 'erp-snyc']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown queue "erp-snyc"');
    expect(result.stderr).toContain('known queues: delivered, erp-sync, fleet-dispatch, quarantine, quarantine-dlq');
  });

  test('a queue may be named by its URL or ARN, of the DLQ or of the work queue', async () => {
    await seedErpDlq();
    for (const ref of [erp.dlqUrl, erp.arn, erp.dlqArn, 'erp-sync-dlq']) {
      const { dlq } = (await lsync(fx.endpointsFile, ['--json', 'dlq', 'show', ref, '--limit', '1'])).json<{ dlq: string }>();
      expect(dlq).toBe('erp-sync');
    }
  });
});

describe('lsync dlq redrive', () => {
  test('--order sends only that order back to its source queue, with the original attributes and redrive count 1, and audits it', async () => {
    await seedErpDlq();
    const result = await lsync(fx.endpointsFile, ['--json', 'dlq', 'redrive', 'erp-sync', '--order', 'SO-1001', '--reason', 'ERP maintenance over']);
    expect(result.code).toBe(0);
    const summary = result.json<{ auditId: string; counts: Record<string, number> }>();
    expect(summary.counts).toMatchObject({ scanned: 4, matched: 2, redriven: 2, quarantined: 0, failed: 0 });

    const source = await peekAll(sqs, erp.url);
    expect(source.map(eventIdOf).sort()).toEqual(['e-del-1001', 'e-pod-1001']);
    for (const m of source) {
      expect(attr(m, DLQ_ATTRIBUTES.redriveCount)).toBe('1');
      expect(attr(m, DLQ_ATTRIBUTES.errorClass)).toBe('UpstreamUnavailable');
      expect(attr(m, DLQ_ATTRIBUTES.errorReason)).toBe('ERP answered 503 (maintenance)');
      expect(attr(m, DLQ_ATTRIBUTES.firstFailedAt)).toBe('2026-03-01T10:05:00.000Z');
      expect(attr(m, DLQ_ATTRIBUTES.sourceQueueUrl)).toBe(erp.url);
      expect(attr(m, REDRIVE_RUN_ATTRIBUTE)).toBe(summary.auditId);
    }
    // Everything else stays in the DLQ, untouched.
    const left = await peekAll(sqs, erp.dlqUrl);
    expect(left.map(eventIdOf).sort()).toEqual(['e-dep-2002', 'e-eta-3003']);

    const audit = (await auditItems()).find((i) => i.auditId === summary.auditId);
    expect(audit).toMatchObject({
      action: 'dlq.redrive',
      status: 'completed',
      who: { user: 'test-operator' },
      what: { dlq: 'erp-sync', selector: 'orderId=SO-1001', maxRedrives: 2 },
      reason: 'ERP maintenance over',
      result: { counts: { matched: 2, redriven: 2, quarantined: 0, failed: 0 }, affected: { orderId: ['SO-1001'] } },
    });
    expect(String(audit!.sk)).toMatch(/^\d{4}-\d\d-\d\dT.*#/);
  });

  test('--message-id, --shipment and --error select exactly their messages', async () => {
    await seedErpDlq();
    const shown = (await lsync(fx.endpointsFile, ['--json', 'dlq', 'show', 'erp-sync', '--order', 'SO-3003'])).json<{ messages: { messageId: string }[] }>();
    const byId = (await lsync(fx.endpointsFile, ['--json', 'dlq', 'redrive', 'erp-sync', '--message-id', shown.messages[0]!.messageId])).json<{ counts: Record<string, number> }>();
    expect(byId.counts).toMatchObject({ matched: 1, redriven: 1 });
    const byShipment = (await lsync(fx.endpointsFile, ['--json', 'dlq', 'redrive', 'erp-sync', '--shipment', 'SH-2002'])).json<{ counts: Record<string, number> }>();
    expect(byShipment.counts).toMatchObject({ matched: 1, redriven: 1 });
    const byError = (await lsync(fx.endpointsFile, ['--json', 'dlq', 'redrive', 'erp-sync', '--error', 'UpstreamUnavailable'])).json<{ counts: Record<string, number> }>();
    expect(byError.counts).toMatchObject({ matched: 2, redriven: 2 });
    expect((await peekAll(sqs, erp.url)).map(eventIdOf).sort()).toEqual(['e-del-1001', 'e-dep-2002', 'e-eta-3003', 'e-pod-1001']);
    expect(await peekAll(sqs, erp.dlqUrl)).toEqual([]);
  });

  test('a redrive restarts the adapters\' hold bookkeeping (a new attempt) but keeps the failure attributes', async () => {
    await seed(sqs, erp.dlqUrl, [
      {
        body: canonicalEventBody({ eventId: 'e-held', eventType: 'shipment.departed', orderId: 'SO-6006' }),
        attributes: {
          ...adapterDlqAttributes({ errorClass: 'HeldTooLong', reason: 'held for 130 minutes', sourceQueueUrl: erp.url }),
          [HOLD_ATTRIBUTES.heldCount]: { DataType: 'String', StringValue: '12' },
          [HOLD_ATTRIBUTES.firstReceivedAt]: { DataType: 'String', StringValue: '1767225600000' },
        },
      },
    ]);
    await lsync(fx.endpointsFile, ['dlq', 'redrive', 'erp-sync', '--order', 'SO-6006', '--no-progress']);
    const [m] = await peekAll(sqs, erp.url);
    expect(attr(m!, DLQ_ATTRIBUTES.errorClass)).toBe('HeldTooLong');
    expect(attr(m!, DLQ_ATTRIBUTES.redriveCount)).toBe('1');
    expect(m!.MessageAttributes?.[HOLD_ATTRIBUTES.heldCount]).toBeUndefined();
    expect(m!.MessageAttributes?.[HOLD_ATTRIBUTES.firstReceivedAt]).toBeUndefined();
  });

  test('a message SQS moved without attributes is sent back to the queue the DLQ belongs to', async () => {
    await seedErpDlq();
    await lsync(fx.endpointsFile, ['dlq', 'redrive', 'erp-sync', '--case', 'CS-3003', '--no-progress']);
    const [m] = await peekAll(sqs, erp.url);
    expect(eventIdOf(m!)).toBe('e-eta-3003');
    expect(attr(m!, DLQ_ATTRIBUTES.redriveCount)).toBe('1');
  });

  test('--dry-run changes nothing and writes no audit item', async () => {
    await seedErpDlq();
    const before = (await auditItems()).length;
    const result = await lsync(fx.endpointsFile, ['dlq', 'redrive', 'erp-sync', '--order', 'SO-1001', '--dry-run']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('[dry run]');
    expect(result.stdout).toMatch(/2 would redrive/);
    expect(await peekAll(sqs, erp.url)).toEqual([]);
    expect((await peekAll(sqs, erp.dlqUrl)).length).toBe(4);
    expect((await auditItems()).length).toBe(before);
  });

  test('a selector is required, and only one', async () => {
    const none = await lsync(fx.endpointsFile, ['dlq', 'redrive', 'erp-sync']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/say which messages to redrive/);
    const two = await lsync(fx.endpointsFile, ['dlq', 'redrive', 'erp-sync', '--all', '--order', 'SO-1']);
    expect(two.stderr).toMatch(/choose one selector/);
  });

  test('a message already redriven maxRedrives times goes to the quarantine instead of looping, and comes back only with --force', async () => {
    await seed(sqs, fleet.dlqUrl, [
      {
        body: canonicalEventBody({ eventId: 'e-tired', eventType: 'order.released', orderId: 'SO-4004' }),
        attributes: adapterDlqAttributes({ errorClass: 'UpstreamUnavailable', reason: 'fleet API 500', sourceQueueUrl: fleet.url, redriveCount: 2 }),
      },
      {
        body: canonicalEventBody({ eventId: 'e-fresh', eventType: 'order.released', orderId: 'SO-4004' }),
        attributes: adapterDlqAttributes({ errorClass: 'UpstreamUnavailable', reason: 'fleet API 500', sourceQueueUrl: fleet.url, redriveCount: 1 }),
      },
    ]);
    const result = (await lsync(fx.endpointsFile, ['--json', 'dlq', 'redrive', 'fleet-dispatch', '--order', 'SO-4004'])).json<{ counts: Record<string, number> }>();
    expect(result.counts).toMatchObject({ matched: 2, redriven: 1, quarantined: 1 });

    const [quarantined] = await peekAll(sqs, quarantine.url);
    expect(eventIdOf(quarantined!)).toBe('e-tired');
    expect(attr(quarantined!, DLQ_ATTRIBUTES.redriveCount)).toBe('2');
    expect(attr(quarantined!, DLQ_ATTRIBUTES.sourceQueueUrl)).toBe(fleet.url);
    const [redriven] = await peekAll(sqs, fleet.url);
    expect(eventIdOf(redriven!)).toBe('e-fresh');
    expect(attr(redriven!, DLQ_ATTRIBUTES.redriveCount)).toBe('2');

    const list = (await lsync(fx.endpointsFile, ['--json', 'dlq', 'list'])).json<{ dlqs: { name: string; depth: number; affected: { orderId?: string[] } }[] }>();
    expect(list.dlqs.find((d) => d.name === 'quarantine')).toMatchObject({ depth: 1, affected: { orderId: ['SO-4004'] } });

    const refused = await lsync(fx.endpointsFile, ['dlq', 'redrive', 'quarantine', '--order', 'SO-4004']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/needs --force/);
    const forced = (await lsync(fx.endpointsFile, ['--json', 'dlq', 'redrive', 'quarantine', '--order', 'SO-4004', '--force'])).json<{ counts: Record<string, number> }>();
    expect(forced.counts).toMatchObject({ matched: 1, redriven: 1, quarantined: 0 });
    const back = await peekAll(sqs, fleet.url);
    expect(back.map(eventIdOf)).toContain('e-tired');
    expect(await peekAll(sqs, quarantine.url)).toEqual([]);
  });

  test('a send that fails leaves the message in the DLQ; a delete that fails after the send duplicates it; nothing is lost', async () => {
    await seedErpDlq();
    // Real SQS, with faults injected below the client's own error handling.
    const faulty = (failing: string) => (target: Parameters<typeof createClients>[0]) => {
      const clients = createClients(target);
      clients.sqs.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === failing) throw Object.assign(new Error(`injected ${failing} failure`), { name: 'ServiceUnavailable' });
          return next(args);
        },
        { step: 'finalizeRequest', name: 'injectFault' },
      );
      return clients;
    };

    const sendFails = await lsync(fx.endpointsFile, ['--json', 'dlq', 'redrive', 'erp-sync', '--order', 'SO-1001'], { makeClients: faulty('SendMessageBatchCommand') });
    expect(sendFails.code).toBe(1);
    expect(sendFails.json<{ counts: Record<string, number> }>().counts).toMatchObject({ matched: 2, redriven: 0, failed: 2 });
    expect(await peekAll(sqs, erp.url)).toEqual([]);
    expect((await peekAll(sqs, erp.dlqUrl)).length).toBe(4);

    const deleteFails = await lsync(fx.endpointsFile, ['--json', 'dlq', 'redrive', 'erp-sync', '--order', 'SO-1001'], { makeClients: faulty('DeleteMessageBatchCommand') });
    const summary = deleteFails.json<{ counts: Record<string, number>; messages: { error?: string }[] }>();
    expect(summary.counts).toMatchObject({ matched: 2, redriven: 2 });
    expect(summary.messages.every((m) => /will be delivered twice/.test(m.error ?? ''))).toBe(true);
    expect((await peekAll(sqs, erp.url)).map(eventIdOf).sort()).toEqual(['e-del-1001', 'e-pod-1001']);
    expect((await peekAll(sqs, erp.dlqUrl)).map(eventIdOf).sort()).toEqual(['e-del-1001', 'e-dep-2002', 'e-eta-3003', 'e-pod-1001']);
  });

  test('a missing permission names the IAM action', async () => {
    const denied = (target: Parameters<typeof createClients>[0]) => {
      const clients = createClients(target);
      clients.sqs.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === 'ReceiveMessageCommand') {
            throw Object.assign(new Error('User: arn:aws:iam::123456789012:user/ops is not authorized to perform: sqs:receivemessage'), { name: 'AccessDenied' });
          }
          return next(args);
        },
        { step: 'finalizeRequest', name: 'deny' },
      );
      return clients;
    };
    await seedErpDlq();
    const result = await lsync(fx.endpointsFile, ['dlq', 'show', 'erp-sync'], { makeClients: denied });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('access denied: your credentials lack the permission sqs:ReceiveMessage');
  });

  // moto checks message retention by recomputing every queue attribute for each message it returns, so a
  // receive costs O(queue depth) there (not in SQS): this test takes about a minute in the emulator.
  test('a redrive of 1,000 messages shows progress on stderr and completes', { timeout: 400_000 }, async () => {
    const messages = Array.from({ length: 1000 }, (_, i) => ({
      body: canonicalEventBody({ eventId: `bulk-${i}`, eventType: 'shipment.departed', orderId: `SO-${5000 + (i % 50)}` }),
      attributes: adapterDlqAttributes({ errorClass: 'UpstreamUnavailable', reason: 'ERP 503', sourceQueueUrl: erp.url }),
    }));
    await seed(sqs, erp.dlqUrl, messages);
    const result = await lsync(fx.endpointsFile, ['dlq', 'redrive', 'erp-sync', '--all']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/redrive erp-sync \[.*\] \d+\/1000 scanned \| \d+ redriven/);
    expect(result.stderr).toMatch(/1000\/1000 scanned \| 1000 redriven \| 0 quarantined \| 0 failed/);
    expect(result.stdout).toMatch(/1000 looked at, 1000 matched all messages: 1000 redriven/);
    const ids = new Set((await peekAll(sqs, erp.url)).map(eventIdOf));
    expect(ids.size).toBe(1000);
    expect(await peekAll(sqs, erp.dlqUrl)).toEqual([]);
  });
});
