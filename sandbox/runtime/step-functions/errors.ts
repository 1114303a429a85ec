/** A Step Functions API error, answered as AWS does (HTTP 400, `__type`). */
export class SfnApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}

/** An error raised by a task, matched by `Retry`/`Catch` on `name`; `message` becomes the Cause. */
export class TaskError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}
