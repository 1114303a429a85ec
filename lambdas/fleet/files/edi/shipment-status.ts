import type { Segment, TransactionSet } from './interchange';

/**
 * A 214 (Transportation Carrier Shipment Status Message, X12 4010) read from its segments, and what in it breaks
 * the 4010 rules we rely on, each error as the 997 reports it (AK3 segment, AK4 element). The segments used:
 * B10 (01 carrier's reference / PRO, 02 shipment identification number, 03 SCAC), L11 (01 reference, 02 qualifier),
 * LX, AT7 (01 status, 02 status reason, 03 appointment status, 04 appointment reason, 05 date CCYYMMDD, 06 time,
 * 07 time code), MS1 (01 city, 02 state, 03 country; or 04/05 longitude/latitude). Sources: the carriers' and
 * shippers' 4010 214 guides in contracts/x12-214/README.md.
 */

/** An AK4: element position in the segment, data element reference number, error code (723), bad value. */
export interface ElementError {
  readonly position: number;
  readonly reference: string;
  readonly code: string;
  readonly value?: string;
}

/** An AK3 and its AK4s: the segment id, its position in the set, the loop id, the error code (720). */
export interface SegmentError {
  readonly tag: string;
  readonly position: number;
  readonly loop?: string;
  readonly code: string;
  readonly elements: readonly ElementError[];
  /** Why, in words (the rejection report and the log). */
  readonly message: string;
}

export interface StatusDetail {
  /** AT701 (1650) or, for an appointment, undefined. */
  readonly status?: string;
  /** AT702 (1651). */
  readonly reason?: string;
  /** AT703 (1652) and AT704. */
  readonly appointmentStatus?: string;
  readonly appointmentReason?: string;
  /** AT705 CCYYMMDD, AT706 HHMM[SS], AT707 time code. */
  readonly date?: string;
  readonly time?: string;
  readonly timeCode?: string;
  readonly location?: { readonly city?: string; readonly state?: string; readonly country?: string; readonly latitude?: number; readonly longitude?: number };
  /** Position of the AT7 in the set, and its LX number. */
  readonly position: number;
  readonly lx?: string;
}

export interface ShipmentStatusMessage {
  /** B10-01: the carrier's reference (PRO). */
  readonly carrierReference?: string;
  /** B10-02: the shipment identification number (our shipment id, as tendered). */
  readonly shipmentId: string;
  /** B10-03. */
  readonly scac: string;
  /** L11 references by qualifier (first of each). */
  readonly references: Readonly<Record<string, string>>;
  readonly statuses: readonly StatusDetail[];
}

export interface ReadResult {
  readonly message?: ShipmentStatusMessage;
  readonly errors: readonly SegmentError[];
}

const validDate = (v: string) => /^\d{8}$/.test(v) && !Number.isNaN(Date.parse(`${v.slice(0, 4)}-${v.slice(4, 6)}-${v.slice(6, 8)}T00:00:00Z`)) && Number(v.slice(4, 6)) <= 12;
const validTime = (v: string) => /^([01]\d|2[0-3])[0-5]\d([0-5]\d(\d{1,2})?)?$/.test(v);

function element(segment: Segment, n: number): string | undefined {
  const v = segment.elements[n - 1];
  return v === undefined || v === '' ? undefined : v;
}

function numberOrUndefined(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function readAt7(at7: Segment, ms1: Segment | undefined, lx: string | undefined): { detail: StatusDetail; errors: ElementError[] } {
  const errors: ElementError[] = [];
  const [status, reason, appointmentStatus, appointmentReason, date, time, timeCode] = [1, 2, 3, 4, 5, 6, 7].map((n) => element(at7, n));
  // Syntax notes P0102 and P0304: a status comes with its reason, an appointment status with its reason.
  if (status && !reason) errors.push({ position: 2, reference: '1651', code: '2' });
  if (reason && !status && !appointmentStatus) errors.push({ position: 1, reference: '1650', code: '2' });
  if (appointmentStatus && !appointmentReason) errors.push({ position: 4, reference: '1651', code: '2' });
  if (!status && !appointmentStatus) errors.push({ position: 1, reference: '1650', code: '1' });
  if (status && !/^[A-Z0-9]{2}$/.test(status)) errors.push({ position: 1, reference: '1650', code: '7', value: status });
  if (date === undefined) errors.push({ position: 5, reference: '373', code: '1' });
  else if (!validDate(date)) errors.push({ position: 5, reference: '373', code: '8', value: date });
  if (time !== undefined && !validTime(time)) errors.push({ position: 6, reference: '337', code: '9', value: time });
  // MS1: city/state/country (01–03) or longitude/latitude (04/05, decimal degrees in 5010; 4010 uses DDDMMSS, read when decimal).
  const location = ms1
    ? Object.fromEntries(
        Object.entries({
          city: element(ms1, 1),
          state: element(ms1, 2),
          country: element(ms1, 3),
          longitude: numberOrUndefined(element(ms1, 4)),
          latitude: numberOrUndefined(element(ms1, 5)),
        }).filter(([, v]) => v !== undefined),
      )
    : undefined;
  return {
    detail: { status, reason, appointmentStatus, appointmentReason, date, time, timeCode, location: location && Object.keys(location).length > 0 ? location : undefined, position: at7.position, lx },
    errors,
  };
}

/** Reads a 214 transaction set and reports what breaks it (pure). */
export function readShipmentStatus(tx: TransactionSet, expectedScac?: string): ReadResult {
  const errors: SegmentError[] = [];
  const segments = tx.segments;
  const b10 = segments.find((s) => s.tag === 'B10');
  let message: ShipmentStatusMessage | undefined;
  if (!b10) {
    errors.push({ tag: 'B10', position: 2, code: '3', elements: [], message: 'B10 (beginning segment) is missing' });
  } else {
    const elementErrors: ElementError[] = [];
    const shipmentId = element(b10, 2);
    const scac = element(b10, 3);
    if (!shipmentId) elementErrors.push({ position: 2, reference: '145', code: '1' });
    if (!scac) elementErrors.push({ position: 3, reference: '140', code: '1' });
    else if (!/^[A-Z]{2,4}$/.test(scac)) elementErrors.push({ position: 3, reference: '140', code: '6', value: scac });
    else if (expectedScac && scac !== expectedScac) elementErrors.push({ position: 3, reference: '140', code: '7', value: scac });
    if (shipmentId && !/^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,29}$/.test(shipmentId)) elementErrors.push({ position: 2, reference: '145', code: '6', value: shipmentId });
    if (elementErrors.length > 0) {
      errors.push({ tag: 'B10', position: b10.position, code: '8', elements: elementErrors, message: `B10 has data element errors: ${elementErrors.map((e) => `B10-0${e.position} ${describeElementError(e.code)}`).join(', ')}` });
    } else {
      const references: Record<string, string> = {};
      for (const l11 of segments.filter((s) => s.tag === 'L11')) {
        const [value, qualifier] = [element(l11, 1), element(l11, 2)];
        if (value && qualifier && !(qualifier in references)) references[qualifier] = value;
      }
      message = { carrierReference: element(b10, 1), shipmentId: shipmentId!, scac: scac!, references, statuses: [] };
    }
  }

  const statuses: StatusDetail[] = [];
  let lx: string | undefined;
  segments.forEach((segment, i) => {
    if (segment.tag === 'LX') lx = element(segment, 1);
    if (segment.tag !== 'AT7') return;
    const next = segments[i + 1];
    const { detail, errors: elementErrors } = readAt7(segment, next?.tag === 'MS1' ? next : undefined, lx);
    if (elementErrors.length > 0) {
      errors.push({ tag: 'AT7', position: segment.position, loop: '0205', code: '8', elements: elementErrors, message: `AT7 at ${segment.position} has data element errors: ${elementErrors.map((e) => `AT7-0${e.position} ${describeElementError(e.code)}`).join(', ')}` });
    } else statuses.push(detail);
  });
  if (!segments.some((s) => s.tag === 'AT7')) {
    errors.push({ tag: 'AT7', position: segments.length + 2, loop: '0205', code: '3', elements: [], message: 'no AT7 (shipment status details): the message reports no status' });
  }
  return { message: message && errors.length === 0 ? { ...message, statuses } : undefined, errors };
}

const ELEMENT_ERRORS: Readonly<Record<string, string>> = {
  '1': 'mandatory data element missing',
  '2': 'conditional required data element missing',
  '6': 'invalid character in data element',
  '7': 'invalid code value',
  '8': 'invalid date',
  '9': 'invalid time',
};

/** The 997 AK403 code in words. */
export function describeElementError(code: string): string {
  return ELEMENT_ERRORS[code] ?? `error ${code}`;
}
