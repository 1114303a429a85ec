/**
 * The lists the visibility API pages through. A shipment is in a list while its view says so. Pure.
 *
 * | list | where | partition | sort | member while |
 * |---|---|---|---|---|
 * | trouble | entry `SHIPMENT#<id>` / `LIST#trouble`, GSI `Lists` | `listPk`=`LIST#trouble` | `listSk`=`<5 − severity rank>#<since>#<shipmentId>`: most severe first, then oldest | an exception or a quality hold is active |
 * | unbilled | the state item `SHIPMENT#<id>` / `STATE`, GSI `Unbilled` | `unbilledPk`=`UNBILLED` | `unbilledSk`=`<deliveredAt>#<shipmentId>`: oldest delivery first | delivered, no invoice posted |
 * | disrupted | entry `SHIPMENT#<id>` / `LIST#disrupted`, GSI `Lists` | `listPk`=`LIST#disrupted#<yyyy-mm of the first exception>` | `listSk`=`<first exception at>#<shipmentId>` | ever had an exception (kept until the TTL) |
 *
 * Entries change only when a membership, a sort key or a filtered attribute does, which is rare next to the
 * view's own changes: that keeps the index's write cost near one write per list a shipment enters and leaves. Every
 * shipment passes through "unbilled", so that membership rides on the state item the view's save writes anyway
 * (registry/correlation-keys.ts `unbilledKeys`): entering and leaving cost the index's write only, not an entry's put
 * and delete besides. Entries `LIST#unbilled` written by versions before 847969d are still read, and removed by the
 * view's next save.
 */
import { keys as indexKeys, LIST_INDEX, LIST_NAMES, listKeys, unbilledKeys, type ListName } from '../../registry/correlation-keys';
import { SEVERITY_RANK, statusOf, type ShipmentView, type ViewSeverity as ShipmentViewSeverity } from './shipment-view';

export { LIST_INDEX, LIST_NAMES, listKeys, unbilledKeys, type ListName };

/** One list membership (`SHIPMENT#<id>` / `LIST#<name>`), as written apart from `expiresAt` and `viewVersion`. */
export interface ListEntry {
  readonly pk: string;
  readonly sk: string;
  readonly itemType: 'list-entry';
  readonly list: ListName;
  readonly listPk: string;
  readonly listSk: string;
  readonly shipmentId: string;
  readonly customerId?: string;
  /** trouble: the severity and the start it sorts by. */
  readonly severity?: ShipmentViewSeverity;
  readonly since?: string;
  /** unbilled: when it was delivered. */
  readonly deliveredAt?: string;
}

function entry(view: ShipmentView, list: ListName, listPk: string, listSk: string, extra: Partial<ListEntry> = {}): ListEntry {
  return {
    pk: indexKeys.shipmentPk(view.shipmentId),
    sk: listKeys.entrySk(list),
    itemType: 'list-entry',
    list,
    listPk,
    listSk,
    shipmentId: view.shipmentId,
    ...(view.customerId ? { customerId: view.customerId } : {}),
    ...extra,
  };
}

/** The entries (items of their own) a view belongs in (pure): trouble and disrupted; unbilled is on the state item. */
export function entriesOf(view: ShipmentView | undefined): ListEntry[] {
  if (!view) return [];
  const status = statusOf(view);
  const entries: ListEntry[] = [];
  if (status.inTrouble && status.since) {
    entries.push(entry(view, 'trouble', listKeys.troublePk, listKeys.troubleSk(SEVERITY_RANK[status.severity], status.since, view.shipmentId), { severity: status.severity, since: status.since }));
  }
  if (status.firstDisruptionAt) {
    entries.push(entry(view, 'disrupted', listKeys.disruptedPk(status.firstDisruptionAt.slice(0, 7)), listKeys.disruptedSk(status.firstDisruptionAt, view.shipmentId)));
  }
  return entries;
}

/** When the view puts its shipment in the unbilled list: its delivery time, else undefined (pure). */
function unbilledSince(view: ShipmentView | undefined): string | undefined {
  return view && statusOf(view).unbilled ? view.deliveredAt : undefined;
}

/**
 * The state item's attributes for the unbilled list (pure), written by the view's save in the same update: the
 * `Unbilled` GSI's keys and the customer it filters on while the view is delivered and not invoiced, else the keys
 * removed. The attributes `set` are written whatever they were (an unchanged value writes nothing to the index).
 */
export function unbilledAttributes(view: ShipmentView): { set: Record<string, string>; remove: string[] } {
  const since = unbilledSince(view);
  if (since === undefined) return { set: {}, remove: [unbilledKeys.pkAttribute, unbilledKeys.skAttribute] };
  return {
    set: { [unbilledKeys.pkAttribute]: unbilledKeys.pk, [unbilledKeys.skAttribute]: unbilledKeys.sk(since, view.shipmentId), ...(view.customerId ? { customerId: view.customerId } : {}) },
    remove: [],
  };
}

/** Whether a view is (still) in a list: the API drops entries a concurrent update left behind. */
export function belongsIn(view: ShipmentView | undefined, list: ListName): boolean {
  if (list === 'unbilled') return unbilledSince(view) !== undefined;
  return entriesOf(view).some((e) => e.list === list);
}

/** Entries to write and lists to leave when a view changes from `before` to `after` (pure). */
export function planEntries(before: ShipmentView | undefined, after: ShipmentView): { put: ListEntry[]; remove: ListName[] } {
  const old = new Map(entriesOf(before).map((e) => [e.list, JSON.stringify(e)]));
  const next = entriesOf(after);
  return {
    put: next.filter((e) => old.get(e.list) !== JSON.stringify(e)),
    remove: [...old.keys()].filter((list) => !next.some((e) => e.list === list)),
  };
}

/** The GSI a list partition is read from, and its key attributes (pure): `UNBILLED` from `Unbilled`, the rest from `Lists`. */
export function listIndexOf(partition: string): { readonly index: string; readonly pkAttribute: string; readonly skAttribute: string } {
  return partition === unbilledKeys.pk
    ? { index: unbilledKeys.index, pkAttribute: unbilledKeys.pkAttribute, skAttribute: unbilledKeys.skAttribute }
    : { index: LIST_INDEX, pkAttribute: 'listPk', skAttribute: 'listSk' };
}
