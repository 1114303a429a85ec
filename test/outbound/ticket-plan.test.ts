/** Which Zendesk ticket gets an update for a shipment, and what a follow-up of a closed ticket carries (pure). */
import { describe, expect, test } from 'vitest';
import { followUpTicket, planUpdateByExternalId, type ListedTicket } from '../../lambdas/cs/ticket-plan';

const note = { comment: { body: 'Invoice INV-90017 posted.' }, additionalTags: ['invoice-posted'] };
const ticket = (id: string, status: string, createdAt: string, extra: Partial<ListedTicket> = {}): ListedTicket => ({ id, status, createdAt, ...extra });

describe('planUpdateByExternalId', () => {
  test('the newest ticket that is not closed gets the update; solved, pending and hold count as not closed', () => {
    for (const status of ['new', 'open', 'pending', 'hold', 'solved']) {
      const tickets = [ticket('10', 'open', '2026-03-01T00:00:00Z'), ticket('12', status, '2026-03-03T00:00:00Z'), ticket('14', 'closed', '2026-03-05T00:00:00Z')];
      expect(planUpdateByExternalId('SHP-1', tickets, note)).toEqual({ kind: 'update', ticketId: '12' });
    }
  });

  test('newest by created_at, then by id', () => {
    expect(planUpdateByExternalId('SHP-1', [ticket('9', 'open', '2026-03-02T00:00:00Z'), ticket('11', 'open', '2026-03-01T00:00:00Z')], note)).toEqual({ kind: 'update', ticketId: '9' });
    expect(planUpdateByExternalId('SHP-1', [ticket('9', 'open', '2026-03-02T00:00:00Z'), ticket('11', 'open', '2026-03-02T00:00:00Z')], note)).toEqual({ kind: 'update', ticketId: '11' });
  });

  test('only closed tickets: a follow-up of the newest closed one', () => {
    const tickets = [
      ticket('10', 'closed', '2026-03-01T00:00:00Z', { subject: 'old' }),
      ticket('12', 'closed', '2026-03-03T00:00:00Z', { subject: 'Temperature excursion on SHP-1', priority: 'high', type: 'incident', tags: ['logistics-sync'] }),
    ];
    expect(planUpdateByExternalId('SHP-1', tickets, note)).toEqual({
      kind: 'follow-up',
      sourceTicketId: '12',
      ticket: { subject: 'Temperature excursion on SHP-1', body: 'Invoice INV-90017 posted.', priority: 'high', type: 'incident', externalId: 'SHP-1', tags: ['logistics-sync', 'invoice-posted'], followUpOf: '12' },
    });
  });

  test('no ticket at all (deleted ones do not count): nothing', () => {
    expect(planUpdateByExternalId('SHP-1', [], note)).toEqual({ kind: 'none' });
    expect(planUpdateByExternalId('SHP-1', [ticket('10', 'deleted', '2026-03-01T00:00:00Z')], note)).toEqual({ kind: 'none' });
  });
});

describe('followUpTicket', () => {
  const closed = ticket('12', 'closed', '2026-03-03T00:00:00Z', { subject: 'Delay on SHP-1', priority: 'low', type: 'question', tags: ['a', 'b'] });

  test('explicit follow-up fields win over the closed ticket; the update\'s priority wins over both; tags are merged, not inherited', () => {
    expect(followUpTicket('SHP-1', closed, { ...note, priority: 'urgent' }, { subject: 'New case', priority: 'high', type: 'incident', tags: ['x'] })).toEqual({
      subject: 'New case',
      body: 'Invoice INV-90017 posted.',
      priority: 'urgent',
      type: 'incident',
      externalId: 'SHP-1',
      tags: ['x', 'invoice-posted'],
      followUpOf: '12',
    });
  });

  test('a closed ticket without priority or type: normal priority, no type; a closing status is not carried', () => {
    const bare = ticket('12', 'closed', '2026-03-03T00:00:00Z', { priority: null, type: null });
    expect(followUpTicket('SHP-1', bare, { comment: { body: 'x' }, status: 'closed' })).toEqual({ subject: 'Follow-up of ticket 12', body: 'x', priority: 'normal', externalId: 'SHP-1', followUpOf: '12' });
    expect(followUpTicket('SHP-1', bare, { comment: { body: 'x' }, status: 'pending' })).toMatchObject({ status: 'pending' });
  });
});
