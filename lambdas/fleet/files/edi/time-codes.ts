import type { StatusDetail } from './shipment-status';

/**
 * AT705/AT706/AT707 → an ISO timestamp. X12 time codes (element 623) are either fixed offsets (`UT`, `GM`, the
 * North American standard/daylight pairs `ES`/`ED`, `CS`/`CD`, `MS`/`MD`, `PS`/`PD`), zones whose offset depends on
 * the date (`ET`, `CT`, `MT`, `PT`: read through the IANA zone), or `LT` local time — the time at the status
 * location, which a 214 does not name as a zone: it is read in the partner's configured zone (UTC unless set).
 */

const FIXED_OFFSET_MINUTES: Readonly<Record<string, number>> = {
  UT: 0,
  GM: 0,
  ES: -300,
  ED: -240,
  CS: -360,
  CD: -300,
  MS: -420,
  MD: -360,
  PS: -480,
  PD: -420,
};

const ZONES: Readonly<Record<string, string>> = { ET: 'America/New_York', CT: 'America/Chicago', MT: 'America/Denver', PT: 'America/Los_Angeles' };

/** The zone's offset from UTC at an instant, in minutes. */
function zoneOffsetMinutes(zone: string, at: number): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).formatToParts(new Date(at)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) : 0;
}

/** The UTC instant of a wall-clock time (as if UTC, in ms) in an IANA zone. */
function inZone(wallClockAsUtc: number, zone: string): number {
  const first = wallClockAsUtc - zoneOffsetMinutes(zone, wallClockAsUtc) * 60_000;
  // Once more, in case the first guess crossed a daylight-saving change.
  return wallClockAsUtc - zoneOffsetMinutes(zone, first) * 60_000;
}

/** The status date and time as an ISO timestamp (UTC); a missing time is midnight. */
export function statusTime(status: Pick<StatusDetail, 'date' | 'time' | 'timeCode'>, localTimeZone: string): string {
  const d = status.date!;
  const t = (status.time ?? '0000').padEnd(6, '0');
  const wall = Date.UTC(Number(d.slice(0, 4)), Number(d.slice(4, 6)) - 1, Number(d.slice(6, 8)), Number(t.slice(0, 2)), Number(t.slice(2, 4)), Number(t.slice(4, 6)));
  const code = status.timeCode ?? 'LT';
  const fixed = FIXED_OFFSET_MINUTES[code];
  const instant = fixed !== undefined ? wall - fixed * 60_000 : inZone(wall, ZONES[code] ?? localTimeZone);
  return new Date(instant).toISOString();
}
