/**
 * What a start-up has started, stopped in reverse order: the last thing started stops first. A stop that
 * fails is logged and the others still run; `run()` empties the stack, so a second call does nothing.
 */
export class ShutdownStack {
  private readonly stops: (() => Promise<void> | void)[] = [];

  constructor(private readonly log: (line: string) => void) {}

  push(stop: () => Promise<void> | void): void {
    this.stops.push(stop);
  }

  async run(): Promise<void> {
    for (const stop of this.stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (error) {
        this.log(`shutdown: ${(error as Error).message}`);
      }
    }
  }
}
