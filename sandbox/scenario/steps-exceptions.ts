import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { ScenarioTicket } from '../simulators/index';
import { fleetRouteOfOrder, ORDER_ID, shipmentOf } from './helpers';
import type { ScenarioContext, ScenarioStep } from './runner';

/**
 * Steps 4–5 of the reference scenario (docs/architecture.md; `npm start -- --once`): the fleet's temperature alert on
 * SO-1001's shipment starts the temperature-excursion workflow, which places one quality hold and opens
 * one high-priority ticket; the vendor then retries the same webhook twice and nothing more happens.
 * They need the route that dispatch created (the scenario's dispatch step), so they go after it.
 * Owned by the exception workflows (issue 6); test/e2e/exception-workflows.e2e.test.ts runs the same story
 * on a shipment of its own.
 */



/** The shipment's tickets on the stage's CS platform (Zendesk, Freshdesk: sandbox/simulators/cs-port.ts). */
function tickets(ctx: ScenarioContext, shipmentId: string): ScenarioTicket[] {
  return ctx.sandbox.simulators!.csPort.tickets().filter((t) => t.shipmentId === shipmentId);
}

/** The holds on the shipment in the stage's ERP (sandbox/simulators/erp-port.ts). */
function holds(ctx: ScenarioContext, shipmentId: string): { holdId: string }[] {
  return ctx.sandbox.simulators!.erpPort.qualityHolds(ORDER_ID, shipmentId);
}

function temperatureExecutions(ctx: ScenarioContext) {
  return ctx.sandbox.stepFunctions.allExecutions().filter((e) => e.name.startsWith('temp-'));
}

function skipUnlessWorkflow(ctx: ScenarioContext): string | undefined {
  if (!ctx.sandbox.simulators) return 'no simulators';
  if (!ctx.sandbox.stepFunctions.stateMachines().some((m) => m.logicalId.includes('TemperatureExcursion'))) return 'the product has no temperature-excursion workflow';
  try {
    shipmentOf(ctx);
  } catch {
    return `the fleet has no route for ${ORDER_ID}`;
  }
  return undefined;
}

const ONE_TICKET_ONE_HOLD = (ctx: ScenarioContext) => [
  {
    name: 'one high-priority ticket keyed by the shipment',
    withinMs: 20_000,
    check: () => {
      const found = tickets(ctx, shipmentOf(ctx));
      if (found.length !== 1) return `${found.length} tickets`;
      return found[0].priority === 'high' ? undefined : `priority ${found[0].priority}`;
    },
  },
  {
    name: 'one quality hold in the ERP',
    withinMs: 20_000,
    check: () => {
      const found = holds(ctx, shipmentOf(ctx));
      return found.length === 1 ? undefined : `${found.length} holds`;
    },
  },
  {
    name: 'one workflow execution, waiting for resolution',
    withinMs: 20_000,
    check: () => {
      const executions = temperatureExecutions(ctx);
      if (executions.length !== 1) return `${executions.length} executions`;
      return executions[0].status === 'RUNNING' ? undefined : `execution ${executions[0].status} ${executions[0].error ?? ''}`;
    },
  },
];

export const EXCEPTION_WORKFLOW_STEPS: readonly ScenarioStep[] = [
  {
    name: `4. fleet temperature alert (11.5 °C for 25 min) on ${ORDER_ID}'s shipment → ERP exception and hold, CS ticket, account team, visibility record`,
    skipUnless: skipUnlessWorkflow,
    async run(ctx) {
      const delivery = await ctx.sandbox.simulators!.fleet.raiseTemperatureAlert(fleetRouteOfOrder(ctx, ORDER_ID).id);
      if (delivery.status !== 202) throw new Error(`the alert webhook was answered ${delivery.status}`);
      ctx.state.set('temperatureAlert', delivery.id);
    },
    expectations: (ctx) => [
      ...ONE_TICKET_ONE_HOLD(ctx),
      {
        name: 'the alert, naming only the trailer and the vehicle, is correlated to the shipment through the asset and read from the reefer',
        withinMs: 20_000,
        check: () => {
          const alert = ctx.sandbox.simulators!.fleet.webhooksSent.find((w) => w.id === ctx.state.get('temperatureAlert'));
          if (!alert || /"route"|logisticsSync/.test(alert.rawBody)) return 'the alert carries route or shipment ids: it must name only the asset, as Samsara does';
          const exception = ctx.sandbox.busTap.events().find((e) => e['detail-type'] === 'shipment.exception-raised');
          const detail = exception?.detail as { refs?: { shipmentId?: string }; data?: { readingCelsius?: number; limits?: object } } | undefined;
          if (!detail) return 'no shipment.exception-raised';
          if (detail.refs?.shipmentId !== shipmentOf(ctx)) return `exception for ${detail.refs?.shipmentId}`;
          const read = ctx.sandbox.simulators!.fleet.calls.some((c) => c.path === '/fleet/trailers/stats' && c.status === 200);
          return read && detail.data?.readingCelsius === 11.5 ? undefined : `reading ${detail.data?.readingCelsius}, reefer read: ${read}`;
        },
      },
      {
        name: 'case.opened and quality-hold.placed are on the bus, caused by the exception',
        withinMs: 20_000,
        check: () => {
          const events = ctx.sandbox.busTap.events();
          const exception = events.find((e) => e['detail-type'] === 'shipment.exception-raised');
          if (!exception) return 'no shipment.exception-raised';
          const exceptionId = (exception.detail as { metadata: { eventId: string } }).metadata.eventId;
          for (const type of ['case.opened', 'quality-hold.placed']) {
            const caused = events.filter((e) => e['detail-type'] === type && (e.detail as { metadata: { causationId?: string } }).metadata.causationId === exceptionId);
            if (caused.length !== 1) return `${caused.length} ${type}`;
          }
          return undefined;
        },
      },
      {
        name: 'the account team is notified (SNS Publish accepted by the emulator)',
        withinMs: 20_000,
        check: () => {
          const [execution] = temperatureExecutions(ctx);
          if (!execution) return 'no execution';
          const published = ctx.sandbox.stepFunctions
            .historyOf(execution.executionArn)
            .filter((e) => e.type === 'TaskSucceeded' && (e.taskSucceededEventDetails as { resourceType?: string; resource?: string }).resourceType === 'sns');
          return published.length === 1 ? undefined : `${published.length} SNS publishes`;
        },
      },
      {
        name: 'the visibility record of the excursion is in the correlation table',
        withinMs: 20_000,
        async check() {
          const exception = ctx.sandbox.busTap.events().find((e) => e['detail-type'] === 'shipment.exception-raised');
          if (!exception) return 'no shipment.exception-raised';
          const { metadata } = exception.detail as { metadata: { eventId: string; correlationId: string } };
          const table = ctx.sandbox.endpoints.outputs[ctx.sandbox.endpoints.stackName]?.CorrelationTableName;
          if (!table) return 'no correlation table';
          const { Item } = await ctx.dynamodb.send(new GetCommand({ TableName: table, Key: { pk: `CORR#${metadata.correlationId}`, sk: `WF#temperature-excursion#${metadata.eventId}` } }));
          return Item ? undefined : 'no WF# item yet';
        },
      },
    ],
  },
  {
    name: '5. the fleet vendor retries the same alert twice: no second ticket, no second hold',
    skipUnless: (ctx) => skipUnlessWorkflow(ctx) ?? (ctx.state.has('temperatureAlert') ? undefined : 'the alert step did not run'),
    async run(ctx) {
      for (let retry = 0; retry < 2; retry++) {
        const delivery = await ctx.sandbox.simulators!.fleet.redeliver(String(ctx.state.get('temperatureAlert')));
        if (delivery.status !== 202) throw new Error(`the redelivered alert was answered ${delivery.status}`);
      }
      // Let the retries travel the whole path (inbound → bus → exceptions queue → starter) before counting.
      await new Promise((r) => setTimeout(r, 3000));
    },
    expectations: ONE_TICKET_ONE_HOLD,
  },
];
