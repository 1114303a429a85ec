/**
 * Errors `lsync` reports to the operator. Each message says what went wrong and what to do; the CLI prints
 * `message` (and `hint`) without a stack and exits with `exitCode`.
 */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode = 1,
    options: { cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
  }
}

/** A queue name, URL or ARN that is not one of the stack's queues. */
export class UnknownQueueError extends CliError {
  override name = 'UnknownQueueError';
  constructor(
    readonly queue: string,
    readonly known: readonly string[],
  ) {
    super(`unknown queue "${queue}"`, `known queues: ${known.join(', ') || '(none found in the stack)'}`, 2);
  }
}

/** An id `lsync trace` could not resolve to a correlation. */
export class UnknownIdError extends CliError {
  override name = 'UnknownIdError';
  constructor(
    readonly id: string,
    triedKinds: readonly string[],
  ) {
    super(
      `no order, shipment, route, stop, case, invoice, customer or correlation is known by the id "${id}"`,
      `looked up: ${triedKinds.join(', ')}; ids are case-sensitive, and an event appears only after the correlation indexer processed it`,
      3,
    );
  }
}

/** The caller's credentials lack a permission; names the IAM action. */
export class PermissionError extends CliError {
  override name = 'PermissionError';
  constructor(
    readonly action: string,
    detail: string,
    options: { cause?: unknown } = {},
  ) {
    super(`access denied: your credentials lack the permission ${action}`, `grant ${action} on the stack's resources (AWS said: ${detail})`, 4, options);
  }
}

/** The stack or its discovery outputs were not found. */
export class TargetError extends CliError {
  override name = 'TargetError';
}

const ACCESS_DENIED = /^(AccessDenied|AccessDeniedException|UnauthorizedOperation|UnauthorizedAccess|AuthorizationError|NotAuthorized)$/;

/** True for the error names AWS services use for a missing permission. */
export function isAccessDenied(error: unknown): boolean {
  const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return !!e && (ACCESS_DENIED.test(e.name ?? '') || ACCESS_DENIED.test(e.Code ?? ''));
}

/**
 * `SQSClient` + `ReceiveMessageCommand` → `sqs:ReceiveMessage`. The IAM prefix differs from the client name
 * for a few services, and SQS batch calls need the single-message action (`SendMessageBatch` → `sqs:SendMessage`).
 */
export function iamAction(clientName: string, commandName: string): string {
  const service = clientName.replace(/Client$/, '').toLowerCase();
  const prefix: Record<string, string> = { eventbridge: 'events', cloudformation: 'cloudformation', dynamodb: 'dynamodb', cloudwatch: 'cloudwatch', sfn: 'states', sqs: 'sqs', sts: 'sts' };
  const operation = commandName.replace(/Command$/, '');
  // SQS batch operations are authorised by the single-message action.
  const action = service === 'sqs' ? operation.replace(/Batch$/, '') : operation;
  return `${prefix[service] ?? service}:${action}`;
}
