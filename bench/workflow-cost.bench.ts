// Exception workflow cost: state transitions per run, counted from interpreter runs of the real ASL files,
// and the monthly Step Functions bill at 1 % and 5 % exception rates per million shipments.
import { readFileSync } from 'node:fs';
import type { FlowName, TriggerEvent, WorkflowInput } from '../lambdas/workflows/model';
import { allStates, example, namedError, newWorld, runFlow, substitutedDefinition, type RunResult, type World } from '../test/workflows/harness';
import type { BenchFn, BenchSection } from './types';

interface Price {
  readonly usd: number;
  readonly per: number;
  readonly unit: string;
  readonly source: string;
}
const prices = (JSON.parse(readFileSync(new URL('../data/aws-prices.json', import.meta.url), 'utf8')) as { prices: Record<string, Price> }).prices;
const unitPrice = (key: string): number => prices[key].usd / prices[key].per;

const SHIPMENTS_PER_MONTH = 1_000_000;
const EXCEPTION_RATES = [0.01, 0.05];
/** Assumed for the all-in estimate only: a task Lambda (256 MB, arm64) runs about 300 ms, mostly waiting on the ERP or CS. */
const TASK_LAMBDA_GB_SECONDS = 0.25 * 0.3;
/** ETA updates per shipment, for the naive baseline (every update through the delay workflow). */
const ETA_UPDATES_PER_SHIPMENT = 10;

interface Scenario {
  readonly flow: FlowName;
  readonly path: string;
  readonly event: TriggerEvent;
  readonly setup?: (world: World) => void;
}

const temperature = example<TriggerEvent>('shipment.exception-raised');
const delay = example<TriggerEvent>('shipment.exception-raised.delay');
const failedDelivery = example<TriggerEvent>('shipment.exception-raised.failed-delivery');
const etaInsideWindow = example<TriggerEvent>('shipment.eta-updated');
const tolerated = { ...temperature, data: { ...temperature.data, readingCelsius: 9, peakCelsius: 9, durationMinutes: 4 } } as TriggerEvent;
const timeout = (world: World) => {
  world.aws.waitBehaviour = { kind: 'timeout' };
};
const erpDown = (world: World) => world.erp.faults.fail('getOrder', namedError('UpstreamUnavailableError', 'ERP 503'), 99);

const SCENARIOS: Scenario[] = [
  { flow: 'temperature-excursion', path: 'acted, resolved', event: temperature },
  { flow: 'temperature-excursion', path: 'acted, escalated', event: temperature, setup: timeout },
  { flow: 'temperature-excursion', path: 'tolerated (recorded)', event: tolerated },
  { flow: 'temperature-excursion', path: 'ERP down → compensation', event: temperature, setup: erpDown },
  { flow: 'delay', path: 'acted, resolved', event: delay },
  { flow: 'delay', path: 'acted, escalated', event: delay, setup: timeout },
  { flow: 'delay', path: 'inside window (recorded)', event: etaInsideWindow },
  { flow: 'failed-delivery', path: 'acted, resolved', event: failedDelivery },
  { flow: 'failed-delivery', path: 'acted, escalated', event: failedDelivery, setup: timeout },
];

const usd = (value: number): string => (value >= 100 ? `$${value.toFixed(0)}` : value >= 1 ? `$${value.toFixed(2)}` : `$${value.toFixed(4)}`);

/** What one run calls besides Step Functions, from the states it entered. */
function otherCalls(flow: FlowName, result: RunResult): { lambda: number; putEvents: number; ddbWrites: number } {
  const resources = new Map(allStates(substitutedDefinition(flow)).map(([name, state]) => [name, String(state.Resource ?? '')]));
  const attempts = (name: string) => 1 + (result.retries[name] ?? 0);
  let lambda = 0;
  let putEvents = 0;
  let ddbWrites = 0;
  for (const name of result.entered) {
    const resource = resources.get(name) ?? '';
    if (resource.includes(':lambda:')) lambda += attempts(name);
    else if (resource.includes('events:putEvents')) putEvents += attempts(name);
    else if (resource.includes('dynamodb:')) ddbWrites += attempts(name);
  }
  return { lambda, putEvents, ddbWrites };
}

const bench: BenchFn = async () => {
  const transitionPrice = unitPrice('stepFunctionsStandardTransition');
  const rows: BenchSection['rows'] = [];
  const measured = new Map<string, number>();
  for (const scenario of SCENARIOS) {
    const world = newWorld();
    scenario.setup?.(world);
    const input: WorkflowInput = { flow: scenario.flow, event: scenario.event };
    const result = await runFlow(scenario.flow, input, world);
    measured.set(`${scenario.flow}:${scenario.path}`, result.transitions);
    const perRun = result.transitions * transitionPrice;
    const other = otherCalls(scenario.flow, result);
    // Starter: one SQS receive and one delete per message (batched in production, counted unbatched here), one Lambda request.
    const otherPerRun =
      (other.lambda + 1) * unitPrice('lambdaRequest') +
      other.lambda * TASK_LAMBDA_GB_SECONDS * unitPrice('lambdaDurationArm64') +
      other.putEvents * unitPrice('eventBridgeCustomEvent') +
      other.ddbWrites * unitPrice('dynamoDbOnDemandWrite') +
      2 * unitPrice('sqsStandardRequest');
    const row: Record<string, string | number> = {
      flow: scenario.flow,
      path: scenario.path,
      ends: `${result.status === 'SUCCEEDED' ? '' : 'FAILED '}${result.entered.at(-1)}`,
      transitions: result.transitions,
      'SFN $/run': usd(perRun),
    };
    for (const rate of EXCEPTION_RATES) {
      row[`SFN $/month @${rate * 100}%`] = usd(perRun * SHIPMENTS_PER_MONTH * rate);
    }
    row['all-in $/month @5%'] = usd((perRun + otherPerRun) * SHIPMENTS_PER_MONTH * 0.05);
    rows.push(row);
  }

  const observed = measured.get('delay:inside window (recorded)') ?? 0;
  const naive = observed * transitionPrice * SHIPMENTS_PER_MONTH * ETA_UPDATES_PER_SHIPMENT;
  return [
    {
      title: 'Exception workflows: state transitions per run and monthly cost per 1M shipments',
      rows,
      notes: [
        'Transitions = states entered + retries, counted from aws-local-stepfunctions runs of statemachines/*.asl.json (Lambda tasks bound to the task code over in-memory ERP/CS doubles).',
        `Step Functions Standard: $${prices.stepFunctionsStandardTransition.usd} per ${prices.stepFunctionsStandardTransition.per} transitions (${prices.stepFunctionsStandardTransition.source}); prices from data/aws-prices.json.`,
        `"@1%/@5%": 10,000 / 50,000 runs of that path a month (1M shipments × exception rate), as if every exception took it.`,
        `"all-in" adds the run's Lambda requests and duration (assumed ${TASK_LAMBDA_GB_SECONDS} GB-s per task, arm64), PutEvents, DynamoDB writes and the starter's SQS requests; SNS is not priced (no sourced figure yet).`,
        `Naive baseline: every shipment.eta-updated through the delay workflow (${ETA_UPDATES_PER_SHIPMENT} per shipment, ${observed} transitions each when inside the window) would cost ${usd(naive)}/month in transitions alone; the starter's pure pre-check (lambdas/workflows/delay-rules.ts) starts it only on a new breach.`,
      ],
    },
  ];
};

export default bench;
