/**
 * One `case.resolved` or `shipment.delivered` → release the workflows waiting on it. The message body is
 * the EventBridge event the routing rule delivered.
 */
import { createCanonicalValidator } from '../shared/canonical-validation';
import { ValidationError } from '../shared/errors';
import { caseResolvedV1, shipmentDeliveredV1 } from '../shared/generated/canonical-validators';
import type { TaskTokens, WaitStore } from './aws-adapters';
import { planReleases, type ResolutionEvent } from './release-plan';

const validateResolution = createCanonicalValidator({
  'case.resolved': { '1': caseResolvedV1 },
  'shipment.delivered': { '1': shipmentDeliveredV1 },
});

export interface ReleaseOutcome {
  readonly eventId: string;
  readonly shipmentId?: string;
  readonly released: number;
  /** Waits whose execution had already moved on (timed out and escalated): their items are removed. */
  readonly stale: number;
  /** Why nothing was looked up, when nothing was. */
  readonly skipped?: string;
}

export function parseResolution(body: string): ResolutionEvent | { readonly eventId: string; readonly skipped: string } {
  let envelope: unknown;
  try {
    envelope = JSON.parse(body);
  } catch (error) {
    throw new ValidationError('message body is not JSON', 'body', { cause: error });
  }
  const result = validateResolution((envelope as { detail?: unknown } | null)?.detail);
  if (!result.ok) throw new ValidationError(`not a resolution event: ${result.errors.slice(0, 3).join('; ')}`, 'detail');
  const { metadata, refs } = result.event;
  const shipmentId = (refs as { shipmentId?: string }).shipmentId;
  // A case opened by hand, outside any workflow, carries no shipment: nothing of ours waits on it.
  if (!shipmentId) return { eventId: metadata.eventId, skipped: `${metadata.eventType} without a shipment id` };
  return {
    eventType: metadata.eventType,
    eventId: metadata.eventId,
    occurredAt: metadata.occurredAt,
    shipmentId,
    caseId: (refs as { caseId?: string }).caseId,
  };
}

export async function handleResolutionMessage(body: string, deps: { readonly waits: WaitStore; readonly tokens: TaskTokens }): Promise<ReleaseOutcome> {
  const event = parseResolution(body);
  if ('skipped' in event) return { eventId: event.eventId, released: 0, stale: 0, skipped: event.skipped };
  const releases = planReleases(event, await deps.waits.findWaits(event.shipmentId));
  let released = 0;
  let stale = 0;
  for (const { item, output } of releases) {
    const result = await deps.tokens.succeed(item.taskToken, output);
    if (result === 'released') released++;
    else stale++;
    // Only after the token is settled: a failure before this point redelivers the message and retries.
    await deps.waits.remove(item);
  }
  return { eventId: event.eventId, shipmentId: event.shipmentId, released, stale };
}
