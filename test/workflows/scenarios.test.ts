/**
 * What each exception workflow does for the business: the temperature excursion of the reference scenario
 * (step 4), and the customer notification and case handling of delay and failed delivery.
 */
import { describe, expect, test } from 'vitest';
import type { TriggerEvent } from '../../lambdas/workflows/model';
import { example, namedError, newWorld, runFlow, SUBSTITUTIONS } from './harness';
import { input, PATHS, publishedTypes, run, TEMPERATURE } from './paths';

describe('temperature excursion, reference scenario step 4', () => {
  test('ERP status "exception" and a quality hold, a high-priority case keyed by the shipment, the account team told, a visibility record; then resolved', async () => {
    const { world, result } = await run(PATHS['temperature-excursion'][0]);
    const trigger = TEMPERATURE;
    expect(result.status).toBe('SUCCEEDED');

    expect(world.erp.statusUpdates).toEqual([{ shipmentId: 'SHP-1001-01', status: 'exception', idempotencyKey: `workflow-exception-status-${trigger.metadata.eventId}` }]);
    expect([...world.erp.holds.entries()]).toEqual([[`workflow-quality-hold-${trigger.metadata.eventId}`, { holdId: 'QH-5001', orderId: 'SO-1001', severity: 'major' }]]);

    const tickets = [...world.cs.tickets.values()];
    expect(tickets).toHaveLength(1);
    expect(tickets[0]).toMatchObject({
      idempotencyKey: `workflow-case-${trigger.metadata.eventId}`,
      ticket: { priority: 'high', type: 'incident', externalId: 'SHP-1001-01', subject: 'Temperature excursion on shipment SHP-1001-01 (order SO-1001)' },
    });

    expect(publishedTypes(world)).toEqual(['case.opened', 'customer.notified', 'quality-hold.placed']);
    const byType = Object.fromEntries(world.aws.events.map((e) => [e.DetailType, e.detail]));
    expect(byType['case.opened'].refs).toMatchObject({ caseId: tickets[0].ticketId, shipmentId: 'SHP-1001-01', orderId: 'SO-1001' });
    expect(byType['case.opened'].data).toMatchObject({ priority: 'high', trigger: 'temperature-excursion', externalId: 'SHP-1001-01' });
    expect(byType['quality-hold.placed'].refs.holdId).toBe('QH-5001');
    expect(byType['quality-hold.placed'].data).toMatchObject({ reason: 'temperature-excursion', scope: 'shipment', exceptionEventId: trigger.metadata.eventId });
    expect(byType['customer.notified'].data).toEqual({ audience: 'account-team', channel: 'email', notificationType: 'temperature-excursion' });

    expect(world.aws.snsMessages).toHaveLength(1);
    expect(world.aws.snsMessages[0]).toMatchObject({
      TopicArn: SUBSTITUTIONS.NotificationTopicArn,
      MessageAttributes: { audience: { StringValue: 'account-team' }, customerId: { StringValue: 'C-77' }, notificationType: { StringValue: 'temperature-excursion' } },
    });
    expect(world.aws.snsMessages[0].Message).not.toMatch(/@/);

    const [record] = world.aws.itemsWithPrefix('CORR#SO-1001');
    expect(record).toMatchObject({
      sk: { S: `WF#temperature-excursion#${trigger.metadata.eventId}` },
      itemType: { S: 'workflow' },
      severity: { S: 'major' },
      status: { S: 'resolved' },
      caseId: { S: tickets[0].ticketId },
      holdId: { S: 'QH-5001' },
      resolvedBy: { S: 'case.resolved' },
    });
    const [wait] = world.aws.itemsWithPrefix('SHIPMENT#SHP-1001-01');
    expect(wait).toMatchObject({
      sk: { S: `WAIT#temperature-excursion#${trigger.metadata.eventId}` },
      taskToken: { S: expect.stringMatching(/^token-/) },
      caseId: { S: tickets[0].ticketId },
      expiresAt: { N: expect.stringMatching(/^\d+$/) },
    });
  });

  test('a second exception on the same shipment annotates its open case instead of opening another', async () => {
    const world = newWorld();
    await runFlow('temperature-excursion', input('temperature-excursion', TEMPERATURE), world);
    const later = structuredClone(TEMPERATURE) as { metadata: { eventId: string } };
    later.metadata.eventId = 'a'.repeat(64);
    const second = await runFlow('temperature-excursion', input('temperature-excursion', later as unknown as TriggerEvent), world);
    expect(second.status).toBe('SUCCEEDED');
    expect(world.cs.tickets.size).toBe(1);
    expect([...world.cs.tickets.values()][0].updates).toHaveLength(1);
    expect(world.aws.events.filter((e) => e.DetailType === 'case.updated').map((e) => e.detail.data.change)).toEqual(['comment-added']);
  });

  test('a second exception on a shipment whose case Zendesk has closed opens a follow-up of it as the new case', async () => {
    const world = newWorld();
    await runFlow('temperature-excursion', input('temperature-excursion', TEMPERATURE), world);
    const [closed] = world.cs.tickets.values();
    closed.closed = true; // solved by an agent, closed by Zendesk's automation
    const later = structuredClone(TEMPERATURE) as { metadata: { eventId: string } };
    later.metadata.eventId = 'b'.repeat(64);
    const second = await runFlow('temperature-excursion', input('temperature-excursion', later as unknown as TriggerEvent), world);
    expect(second.status).toBe('SUCCEEDED');
    expect(closed.updates).toEqual([]);
    const followUp = [...world.cs.tickets.values()][1];
    expect(followUp.ticket).toMatchObject({ followUpOf: closed.ticketId, externalId: closed.ticket.externalId, priority: 'high', type: 'incident' });
    expect(followUp.idempotencyKey).toBe(`workflow-case-${'b'.repeat(64)}`);
    const opened = world.aws.events.filter((e) => e.DetailType === 'case.opened');
    expect(opened.map((e) => e.detail.refs.caseId)).toEqual([closed.ticketId, followUp.ticketId]);
  });

  test('when the ERP is down for good the case is still opened and then annotated for a human', async () => {
    const world = newWorld();
    world.erp.faults.fail('placeQualityHold', namedError('UpstreamUnavailableError', 'ERP 503 maintenance'), 99);
    const result = await runFlow('temperature-excursion', input('temperature-excursion', TEMPERATURE), world);
    expect(result.error).toBe('ExceptionWorkflow.NeedsHuman');
    const [ticket] = world.cs.tickets.values();
    expect(ticket.updates).toEqual([expect.objectContaining({ additionalTags: ['needs-human'], comment: expect.objectContaining({ body: expect.stringMatching(/erp-actions \(erp\): UpstreamUnavailableError: ERP 503 maintenance/) }) })]);
    expect(publishedTypes(world)).toEqual(['case.opened', 'case.updated', 'customer.notified', 'sync.failed']);
  });
});

describe('delay and failed delivery: customer notification and case handling', () => {
  test('a reported delay opens a normal case and tells the customer', async () => {
    const { world } = await run(PATHS.delay[0]);
    const [ticket] = world.cs.tickets.values();
    expect(ticket.ticket).toMatchObject({ priority: 'normal', externalId: 'SHP-1001-01' });
    expect(world.aws.snsMessages[0].MessageAttributes).toMatchObject({ audience: { StringValue: 'customer' }, notificationType: { StringValue: 'delay' } });
    expect(publishedTypes(world)).toEqual(['case.opened', 'customer.notified']);
    expect(world.erp.statusUpdates).toEqual([]);
  });

  test('an ETA inside the window is recorded and nothing else happens', async () => {
    const { world } = await run(PATHS.delay[1]);
    expect(world.cs.tickets.size + world.aws.events.length + world.aws.snsMessages.length).toBe(0);
    const [record] = world.aws.itemsWithPrefix('CORR#SO-1001');
    expect(record).toMatchObject({ status: { S: 'observed' }, severity: { S: 'none' }, kind: { S: 'eta-breach' } });
  });

  test('damage found at delivery goes through the failed-delivery workflow: ERP exception status, high-priority damage case, account team', async () => {
    const damage = example<TriggerEvent>('shipment.exception-raised.damage');
    const { world, result } = await run({ name: 'damage', input: input('failed-delivery', damage), ends: { status: 'SUCCEEDED', state: 'Resolved' } });
    expect(result.status).toBe('SUCCEEDED');
    expect(world.erp.statusUpdates.map((u) => u.status)).toEqual(['exception']);
    expect([...world.cs.tickets.values()][0].ticket).toMatchObject({ priority: 'high', subject: expect.stringMatching(/^Damage found at delivery on shipment/) });
    expect(world.aws.events.find((e) => e.DetailType === 'case.opened')?.detail.data.trigger).toBe('damage');
    expect(world.aws.events.find((e) => e.DetailType === 'customer.notified')?.detail.data).toMatchObject({ audience: 'account-team', notificationType: 'damage' });
  });

  test('a refused delivery sets the ERP exception status, opens a high-priority case and tells the account team', async () => {
    const { world } = await run(PATHS['failed-delivery'][1]);
    expect(world.erp.statusUpdates.map((u) => u.status)).toEqual(['exception']);
    expect([...world.cs.tickets.values()][0].ticket.priority).toBe('high');
    expect(world.aws.snsMessages[0].MessageAttributes).toMatchObject({ audience: { StringValue: 'account-team' }, notificationType: { StringValue: 'failed-delivery' } });
  });
});
