import { Names, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** `ErpSyncQueue` → `erp-sync`; `FleetDispatch` → `fleet-dispatch`. Pure. */
export function friendlyName(id: string): string {
  const kebab = id
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .toLowerCase();
  const trimmed = kebab.replace(/-(queue|work-queue)$/, '');
  return trimmed || kebab;
}

/** `erp-sync` → `ErpSync`: the stem of alarm and output ids. */
export function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

/**
 * A readable name from the construct path: `FleetInbound/Handler` → `fleet-inbound-handler`,
 * `TemperatureExcursion/StateMachine` → `temperature-excursion`, `ErpOutbound/ErpSync` → `erp-sync`.
 */
export function meaningfulName(c: IConstruct): string {
  const parent = c.node.scope && c.node.scope !== Stack.of(c) ? c.node.scope.node.id : undefined;
  if (parent && /^(resource|default|statemachine|state-machine)$/i.test(c.node.id)) return friendlyName(parent);
  if (parent && /^(handler|function|fn|api|queue|workflow)$/i.test(c.node.id)) return `${friendlyName(parent)}-${friendlyName(c.node.id)}`;
  return friendlyName(c.node.id);
}

/** The system a resource belongs to: the first system named by a segment of its construct path. */
export function systemOf(c: IConstruct, systems: readonly string[]): string | undefined {
  const tokens = new Set(c.node.scopes.flatMap((s) => friendlyName(s.node.id).split('-')));
  return systems.find((system) => tokens.has(system));
}

/** Names resources once per stage: a clash takes the parent's name, then a stable suffix of the node id. */
export class ResourceNames {
  private readonly names = new Set<string>();

  public claim(candidate: string, resource: IConstruct): string {
    let name = candidate;
    if (this.names.has(name)) {
      const parent = resource.node.scope;
      name = parent ? `${friendlyName(parent.node.id)}-${candidate}` : candidate;
    }
    if (this.names.has(name)) name = `${candidate}-${Names.nodeUniqueId(resource.node).slice(-8).toLowerCase()}`;
    this.names.add(name);
    return name;
  }
}
