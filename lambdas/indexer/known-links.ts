import { keys } from '../../registry/correlation-keys';
import type { KnownMember, LinkItem } from './index-plan';

/**
 * The members this execution environment has seen written or read, per correlation: events of a shipment keep
 * naming the same order, shipment, route and customer, so most events find every link here and touch the table
 * for none of them. Only entries with more than half the TTL left are trusted (an item the cache calls known
 * cannot have expired); the oldest entries go first beyond `capacity`.
 */
export class KnownLinks {
  private readonly entries = new Map<string, KnownMember>();

  constructor(private readonly capacity = 20_000) {}

  private key(correlationId: string, memberSk: string): string {
    return `${correlationId}\u0000${memberSk}`;
  }

  /** Whether every planned link is known with more than half the TTL left (then nothing needs reading or writing). */
  coversAll(correlationId: string, planned: readonly LinkItem[], now: Date, ttlSeconds: number): boolean {
    const refreshBefore = Math.floor(now.getTime() / 1000) + Math.floor(ttlSeconds / 2);
    return planned.every((item) => {
      const member = this.entries.get(this.key(correlationId, keys.memberSk(item.kind, item.externalId)));
      return member !== undefined && member.expiresAt >= refreshBefore;
    });
  }

  remember(correlationId: string, members: ReadonlyMap<string, KnownMember>): void {
    for (const [memberSk, member] of members) {
      const key = this.key(correlationId, memberSk);
      this.entries.delete(key);
      this.entries.set(key, member);
    }
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.capacity) break;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
