/**
 * The lists the visibility API pages through, as entries of the correlation table's `Lists` GSI (layout in
 * lib/core/tables.ts). A shipment is in a list while its view says so; each membership is one small item
 * `SHIPMENT#<id>` / `LIST#<name>` carrying the GSI keys and the attributes the API filters on. Pure.
 *
 * | list | GSI partition (`listPk`) | GSI sort (`listSk`) | member while |
 * |---|---|---|---|
 * | trouble | `LIST#trouble` | `<5 − severity rank>#<since>#<shipmentId>`: most severe first, then oldest | an exception or a quality hold is active |
 * | unbilled | `LIST#unbilled` | `<deliveredAt>#<shipmentId>`: oldest delivery first | delivered, no invoice posted |
 * | disrupted | `LIST#disrupted#<yyyy-mm of the first exception>` | `<first exception at>#<shipmentId>` | ever had an exception (kept until the TTL) |
 *
 * Entries change only when a membership, a sort key or a filtered attribute does, which is rare next to the
 * view's own changes: that keeps the index's write cost near one write per list a shipment enters and leaves.
 */
import { keys as indexKeys, LIST_INDEX, LIST_NAMES, listKeys, type ListName } from '../../registry/correlation-keys';
import { SEVERITY_RANK, statusOf, type ShipmentView, type ViewSeverity as ShipmentViewSeverity } from './shipment-view';

export { LIST_INDEX, LIST_NAMES, listKeys, type ListName };

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

/** The entries a view belongs in (pure). */
export function entriesOf(view: ShipmentView | undefined): ListEntry[] {
  if (!view) return [];
  const status = statusOf(view);
  const entries: ListEntry[] = [];
  if (status.inTrouble && status.since) {
    entries.push(entry(view, 'trouble', listKeys.troublePk, listKeys.troubleSk(SEVERITY_RANK[status.severity], status.since, view.shipmentId), { severity: status.severity, since: status.since }));
  }
  if (status.unbilled && view.deliveredAt) {
    entries.push(entry(view, 'unbilled', listKeys.unbilledPk, listKeys.unbilledSk(view.deliveredAt, view.shipmentId), { deliveredAt: view.deliveredAt }));
  }
  if (status.firstDisruptionAt) {
    entries.push(entry(view, 'disrupted', listKeys.disruptedPk(status.firstDisruptionAt.slice(0, 7)), listKeys.disruptedSk(status.firstDisruptionAt, view.shipmentId)));
  }
  return entries;
}

/** Whether a view is (still) in a list: the API drops entries a concurrent update left behind. */
export function belongsIn(view: ShipmentView | undefined, list: ListName): boolean {
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
