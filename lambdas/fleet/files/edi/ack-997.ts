import { X12Interchange, X12Segment } from 'node-x12';
import type { InterchangeId } from '../../../../registry/file-intakes';
import type { FunctionalGroup, Interchange, TransactionSet } from './interchange';
import type { SegmentError } from './shipment-status';

/**
 * The acknowledgement of one received interchange, serialized by node-x12 with the partner's own delimiters: a TA1
 * (interchange acknowledgement) when the partner asked for one (ISA14 = 1) or the envelope itself is refused, and a
 * 997 (functional acknowledgement) per functional group: AK1 names the group, one AK2/AK5 per transaction set with
 * the failing segment in AK3 and element in AK4, and AK9 the group's verdict (A accepted, P partially, R rejected)
 * with the counts. Code lists: X12 I17/I18 (TA1), 715–723 (997); sources in contracts/x12-214/README.md.
 */

export interface TransactionVerdict {
  readonly transaction: TransactionSet;
  /** AK5-02.. codes (718) besides `5` (segments in error, added when there are segment errors). */
  readonly codes: readonly string[];
  readonly segmentErrors: readonly SegmentError[];
}

export interface GroupVerdict {
  readonly group: FunctionalGroup;
  /** AK9-05.. codes (716). */
  readonly codes: readonly string[];
  /** Refuse the whole group whatever its sets say (unknown partner, duplicate interchange). */
  readonly rejectAll: boolean;
  readonly transactions: readonly TransactionVerdict[];
}

export interface AcknowledgementInput {
  readonly received: Interchange;
  /** Our interchange id (the sender of the acknowledgement). */
  readonly us: InterchangeId;
  /** Our control number for this acknowledgement (ISA13 and GS06). */
  readonly controlNumber: number;
  /** TA1: `A` or `R` and the note code (I18), or undefined when no TA1 is due. */
  readonly interchangeNote?: { readonly status: 'A' | 'R'; readonly code: string };
  readonly groups: readonly GroupVerdict[];
  readonly now: Date;
}

/** Whether a transaction set is accepted. */
export function accepted(t: TransactionVerdict, group: GroupVerdict): boolean {
  return !group.rejectAll && group.codes.length === 0 && t.codes.length === 0 && t.segmentErrors.length === 0;
}

/** The group's AK9-01: A (all accepted), P (some), R (none, or the group itself refused). */
export function groupStatus(group: GroupVerdict): 'A' | 'P' | 'R' {
  const n = group.transactions.filter((t) => accepted(t, group)).length;
  if (group.rejectAll || group.codes.length > 0 || n === 0) return 'R';
  return n === group.transactions.length ? 'A' : 'P';
}

const pad = (value: string, length: number) => value.padEnd(length, ' ').slice(0, length);

/** The acknowledgement interchange as text (pure). */
export function buildAcknowledgement(input: AcknowledgementInput): string {
  const { received, us, now } = input;
  const options = { elementDelimiter: received.delimiters.element, segmentTerminator: received.delimiters.segment, subElementDelimiter: received.delimiters.component };
  const iso = now.toISOString();
  const [yymmdd, ccyymmdd, hhmm] = [iso.slice(2, 10).replace(/-/g, ''), iso.slice(0, 10).replace(/-/g, ''), iso.slice(11, 16).replace(':', '')];
  const control = String(input.controlNumber).padStart(9, '0');
  const env = received.envelope;

  const ic = new X12Interchange(options);
  ic.setHeader([
    '00', pad('', 10), '00', pad('', 10),
    us.qualifier, pad(us.id, 15), env.senderQualifier, pad(env.senderId, 15),
    yymmdd, hhmm, env.standardsId, env.version, control, '0', env.usage, received.delimiters.component,
  ]);
  if (input.groups.length > 0) {
    const fa = ic.addFunctionalGroup();
    fa.setHeader(['FA', us.groupId ?? us.id, input.groups[0]!.group.senderCode || env.senderId, ccyymmdd, hhmm, String(input.controlNumber), 'X', input.groups[0]!.group.version || '004010']);
    input.groups.forEach((verdict, i) => {
      const tx = fa.addTransaction();
      tx.setHeader(['997', String(i + 1).padStart(4, '0')]);
      tx.addSegment('AK1', [verdict.group.functionalId, verdict.group.controlNumber]);
      for (const t of verdict.transactions) {
        tx.addSegment('AK2', [t.transaction.id, t.transaction.controlNumber]);
        for (const error of t.segmentErrors) {
          tx.addSegment('AK3', [error.tag, String(error.position), error.loop ?? '', error.code]);
          for (const e of error.elements) tx.addSegment('AK4', [String(e.position), e.reference, e.code, ...(e.value !== undefined ? [e.value.slice(0, 99)] : [])]);
        }
        const ok = accepted(t, verdict);
        const codes = ok ? [] : [...new Set([...t.codes, ...(t.segmentErrors.length > 0 ? ['5'] : [])])].slice(0, 5);
        tx.addSegment('AK5', [ok ? 'A' : 'R', ...codes]);
      }
      const acceptedCount = verdict.transactions.filter((t) => accepted(t, verdict)).length;
      // AK902 is the count the trailer declares (GE01); without a trailer, the count received.
      tx.addSegment('AK9', [groupStatus(verdict), String(verdict.group.declaredCount ?? verdict.transactions.length), String(verdict.transactions.length), String(acceptedCount), ...verdict.codes.slice(0, 5)]);
    });
  }
  const text = ic.toString(options);
  if (!input.interchangeNote) return text;
  // The TA1 sits between ISA and the first GS; node-x12 serializes the segment, it is placed after the ISA.
  const ta1 = new X12Segment('TA1', options);
  ta1.setElements([env.controlNumber.padStart(9, '0'), env.date, env.time, input.interchangeNote.status, input.interchangeNote.code]);
  const isaEnd = text.indexOf(options.segmentTerminator) + options.segmentTerminator.length;
  const ta1Text = ta1.toString(options);
  return `${text.slice(0, isaEnd)}${ta1Text.endsWith(options.segmentTerminator) ? ta1Text : `${ta1Text}${options.segmentTerminator}`}${text.slice(isaEnd)}`;
}
