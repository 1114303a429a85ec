import type { Sandbox } from '../../sandbox/sandbox';
import type { FaultSpec } from '../../sandbox/simulators/index';

/**
 * The fault matrix of a chaos run, replayed in cycles while orders are driven (and stopped before the drain). Each
 * cycle (default 120 s) holds, at these fractions of it:
 *
 * | at | fault |
 * |---|---|
 * | 0 | one ERP incident, in turn: 503 for 6 s (an outage); maintenance for 8 s (503 with `Retry-After` = the seconds left); 4 answers slower than the client timeout (11 s; a client gives up after a quarter of its function timeout, at most 10 s) |
 * | 1/4 | 429 bursts: the next 20 ERP, 6 CS and 3 fleet route-creation requests (`Retry-After: 1`); 2 CS and 2 fleet answers slower than the client timeout |
 * | 1/2 | answers lost after the side effect: 2 fleet route creations, 1 CS ticket creation, 1 CS ticket update |
 * | 5/8 | one execution environment of each SQS-driven function that is busy is killed mid-batch |
 * | 3/4 | for 4 s a quarter of the functions' DynamoDB calls and of their PutEvents fail (500, AWS fault proxy) |
 *
 * One ERP incident per cycle: ten consecutive failures open the ERP circuit for 30 s (doubling while probes fail),
 * so incidents packed closer than that keep it open and measure the circuit rather than the product.
 * Duplicate and out-of-order webhooks are per order (plan.ts), not timed.
 */
export const DEFAULT_FAULT_CYCLE_MS = 120_000;

export interface InjectedFault {
  readonly at: number;
  readonly what: string;
}

/** Beyond every outbound client's request timeout (a quarter of the function timeout, at most 10 s). */
const SLOW_MS = 11_000;

export class FaultMatrix {
  readonly injected: InjectedFault[] = [];
  crashes = 0;
  private cycles = 0;
  private timers: NodeJS.Timeout[] = [];
  private cycle?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly sandbox: Sandbox,
    private readonly log: (line: string) => void,
    private readonly cycleMs = DEFAULT_FAULT_CYCLE_MS,
  ) {}

  start(): void {
    this.runCycle();
    this.cycle = setInterval(() => this.runCycle(), this.cycleMs);
  }

  /** Stops the cycles and clears every fault still set. */
  stop(): void {
    this.stopped = true;
    if (this.cycle) clearInterval(this.cycle);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
    const sims = this.sandbox.simulators!;
    for (const sim of [sims.erp, sims.fleet, sims.cs]) sim.clearFaults();
    this.sandbox.awsFaults?.clear();
  }

  private at(fraction: number, what: string, fn: () => void | Promise<void>): void {
    const ms = Math.round(this.cycleMs * fraction);
    this.timers.push(
      setTimeout(() => {
        if (this.stopped) return;
        this.injected.push({ at: Date.now(), what });
        Promise.resolve(fn()).catch((error: unknown) => this.log(`fault ${what} could not be set: ${String(error)}`));
      }, ms),
    );
  }

  private runCycle(): void {
    const { erp, fleet, cs } = this.sandbox.simulators!;
    const set = (sim: { setFault(spec: FaultSpec): unknown }, spec: FaultSpec): void => {
      sim.setFault(spec);
    };
    // The previous cycle's timers have all fired (the last one at 3/4 of it).
    this.timers = [];
    const incident = this.cycles++ % 3;
    if (incident === 0) this.at(0, 'ERP 503 window', () => set(erp, { kind: 'error', status: 503, durationMs: 6_000 }));
    if (incident === 1) this.at(0, 'ERP maintenance window (Retry-After)', () => set(erp, { kind: 'maintenance', durationMs: 8_000 }));
    if (incident === 2) this.at(0, 'ERP answers slower than the client timeout', () => set(erp, { kind: 'slow', delayMs: SLOW_MS, count: 4 }));
    this.at(1 / 4, '429 bursts; slow CS and fleet answers', () => {
      set(erp, { kind: 'rateLimit', count: 20, retryAfterSeconds: 1 });
      set(cs, { kind: 'rateLimit', count: 6, retryAfterSeconds: 1 });
      set(fleet, { kind: 'rateLimit', method: 'POST', path: '/fleet/routes', count: 3, retryAfterSeconds: 1 });
      set(cs, { kind: 'slow', delayMs: SLOW_MS, count: 2 });
      set(fleet, { kind: 'slow', delayMs: SLOW_MS, count: 2 });
    });
    this.at(1 / 2, 'answers lost after the side effect (fleet, CS)', () => {
      set(fleet, { kind: 'drop', afterHandling: true, method: 'POST', path: '/fleet/routes', count: 2 });
      set(cs, { kind: 'drop', afterHandling: true, method: 'POST', path: '/api/v2/tickets.json', count: 1 });
      set(cs, { kind: 'drop', afterHandling: true, method: 'PUT', path: '/api/v2/tickets/:id.json', count: 1 });
    });
    this.at(5 / 8, 'execution environments killed mid-batch', async () => {
      const functions = [...new Set(this.sandbox.pollers.map((p) => p.fn))];
      for (const fn of functions) if (await fn.crashBusyEnvironment()) this.crashes++;
    });
    this.at(3 / 4, 'DynamoDB and PutEvents errors (AWS fault proxy)', () => {
      const proxy = this.sandbox.awsFaults;
      if (!proxy) return;
      proxy.set({ target: 'DynamoDB_20120810.', rate: 0.25, durationMs: 4_000, status: 500, code: 'InternalServerError' });
      proxy.set({ target: 'AWSEvents.PutEvents', rate: 0.25, durationMs: 4_000, status: 500, code: 'InternalFailure' });
    });
  }
}
