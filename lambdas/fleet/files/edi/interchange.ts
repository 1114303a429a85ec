import { X12FatInterchange, X12Parser, type X12Interchange, type X12Segment } from 'node-x12';

/**
 * An X12 interchange read with node-x12 (the parser; we never split segments ourselves), as the intake needs it:
 * the envelope's ids and control numbers, the functional groups and transaction sets with their segments, and
 * every envelope problem with the code the acknowledgement reports it with. node-x12 runs non-strict, so a broken
 * trailer is reported (its diagnostics) instead of losing the whole file; the trailer checks below compare what it
 * read. Codes: X12 TA1 (I18), 997 AK5 (718) and AK9 (716) — contracts/x12-214/README.md has the sources.
 */

/** One segment: its tag and elements (1-based as X12 counts them: `elements[0]` is element 01). */
export interface Segment {
  readonly tag: string;
  readonly elements: readonly string[];
  /** Position in the transaction set, ST being 1 (997 AK302). */
  readonly position: number;
}

export interface TransactionSet {
  /** ST01, e.g. `214`. */
  readonly id: string;
  /** ST02. */
  readonly controlNumber: string;
  /** Segments between ST and SE. */
  readonly segments: readonly Segment[];
  /** AK5 codes (718) of envelope problems: 2 trailer missing, 3 control numbers differ, 4 segment count wrong. */
  readonly envelopeErrors: readonly string[];
}

export interface FunctionalGroup {
  /** GS01, e.g. `QM` (transportation carrier shipment status). */
  readonly functionalId: string;
  /** GS02 and GS03. */
  readonly senderCode: string;
  readonly receiverCode: string;
  /** GS06. */
  readonly controlNumber: string;
  /** GS08, e.g. `004010`. */
  readonly version: string;
  /** GE01: the count of transaction sets the trailer declares (undefined without a trailer). */
  readonly declaredCount?: number;
  readonly transactions: readonly TransactionSet[];
  /** AK9 codes (716): 3 trailer missing, 4 control numbers differ, 5 transaction count wrong. */
  readonly envelopeErrors: readonly string[];
}

export interface InterchangeEnvelope {
  /** ISA05/ISA06 (trailing padding removed). */
  readonly senderQualifier: string;
  readonly senderId: string;
  /** ISA07/ISA08. */
  readonly receiverQualifier: string;
  readonly receiverId: string;
  /** ISA09 (YYMMDD) and ISA10 (HHMM). */
  readonly date: string;
  readonly time: string;
  /** ISA11: the standards identifier (`U` in 4010) or, from 4020 on, the repetition separator. */
  readonly standardsId: string;
  /** ISA12, e.g. `00401`. */
  readonly version: string;
  /** ISA13. */
  readonly controlNumber: string;
  /** ISA14 = 1: the sender asks for a TA1. */
  readonly acknowledgementRequested: boolean;
  /** ISA15: `P` production, `T` test. */
  readonly usage: string;
}

export interface Delimiters {
  readonly element: string;
  readonly segment: string;
  readonly component: string;
}

export interface Interchange {
  readonly envelope: InterchangeEnvelope;
  readonly delimiters: Delimiters;
  readonly groups: readonly FunctionalGroup[];
  /** TA1 note codes (I18) of interchange envelope problems: 001 control numbers differ, 023 trailer missing. */
  readonly envelopeErrors: readonly string[];
  /** What node-x12 reported, for the log. */
  readonly diagnostics: readonly string[];
}

/** The file is not an X12 interchange at all (no readable ISA): nothing can be acknowledged. */
export class UnreadableInterchangeError extends Error {
  override readonly name = 'UnreadableInterchangeError';
}

const values = (segment: X12Segment): string[] => segment.elements.map((e) => e.value ?? '');
const controlEquals = (a: string | undefined, b: string | undefined) => a !== undefined && b !== undefined && a.trim() !== '' && Number(a) === Number(b) && /^\d+$/.test(a.trim()) && /^\d+$/.test(b.trim());

function readInterchange(ic: X12Interchange, diagnostics: string[]): Interchange {
  const isa = values(ic.header);
  if (isa.length < 16) throw new UnreadableInterchangeError(`the ISA segment has ${isa.length} elements, not 16`);
  const options = ic.options;
  const envelopeErrors: string[] = [];
  const iea = ic.trailer ? values(ic.trailer) : [];
  if (iea.length === 0) envelopeErrors.push('023');
  else if (!controlEquals(iea[1], isa[12])) envelopeErrors.push('001');

  const groups = ic.functionalGroups.map((group): FunctionalGroup => {
    const gs = values(group.header);
    const ge = group.trailer ? values(group.trailer) : [];
    const errors: string[] = [];
    if (ge.length === 0) errors.push('3');
    else {
      if (!controlEquals(ge[1], gs[5])) errors.push('4');
      if (Number(ge[0]) !== group.transactions.length) errors.push('5');
    }
    const controls = new Set<string>();
    const transactions = group.transactions.map((tx): TransactionSet => {
      const st = values(tx.header);
      const se = tx.trailer ? values(tx.trailer) : [];
      const txErrors: string[] = [];
      if (se.length === 0) txErrors.push('2');
      else {
        if (se[1] !== st[1]) txErrors.push('3');
        if (Number(se[0]) !== tx.segments.length + 2) txErrors.push('4');
      }
      if (!st[1] || controls.has(st[1])) txErrors.push(st[1] ? '23' : '7');
      controls.add(st[1] ?? '');
      return {
        id: st[0] ?? '',
        controlNumber: st[1] ?? '',
        segments: tx.segments.map((s, i) => ({ tag: s.tag, elements: values(s), position: i + 2 })),
        envelopeErrors: txErrors,
      };
    });
    return { functionalId: gs[0] ?? '', senderCode: gs[1] ?? '', receiverCode: gs[2] ?? '', controlNumber: gs[5] ?? '', version: gs[7] ?? '', declaredCount: ge.length > 0 ? Number(ge[0]) : undefined, transactions, envelopeErrors: errors };
  });

  return {
    envelope: {
      senderQualifier: isa[4]!.trim(),
      senderId: isa[5]!.trim(),
      receiverQualifier: isa[6]!.trim(),
      receiverId: isa[7]!.trim(),
      date: isa[8]!,
      time: isa[9]!,
      standardsId: isa[10]!,
      version: isa[11]!,
      controlNumber: isa[12]!.trim(),
      acknowledgementRequested: isa[13] === '1',
      usage: isa[14]!,
    },
    delimiters: { element: options.elementDelimiter ?? '*', segment: options.segmentTerminator ?? '~', component: options.subElementDelimiter ?? '>' },
    groups,
    envelopeErrors,
    diagnostics,
  };
}

/**
 * Reads every interchange of a file (a file may hold several, one after the other). Throws
 * {@link UnreadableInterchangeError} when node-x12 cannot find an interchange at all.
 */
export function readInterchanges(text: string): Interchange[] {
  const parser = new X12Parser(false);
  let parsed: X12Interchange | X12FatInterchange;
  try {
    parsed = parser.parse(text.replace(/^\uFEFF/, '').trim());
  } catch (error) {
    throw new UnreadableInterchangeError((error as Error).message);
  }
  const diagnostics = (parser.diagnostics ?? []).map((d) => d.message);
  const interchanges = parsed instanceof X12FatInterchange ? [...parsed] : [parsed];
  if (interchanges.length === 0 || !interchanges[0]?.header) throw new UnreadableInterchangeError('no ISA segment');
  return interchanges.map((ic) => readInterchange(ic, diagnostics));
}
