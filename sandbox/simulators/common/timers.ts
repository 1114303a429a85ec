/** Raised into pending sleeps when the simulator stops. */
export class SimulatorStoppedError extends Error {
  constructor() {
    super('simulator stopped');
    this.name = 'SimulatorStoppedError';
  }
}

/**
 * Every timer a simulator starts (slow-fault delays, webhook backoff, delayed emissions) goes through
 * one registry, so `stop()` can cancel them all and leave no open handles.
 */
export class TimerRegistry {
  private readonly pending = new Map<NodeJS.Timeout, () => void>();

  /** Resolves after `ms`; rejects with SimulatorStoppedError if cancelled first. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(timer);
        resolve();
      }, Math.max(0, ms));
      this.pending.set(timer, () => reject(new SimulatorStoppedError()));
    });
  }

  /** Runs `fn` after `ms` unless cancelled; errors thrown by `fn` go to `onError`. */
  schedule(ms: number, fn: () => Promise<void> | void, onError: (error: unknown) => void): void {
    this.sleep(ms).then(fn, () => undefined).catch(onError);
  }

  get size(): number {
    return this.pending.size;
  }

  cancelAll(): void {
    for (const [timer, cancel] of this.pending) {
      clearTimeout(timer);
      cancel();
    }
    this.pending.clear();
  }
}
