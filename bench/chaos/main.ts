// `npm run chaos [-- --orders N] [--seed S] [--faults on|off] [--fault-cycle SECONDS] [--concurrency C] [--json FILE]`: the fault-matrix run
// (docs/reliability.md). Prints a table and one summary line; exits 1 on any loss, duplicate or wrong final state.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runChaos } from './run';
import { formatReport, passed } from './report';

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    faults: { type: 'string', default: 'on' },
    concurrency: { type: 'string' },
    'fault-cycle': { type: 'string' },
    json: { type: 'string' },
  },
});
const positive = (name: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${name} must be a positive integer, got "${value}"`);
    process.exit(2);
  }
  return n;
};
if (values.faults !== 'on' && values.faults !== 'off') {
  console.error(`--faults must be on or off, got "${values.faults}"`);
  process.exit(2);
}

const summary = await runChaos({
  orders: positive('orders', values.orders),
  seed: positive('seed', values.seed),
  faults: values.faults === 'on',
  concurrency: positive('concurrency', values.concurrency),
  faultCycleMs: values['fault-cycle'] === undefined ? undefined : positive('fault-cycle', values['fault-cycle'])! * 1000,
});
console.log(formatReport(summary));
if (values.json) writeFileSync(values.json, `${JSON.stringify(summary, null, 2)}\n`);
process.exit(passed(summary) ? 0 : 1);
