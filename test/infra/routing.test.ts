import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, test } from 'vitest';
import { canonicalEventTypes } from '../../schemas/catalog';
import { synthStage } from '../support/synth';

type Resource = { Type: string; Properties?: Record<string, unknown>; DependsOn?: unknown };
type Ref = { 'Fn::GetAtt'?: [string, string]; Ref?: string };

describe.each(['dev', 'prod'])('routing, outbound adapters and indexer on the %s stage', (stage) => {
  const { template, built } = synthStage(stage);
  const resources = template.toJSON().Resources as Record<string, Resource>;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const queueIdOf = (ref: Ref) => ref['Fn::GetAtt']?.[0] ?? ref.Ref;
  const rules = ofType('AWS::Events::Rule');

  /** Which queue (logical id) a rule delivers to. */
  const ruleTargets = rules.map(([id, rule]) => {
    const targets = rule.Properties!.Targets as { Arn: Ref; DeadLetterConfig?: { Arn: Ref }; RetryPolicy?: { MaximumEventAgeInSeconds: number; MaximumRetryAttempts: number } }[];
    return { id, pattern: rule.Properties!.EventPattern as { source?: unknown[]; 'detail-type'?: string[] }, targets };
  });

  /** EventBridge matching for the pattern subset the rules use (exact values, prefixes and anything-but). */
  const matches = (pattern: { source?: unknown[]; 'detail-type'?: unknown[] }, source: string, detailType: string) => {
    const one = (v: unknown, value: string): boolean => {
      if (typeof v === 'string') return v === value;
      if (typeof v !== 'object' || v === null) return false;
      if ('prefix' in v) return value.startsWith(String((v as { prefix: string }).prefix));
      if ('anything-but' in v) return ![(v as { 'anything-but': unknown })['anything-but']].flat().includes(value);
      return false;
    };
    const field = (values: unknown[] | undefined, value: string) => values === undefined || values.some((v) => one(v, value));
    return field(pattern.source, source) && field(pattern['detail-type'], detailType);
  };
  // The routing table's own rules (other constructs may add rules of their own to the bus).
  const routingRules = ruleTargets.filter((r) => r.id.startsWith('Routing'));
  const queuesFor = (source: string, detailType: string) =>
    routingRules.filter((r) => matches(r.pattern, source, detailType)).flatMap((r) => r.targets.map((t) => queueIdOf(t.Arn)!));
  const queueOf = (fragment: string) => {
    const found = ofType('AWS::SQS::Queue').filter(([id]) => id.includes(fragment) && !id.includes('DeadLetter'));
    expect(found, fragment).toHaveLength(1);
    return found[0][0];
  };

  test('every rule target has its own retry policy and DLQ; the routing rules deliver to SQS queues whose DLQ is also the rule DLQ; no rule invokes a Lambda', () => {
    expect(routingRules).toHaveLength(8);
    for (const { id, targets } of ruleTargets) {
      for (const target of targets) {
        expect(target.RetryPolicy, `${id} has no retry policy`).toBeDefined();
        expect(target.DeadLetterConfig, `${id} has no DLQ`).toBeDefined();
      }
    }
    for (const { id, targets } of routingRules) {
      for (const target of targets) {
        const queueId = queueIdOf(target.Arn)!;
        expect(resources[queueId].Type, id).toBe('AWS::SQS::Queue');
        expect(target.RetryPolicy, id).toEqual({ MaximumEventAgeInSeconds: 6 * 3600, MaximumRetryAttempts: 100 });
        const dlqId = queueIdOf(target.DeadLetterConfig!.Arn)!;
        const redrive = resources[queueId].Properties!.RedrivePolicy as { deadLetterTargetArn: Ref };
        expect(dlqId, `${id}: the rule DLQ is the target queue's DLQ`).toBe(queueIdOf(redrive.deadLetterTargetArn));
      }
    }
    for (const [, rule] of rules) {
      for (const target of rule.Properties!.Targets as { Arn: Ref }[]) {
        const targetId = queueIdOf(target.Arn);
        if (targetId) expect(resources[targetId]?.Type).not.toBe('AWS::Lambda::Function');
      }
    }
  });

  test('the reference scenario is routed: release → fleet, fleet milestones and POD → ERP, invoice and case changes → CS, exceptions → workflows, everything → ledger', () => {
    const fleet = queueOf('FleetOutboundFleetSyncQueue');
    const erp = queueOf('ErpOutboundErpSyncQueue');
    const cs = queueOf('CsOutboundCsSyncQueue');
    const exceptions = queueOf('RoutingExceptionsQueue');
    const ledger = queueOf('CorrelationIndexerLedgerQueue');
    expect(queuesFor('logistics-sync.erp', 'order.released').sort()).toEqual([fleet, ledger].sort());
    for (const milestone of ['shipment.dispatched', 'shipment.departed', 'shipment.arrived', 'shipment.delivered', 'pod.captured']) {
      expect(queuesFor('logistics-sync.fleet', milestone).sort(), milestone).toEqual([erp, ledger].sort());
    }
    expect(queuesFor('logistics-sync.erp', 'invoice.posted').sort()).toEqual([cs, ledger].sort());
    expect(queuesFor('logistics-sync.erp', 'case.resolved').sort()).toEqual([cs, ledger].sort());
    expect(queuesFor('logistics-sync.orchestrator', 'case.updated')).toEqual([ledger]);
    // A case the workflows opened reaches CS once: for the invoice note it may have missed.
    expect(queuesFor('logistics-sync.orchestrator', 'case.opened').sort()).toEqual([cs, ledger].sort());
    expect(queuesFor('logistics-sync.cs', 'case.opened')).toEqual([ledger]);
    expect(queuesFor('logistics-sync.fleet', 'shipment.exception-raised').sort()).toEqual([exceptions, ledger].sort());
    // No echoes: CS's own case changes do not go back to it. The ERP's status confirmations go nowhere: the trace
    // reads them from the ERP adapter's status guard item (they stay on the bus for subscribers and the archive).
    expect(queuesFor('logistics-sync.erp', 'shipment.status-synced')).toEqual([]);
    expect(queuesFor('logistics-sync.cs', 'case.updated')).toEqual([ledger]);
    for (const eventType of canonicalEventTypes.filter((t) => t !== 'shipment.status-synced')) {
      for (const system of ['erp', 'fleet', 'cs', 'orchestrator']) expect(queuesFor(`logistics-sync.${system}`, eventType), eventType).toContain(ledger);
    }
    expect(queuesFor('aws.events', 'order.released')).toEqual([]);
  });

  test('outbound event sources report batch item failures, with batch size and maximum concurrency from the stage config', () => {
    for (const system of ['erp', 'fleet', 'cs'] as const) {
      const { outbound } = built.config.systems[system];
      const pascal = system.charAt(0).toUpperCase() + system.slice(1);
      const queueId = queueOf(`${pascal}Outbound${pascal}SyncQueue`);
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
        BatchSize: outbound.batchSize,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: outbound.maxConcurrency },
      });
      expect((resources[queueId].Properties!.RedrivePolicy as { maxReceiveCount: number }).maxReceiveCount).toBe(outbound.maxReceiveCount);
    }
    for (const [id, mapping] of ofType('AWS::Lambda::EventSourceMapping')) {
      expect(mapping.Properties!.FunctionResponseTypes, id).toEqual(['ReportBatchItemFailures']);
    }
  });

  test('every queue consumed by a function has a visibility timeout of at least 6x the function timeout', () => {
    const mappings = ofType('AWS::Lambda::EventSourceMapping');
    expect(mappings.length).toBeGreaterThanOrEqual(4);
    for (const [id, mapping] of mappings) {
      const queueId = queueIdOf(mapping.Properties!.EventSourceArn as Ref)!;
      const functionId = queueIdOf(mapping.Properties!.FunctionName as Ref)!;
      const timeout = (resources[functionId].Properties!.Timeout as number | undefined) ?? 3;
      expect(resources[queueId].Properties!.VisibilityTimeout as number, id).toBeGreaterThanOrEqual(6 * timeout);
    }
  });

  test('each outbound function knows its own queue, DLQ and redrive limit, and may send to both (holds and self dead-lettering)', () => {
    for (const [id, fn] of ofType('AWS::Lambda::Function').filter(([id]) => /Outbound.*Function/.test(id))) {
      const env = (fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
      const queueId = queueIdOf(env.QUEUE_URL as Ref)!;
      const dlqId = queueIdOf(env.DLQ_URL as Ref)!;
      const redrive = resources[queueId].Properties!.RedrivePolicy as { deadLetterTargetArn: Ref; maxReceiveCount: number };
      expect(queueIdOf(redrive.deadLetterTargetArn), id).toBe(dlqId);
      expect(env.MAX_RECEIVE_COUNT, id).toBe(String(redrive.maxReceiveCount));
      for (const name of ['EVENT_BUS_NAME', 'IDEMPOTENCY_TABLE', 'CORRELATION_TABLE', 'SECRET_NAME', 'API_BASE_URL', 'MAINTENANCE_WINDOWS']) expect(env[name], `${id} ${name}`).toBeDefined();
      const role = queueIdOf(fn.Properties!.Role as Ref)!;
      const policies = ofType('AWS::IAM::Policy').filter(([, p]) => JSON.stringify(p.Properties!.Roles).includes(role));
      const statements = policies.flatMap(([, p]) => (p.Properties!.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement);
      for (const target of [queueId, dlqId]) {
        expect(
          statements.some((s) => [s.Action].flat().includes('sqs:SendMessage') && JSON.stringify(s.Resource).includes(target)),
          `${id} may send to ${target}`,
        ).toBe(true);
      }
    }
  });

  test('the maintenance windows of the stage config reach the ERP adapter', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TARGET_SYSTEM: 'erp', MAINTENANCE_WINDOWS: JSON.stringify(built.config.systems.erp.maintenanceWindows) }) },
    });
  });

  test('the trace API answers GET /trace/{id} only to IAM-signed requests', () => {
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{id}' });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'GET',
      AuthorizationType: 'AWS_IAM',
      RequestParameters: { 'method.request.path.id': true },
    });
    template.hasOutput('TraceApiUrl', {});
    template.hasOutput('ExceptionsQueueUrl', {});
  });
});

describe('an outbound batching window (systems.<x>.outbound.batchingWindowSeconds)', () => {
  test('gathers the adapter\'s batches for that long, and its queue\'s visibility timeout grows by the window; the other adapters keep none', () => {
    const { template } = synthStage('dev', { configOverrides: JSON.stringify({ systems: { erp: { outbound: { batchingWindowSeconds: 2 } } } }) });
    const resources = template.toJSON().Resources as Record<string, Resource>;
    const mappings = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::EventSourceMapping');
    const ofQueue = (fragment: string) => mappings.find(([, m]) => JSON.stringify(m.Properties!.EventSourceArn).includes(fragment))!;
    const [, erp] = ofQueue('ErpOutboundErpSyncQueue');
    expect(erp.Properties!.MaximumBatchingWindowInSeconds).toBe(2);
    for (const other of ['FleetOutboundFleetSyncQueue', 'CsOutboundCsSyncQueue']) expect(ofQueue(other)[1].Properties!.MaximumBatchingWindowInSeconds, other).toBeUndefined();
    const queueId = (erp.Properties!.EventSourceArn as Ref)['Fn::GetAtt']![0];
    const functionId = (erp.Properties!.FunctionName as Ref).Ref!;
    expect(resources[queueId]!.Properties!.VisibilityTimeout).toBe(6 * (resources[functionId]!.Properties!.Timeout as number) + 2);
  });

  test('the stage config refuses a negative window or one over 20 s', () => {
    for (const bad of [-1, 21]) {
      expect(() => synthStage('dev', { configOverrides: JSON.stringify({ systems: { erp: { outbound: { batchingWindowSeconds: bad } } } }) }), String(bad)).toThrow(/batchingWindowSeconds/);
    }
  });
});

describe('an outbound memory size (systems.<x>.outbound.memorySize)', () => {
  const memoryOf = (resources: Record<string, Resource>, fragment: string) =>
    Object.entries(resources).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.includes(fragment))![1].Properties!.MemorySize;

  test.each(['dev', 'prod', 'sandbox'])('the %s stage gives the fleet and CS adapters, paced a second or more apart, 160 MB, and the ERP adapter the default 256', (stage) => {
    const resources = synthStage(stage).template.toJSON().Resources as Record<string, Resource>;
    expect(memoryOf(resources, 'FleetOutboundFleetOutboundFunction')).toBe(160);
    expect(memoryOf(resources, 'CsOutboundCsOutboundFunction')).toBe(160);
    expect(memoryOf(resources, 'ErpOutboundErpOutboundFunction')).toBe(256);
  });

  test('sets the adapter\'s function only, and the stage config refuses a size Lambda does not offer', () => {
    const resources = synthStage('dev', { configOverrides: JSON.stringify({ systems: { erp: { outbound: { memorySize: 512 } } } }) }).template.toJSON().Resources as Record<string, Resource>;
    expect(memoryOf(resources, 'ErpOutboundErpOutboundFunction')).toBe(512);
    expect(memoryOf(resources, 'CorrelationIndexerIndexerFunction')).toBe(256);
    for (const bad of [64, 10241, 200.5]) {
      expect(() => synthStage('dev', { configOverrides: JSON.stringify({ systems: { erp: { outbound: { memorySize: bad } } } }) }), String(bad)).toThrow(/memorySize/);
    }
  });
});
