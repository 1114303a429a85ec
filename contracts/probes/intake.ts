import type { Dialect } from '../../lambdas/shared/webhook/dialect';

/**
 * What our intake does with a vendor's documented example (pure: decode and map; the signature is not part of a
 * payload example): `accepted: <canonical types>`, `ignored: <reason>`, `deferred` (reads the vendor's API first)
 * or `refused: <error>`.
 */
export async function dialectOutcome(dialects: readonly Dialect[], route: string, example: unknown, headers: Record<string, string> = {}): Promise<string> {
  const dialect = dialects.find((d) => d.name === route);
  if (!dialect) return `refused: no dialect ${route}`;
  const body = Buffer.from(JSON.stringify(example));
  const request = { route, headers: new Map(Object.entries({ 'content-type': 'application/json', ...headers }).map(([k, v]) => [k, [v]])), body };
  try {
    const decoded = dialect.decode(request, JSON.parse(body.toString()));
    const mapped = dialect.map(decoded, new Date().toISOString());
    if (mapped.kind === 'deferred') return 'deferred: reads the vendor API, then maps';
    if (mapped.kind === 'ignored') return `ignored: ${mapped.reason}`;
    return `accepted: ${mapped.events.map((e) => e.metadata.eventType).join(', ')}`;
  } catch (error) {
    return `refused: ${(error as Error).message}`;
  }
}
