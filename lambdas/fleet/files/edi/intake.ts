import type { InterchangeId, TradingPartner } from '../../../../registry/file-intakes';
import type { CanonicalDetail } from '../../../shared/canonical-event';
import type { EventPublisher } from '../../../shared/event-publisher';
import type { FileStore, LandedObject } from '../../../shared/files/s3-files';
import { buildAcknowledgement, groupStatus, type GroupVerdict, type TransactionVerdict } from './ack-997';
import { readInterchanges, UnreadableInterchangeError, type Interchange } from './interchange';
import type { InterchangeLedger } from './ledger';
import { mapShipmentStatus } from './map-214';
import { readShipmentStatus } from './shipment-status';

/**
 * One landed file, start to end (ports only, no SDK): read its interchanges with node-x12; for each, find the
 * trading partner by its ISA sender id, refuse a control number already taken from another file, check every 214,
 * publish the canonical events of the accepted ones, and write the acknowledgement (TA1/997). A refused file is
 * kept where it landed; its reason is written as JSON under the rejection prefix. Nothing is published from a
 * refused interchange or transaction set, and a duplicate publishes nothing at all.
 */

export interface IntakePrefixes {
  readonly inboundPrefix: string;
  readonly acknowledgementPrefix: string;
  readonly rejectionPrefix: string;
  /** Where B2B Data Interchange reads partners' files (stage `b2bi`); its events for other keys are ignored. */
  readonly b2biInputPrefix?: string;
}

export interface IntakeDeps {
  readonly store: FileStore;
  readonly publisher: EventPublisher;
  readonly ledger: InterchangeLedger;
  readonly receiver: InterchangeId;
  readonly partners: readonly TradingPartner[];
  readonly prefixes: IntakePrefixes;
  /** Validates a canonical event before it is published; returns the problems. */
  readonly validate: (event: CanonicalDetail<object>) => string[];
  readonly now: () => Date;
}

export interface InterchangeOutcome {
  readonly partner: string;
  readonly interchangeControl: string;
  /** accepted: every set; partial: some; rejected: none (or the interchange itself). */
  readonly verdict: 'accepted' | 'partial' | 'rejected';
  readonly reason?: string;
  /** Where the 997 was written; none when B2B Data Interchange acknowledges the file. */
  readonly acknowledgementKey?: string;
  readonly published: number;
  readonly ignored: readonly { status: string; reason: string }[];
}

export interface FileOutcome {
  readonly key: string;
  /** The file could not be read as X12 at all (no acknowledgement can be addressed). */
  readonly unreadable?: string;
  readonly interchanges: readonly InterchangeOutcome[];
  readonly rejectionKey?: string;
}

/** The partner folder a key is in (`<inbound prefix><folder>/...`), if any. */
function folderOf(key: string, prefix: string): string | undefined {
  const rest = key.startsWith(prefix) ? key.slice(prefix.length) : key;
  const slash = rest.indexOf('/');
  return slash > 0 ? rest.slice(0, slash) : undefined;
}

const sourceOf = (object: LandedObject) => `${object.bucket}/${object.key}#${object.versionId ?? object.eTag ?? ''}`;

interface Refusal {
  readonly ta1: string;
  readonly reason: string;
}

async function takeInterchange(ic: Interchange, object: LandedObject, deps: IntakeDeps): Promise<{ partner?: IntakeDeps['partners'][number]; refusal?: Refusal }> {
  const env = ic.envelope;
  const partner = deps.partners.find((p) => p.qualifier === env.senderQualifier && p.id === env.senderId);
  if (!partner) return { refusal: { ta1: '006', reason: `unknown trading partner: interchange sender ${env.senderQualifier}/${env.senderId} is not in the stage's partners` } };
  const folder = folderOf(object.key, deps.prefixes.inboundPrefix);
  if (folder !== undefined && deps.partners.some((p) => p.name === folder) && folder !== partner.name) {
    return { partner, refusal: { ta1: '006', reason: `the file is in ${folder}'s folder but its sender is ${partner.name} (${env.senderQualifier}/${env.senderId})` } };
  }
  if (env.receiverQualifier !== deps.receiver.qualifier || env.receiverId !== deps.receiver.id) {
    return { partner, refusal: { ta1: '008', reason: `the interchange is addressed to ${env.receiverQualifier}/${env.receiverId}, not to us (${deps.receiver.qualifier}/${deps.receiver.id})` } };
  }
  if (ic.envelopeErrors.length > 0) {
    return { partner, refusal: { ta1: ic.envelopeErrors[0]!, reason: `interchange envelope error (TA1 ${ic.envelopeErrors.join(', ')}): ${ic.diagnostics.join('; ') || 'IEA does not match ISA'}` } };
  }
  const claim = await deps.ledger.claimInterchange(`${partner.name}:${env.controlNumber}`, sourceOf(object));
  if (claim.status === 'duplicate') {
    return { partner, refusal: { ta1: '025', reason: `duplicate interchange control number ${env.controlNumber} from ${partner.name} (first received in ${claim.firstSource})` } };
  }
  return { partner };
}

/**
 * A file AWS B2B Data Interchange could not transform (`Transformation Failed`): B2BI has answered the partner, so
 * nothing is read, published or acknowledged here; the reason is written under the rejection prefix (the file stays)
 * and the file counts as rejected.
 */
export async function rejectUntransformed(object: LandedObject, failure: string, deps: IntakeDeps): Promise<FileOutcome> {
  const reason = `AWS B2B Data Interchange could not transform the file: ${failure}`;
  const rejectionKey = await writeRejection(deps, object, { reason, interchanges: [] });
  return { key: object.key, unreadable: reason, interchanges: [], rejectionKey };
}

/**
 * Processes one landed file (its text already read). With `acknowledge: false` (the file came through B2B Data
 * Interchange, which writes the partner's 997 and TA1 itself) no acknowledgement is written and no control number of
 * ours is used; everything else — partner, duplicate control numbers, checks, events, rejection records — is the same.
 */
export async function processFile(object: LandedObject, text: string, deps: IntakeDeps, options: { readonly acknowledge?: boolean } = {}): Promise<FileOutcome> {
  const acknowledge = options.acknowledge ?? true;
  let interchanges: Interchange[];
  try {
    interchanges = readInterchanges(text);
  } catch (error) {
    if (!(error instanceof UnreadableInterchangeError)) throw error;
    const rejectionKey = await writeRejection(deps, object, { reason: `not an X12 interchange: ${error.message}`, interchanges: [] });
    return { key: object.key, unreadable: error.message, interchanges: [], rejectionKey };
  }

  const outcomes: InterchangeOutcome[] = [];
  for (const ic of interchanges) {
    const env = ic.envelope;
    const { partner, refusal } = await takeInterchange(ic, object, deps);
    const receivedAt = deps.now().toISOString();
    const publish: CanonicalDetail<object>[] = [];
    const ignored: { status: string; reason: string }[] = [];
    const groups: GroupVerdict[] = ic.groups.map((group) => {
      const groupCodes = [...group.envelopeErrors];
      if (group.functionalId !== 'QM') groupCodes.push('1');
      const transactions = group.transactions.map((transaction): TransactionVerdict => {
        if (transaction.id !== '214') return { transaction, codes: ['1'], segmentErrors: [] };
        const read = readShipmentStatus(transaction, partner?.scac);
        const verdict: TransactionVerdict = { transaction, codes: transaction.envelopeErrors, segmentErrors: read.errors };
        if (refusal || groupCodes.length > 0 || verdict.codes.length > 0 || !read.message) return verdict;
        const mapped = mapShipmentStatus(
          read.message,
          { partner: partner!.name, interchangeControl: env.controlNumber, groupControl: group.controlNumber, transactionControl: transaction.controlNumber, localTimeZone: partner!.timeZone ?? 'UTC' },
          receivedAt,
        );
        const invalid = mapped.events.flatMap((e) => deps.validate(e).map((problem) => `${e.metadata.eventType}: ${problem}`));
        if (invalid.length > 0) {
          // Valid X12 whose content the canonical model refuses (e.g. a reference with characters an id cannot have).
          return { ...verdict, segmentErrors: [{ tag: 'B10', position: 2, code: '8', elements: [], message: `not mappable: ${invalid.join('; ')}` }] };
        }
        publish.push(...mapped.events);
        ignored.push(...mapped.ignored);
        return verdict;
      });
      return { group, codes: groupCodes, rejectAll: refusal !== undefined, transactions };
    });

    const statuses = groups.map(groupStatus);
    const verdict = refusal || statuses.every((s) => s === 'R') ? 'rejected' : statuses.every((s) => s === 'A') ? 'accepted' : 'partial';
    const reasons = [refusal?.reason, ...groups.flatMap((g) => g.transactions.flatMap((t) => t.segmentErrors.map((e) => `ST ${t.transaction.controlNumber}: ${e.message}`)))].filter(Boolean);
    const envelopeReasons = groups.flatMap((g) => [
      ...g.codes.map((c) => `GS ${g.group.controlNumber}: group error ${c}`),
      ...g.transactions.flatMap((t) => t.codes.map((c) => `ST ${t.transaction.controlNumber}: transaction set error ${c}`)),
    ]);

    const folder = partner?.name ?? `unknown-${env.senderQualifier}-${env.senderId}`.replace(/[^A-Za-z0-9_.-]/g, '_');
    // Events first: an acknowledgement must not say "accepted" for events that were never published (a failure here is retried).
    if (publish.length > 0) await deps.publisher.publish(publish);
    let acknowledgementKey: string | undefined;
    if (acknowledge) {
      const controlNumber = await deps.ledger.nextControlNumber(folder);
      const ack = buildAcknowledgement({
        received: ic,
        us: deps.receiver,
        controlNumber,
        interchangeNote: refusal ? { status: 'R', code: refusal.ta1 } : env.acknowledgementRequested ? { status: 'A', code: '000' } : undefined,
        groups,
        now: deps.now(),
      });
      acknowledgementKey = `${deps.prefixes.acknowledgementPrefix}${folder}/${env.controlNumber}-${String(controlNumber).padStart(9, '0')}.997`;
      await deps.store.write(acknowledgementKey, ack, 'application/edi-x12');
    }
    outcomes.push({
      partner: folder,
      interchangeControl: env.controlNumber,
      verdict,
      ...(verdict !== 'accepted' ? { reason: [...reasons, ...envelopeReasons].join(' | ').slice(0, 2000) || 'rejected' } : {}),
      ...(acknowledgementKey ? { acknowledgementKey } : {}),
      published: publish.length,
      ignored,
    });
  }

  const refused = outcomes.filter((o) => o.verdict !== 'accepted');
  const rejectionKey = refused.length > 0 ? await writeRejection(deps, object, { reason: refused.map((o) => o.reason).join(' | '), interchanges: refused }) : undefined;
  return { key: object.key, interchanges: outcomes, ...(rejectionKey ? { rejectionKey } : {}) };
}

async function writeRejection(deps: IntakeDeps, object: LandedObject, report: { reason: string; interchanges: readonly InterchangeOutcome[] }): Promise<string> {
  const key = `${deps.prefixes.rejectionPrefix}${object.key}.json`;
  const body = JSON.stringify({ file: { bucket: object.bucket, key: object.key, versionId: object.versionId, eTag: object.eTag }, rejectedAt: deps.now().toISOString(), ...report }, null, 2);
  await deps.store.write(key, body, 'application/json');
  return key;
}
