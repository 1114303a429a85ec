import { randomBytes } from 'node:crypto';
import { SfnApiError, TaskError } from './errors';

interface TaskTokenWaiter {
  readonly executionArn: string;
  readonly stateName: string;
  resolve(output: unknown): void;
  reject(error: Error): void;
  heartbeat(): void;
  closed: boolean;
}

/**
 * The `.waitForTaskToken` pattern: a fresh token per task attempt, a task that waits until
 * SendTaskSuccess / SendTaskFailure (or fails when `HeartbeatSeconds` pass without SendTaskHeartbeat), and
 * the answers AWS gives for unknown or closed tokens.
 */
export class TaskTokens {
  private readonly waiters = new Map<string, TaskTokenWaiter>();

  /** A new token (what `$$.Task.Token` is for one attempt). */
  issue(): string {
    return randomBytes(48).toString('base64url');
  }

  /** Resolves with the output of SendTaskSuccess, rejects with SendTaskFailure's error or a heartbeat timeout. */
  waitFor(executionArn: string, stateName: string, token: string, heartbeatSeconds: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const arm = () => {
        if (!heartbeatSeconds) return;
        clearTimeout(timer);
        timer = setTimeout(() => {
          this.waiters.delete(token);
          waiterState.closed = true;
          reject(new TaskError('States.HeartbeatTimeout', `no heartbeat for ${heartbeatSeconds} seconds`));
        }, heartbeatSeconds * 1000);
        timer.unref();
      };
      const waiterState: TaskTokenWaiter = {
        executionArn,
        stateName,
        closed: false,
        heartbeat: arm,
        resolve: (output) => {
          clearTimeout(timer);
          resolve(output);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.waiters.set(token, waiterState);
      arm();
    });
  }

  /** Forgets a token (its task failed before anyone answered it). */
  discard(token: string): void {
    this.waiters.delete(token);
  }

  /** Closes the tokens of an execution that ended: answering them is TaskTimedOut. */
  closeExecution(executionArn: string): void {
    for (const [token, waiter] of this.waiters) {
      if (waiter.executionArn === executionArn) {
        waiter.closed = true;
        this.waiters.delete(token);
      }
    }
  }

  private waiter(taskToken: string): TaskTokenWaiter {
    const waiter = this.waiters.get(taskToken);
    if (!waiter) throw new SfnApiError('TaskDoesNotExist', 'Task Does Not Exist');
    if (waiter.closed) throw new SfnApiError('TaskTimedOut', 'Task Timed Out');
    return waiter;
  }

  success(taskToken: string, output: string): void {
    const waiter = this.waiter(taskToken);
    let parsed: unknown;
    try {
      parsed = JSON.parse(output);
    } catch {
      throw new SfnApiError('InvalidOutput', 'Invalid Output: not JSON');
    }
    this.waiters.delete(taskToken);
    waiter.closed = true;
    waiter.resolve(parsed);
  }

  failure(taskToken: string, error?: string, cause?: string): void {
    const waiter = this.waiter(taskToken);
    this.waiters.delete(taskToken);
    waiter.closed = true;
    waiter.reject(new TaskError(error ?? 'States.TaskFailed', cause ?? ''));
  }

  heartbeat(taskToken: string): void {
    this.waiter(taskToken).heartbeat();
  }
}
