import { AuthenticationError, IntegrationError } from '../errors';

/**
 * Errors specific to webhook intake. Each maps to one HTTP status in `responses.ts`; a dialect or the pipeline
 * throws them, only the handler turns them into a response.
 */

/** The body is larger than the configured bound (413). Raised before any byte is parsed. */
export class PayloadTooLargeError extends IntegrationError {
  override readonly errorClass = 'PayloadTooLarge';
  override name = 'PayloadTooLargeError';
  constructor(
    readonly limitBytes: number,
    readonly actualBytes: number,
  ) {
    super(`request body is ${actualBytes} bytes; the limit is ${limitBytes} bytes`);
  }
}

/** The request's Content-Type is not one this route accepts (415). */
export class UnsupportedMediaTypeError extends IntegrationError {
  override readonly errorClass = 'UnsupportedMediaType';
  override name = 'UnsupportedMediaTypeError';
  constructor(
    readonly received: string | undefined,
    readonly accepted: readonly string[],
  ) {
    super(`content type ${received ? `"${received}"` : '(none)'} is not accepted; send ${accepted.join(' or ')}`);
  }
}

/** Why a signature check failed; `signature-mismatch` is the only reason a secret refresh can fix. */
export type SignatureFailure =
  | 'missing-header'
  | 'duplicate-header'
  | 'malformed-signature'
  | 'malformed-timestamp'
  | 'stale-timestamp'
  | 'future-timestamp'
  | 'signature-mismatch';

/** A request whose signature could not be verified (401). `reason` goes to the metric and the log, not the caller. */
export class SignatureError extends AuthenticationError {
  override name = 'SignatureError';
  constructor(
    readonly reason: SignatureFailure,
    message: string,
  ) {
    super(message, { context: { reason } });
  }
}

/** The same vendor event is being processed by another invocation right now (503 with Retry-After: the vendor retries later). */
export class DuplicateInFlightError extends IntegrationError {
  override readonly errorClass = 'DuplicateInFlight';
  override name = 'DuplicateInFlightError';
}
