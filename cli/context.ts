import { createClients, type AwsClients } from './aws';
import { loadInventory, type Inventory } from './inventory';
import type { CliIo } from './io';
import { describeTarget, resolveTarget, type Target, type TargetOptions } from './target';

/** Options every command accepts (commander global options). */
export interface GlobalOptions extends TargetOptions {
  readonly json?: boolean;
}

/** What a command runs with: where to write, the target, its clients and (lazily) its inventory. */
export class CommandContext {
  private inventoryPromise?: Promise<Inventory>;

  constructor(
    readonly io: CliIo,
    readonly options: GlobalOptions,
    readonly target: Target,
    readonly clients: AwsClients,
  ) {}

  static create(io: CliIo, options: GlobalOptions, makeClients: (target: Target) => AwsClients = createClients): CommandContext {
    const target = resolveTarget(options, io.cwd, io.env);
    return new CommandContext(io, options, target, makeClients(target));
  }

  get json(): boolean {
    return !!this.options.json;
  }

  inventory(): Promise<Inventory> {
    this.inventoryPromise ??= loadInventory(this.clients, this.target);
    return this.inventoryPromise;
  }

  out(text: string): void {
    this.io.stdout.write(text);
  }

  /** Notes for people (never part of `--json` output). */
  note(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  describeTarget(): string {
    return describeTarget(this.target);
  }

  close(): void {
    this.clients.destroy();
  }
}
