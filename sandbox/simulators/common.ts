/**
 * Shared machinery of the vendor simulators: HTTP server, call records, faults, idempotency,
 * webhook delivery with retries, and the `/__sim` control plane.
 */
export { VendorSimulator, type SimLogger, type SimulatorOptions, type Handler, type RouteOptions, type ActionHandler } from './common/simulator';
export type { SimRequest, SimResponse } from './common/http';
export { json } from './common/http';
export type { CallRecord } from './common/records';
export { FAULT_KINDS, FaultSpecError, validateFaultSpec, type ActiveFault, type FaultKind, type FaultSpec } from './common/faults';
export type { IdempotencyPolicy } from './common/idempotency';
export { matchPath, pathMatches, type PathPattern } from './common/paths';
export { SimulatorStoppedError } from './common/timers';
export { DEFAULT_RETRY_POLICY, type OutgoingWebhook, type RetryPolicy, type WebhookAttempt, type WebhookDelivery } from './common/webhooks';
export type { ResetScope } from './common/control-plane';
export {
  SimHttpError,
  SimValidationError,
  safeEqual,
  asObject,
  isRfc3339,
  notFound,
  oneOf,
  optionalDateArg,
  optionalOneOf,
  optionalString,
  optionalTimestamp,
  requiredString,
  requiredTimestamp,
  signedAtOption,
  stringMap,
} from './common/validate';
