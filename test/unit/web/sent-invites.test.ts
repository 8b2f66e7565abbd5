/**
 * Invitations sent from a tab (lib/sent-invites.ts): open for the server's 10 minutes, shown
 * as open no longer than the server keeps them, dropped as lapsed no sooner (the server tells
 * the inviter nothing then); only an open one's acceptance starts a match. And what the
 * inviter is told: a friend shown offline sees it only if Beacon is open for them now.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { INVITE_TTL_MS } from '../../../src/protocol/enums.js';
import { inviteSentParts, inviteSentText, SentInvites, type SentInviteChange } from '../../../src/web/lib/sent-invites.js';

const sentAt = Date.parse('2030-01-03T14:22:40.000Z');
const answeredAt = sentAt + 300;

describe('SentInvites', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(answeredAt);
  });
  afterEach(() => vi.useRealTimers());

  it('is open until 10 minutes after it was sent, and lapses 10 minutes after the server answered, not before', () => {
    const invites = new SentInvites();
    const changes: SentInviteChange[] = [];
    invites.onChange((c) => changes.push(c));
    const invite = invites.add('i1', 7, 'Bo (@bo)', sentAt, answeredAt);
    expect(invite.openUntil).toBe(sentAt + INVITE_TTL_MS);
    expect(changes.map((c) => c.kind)).toEqual(['sent']);
    vi.advanceTimersByTime(INVITE_TTL_MS - 1);
    expect(invites.list().map((i) => i.inviteId)).toEqual(['i1']);
    vi.advanceTimersByTime(1);
    expect(invites.list()).toEqual([]);
    expect(changes.map((c) => [c.kind, c.invite.inviteId])).toEqual([['sent', 'i1'], ['lapsed', 'i1']]);
    // Accepted after it lapsed here: the server refused that (its window ended first); no match.
    expect(invites.accepted('i1')).toBe(false);
  });

  it('starts a match once for an open invitation sent from here, never for another', () => {
    const invites = new SentInvites();
    const changes: string[] = [];
    invites.onChange((c) => changes.push(c.kind));
    invites.add('i1', 7, 'Bo (@bo)', sentAt, answeredAt);
    expect(invites.accepted('other')).toBe(false);
    expect(invites.accepted('i1')).toBe(true);
    expect(invites.accepted('i1')).toBe(false);
    vi.advanceTimersByTime(INVITE_TTL_MS);
    expect(changes).toEqual(['sent', 'accepted']);
  });

  it('ends a former friend’s invitations (withdrawn), and forgets all at sign-out without a word', () => {
    const invites = new SentInvites();
    const changes: string[] = [];
    invites.onChange((c) => changes.push(`${c.kind} ${c.invite.inviteId}`));
    invites.add('i1', 7, 'Bo (@bo)', sentAt, answeredAt);
    invites.add('i2', 8, 'Cy (@cy)', sentAt, answeredAt);
    invites.withdraw(7);
    expect(invites.list().map((i) => i.inviteId)).toEqual(['i2']);
    invites.clear();
    vi.advanceTimersByTime(INVITE_TTL_MS);
    expect(invites.list()).toEqual([]);
    expect(changes).toEqual(['sent i1', 'sent i2', 'withdrawn i1']);
  });
});

describe('inviteSentText', () => {
  it('for a friend shown offline, says they see it only if Beacon is open for them now, and promises no match', () => {
    const text = inviteSentText(true, sentAt + INVITE_TTL_MS, 'en-GB');
    expect(text).toContain('they appear offline: they see it only if Beacon is open for them right now, not if they come online later');
    expect(text).not.toContain('the match starts');
  });

  it('for a friend shown online, says until when it is open (to the minute) and that the match starts when they accept', () => {
    const until = new Date(sentAt + INVITE_TTL_MS).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
    expect(inviteSentText(false, sentAt + INVITE_TTL_MS, 'en-GB')).toBe(`. It is open until ${until}; the match starts when they accept.`);
  });

  it('comes in parts, the time alone in the middle, for the page to isolate it for bidi', () => {
    const until = new Date(sentAt + INVITE_TTL_MS).toLocaleTimeString('ar-EG', { hour: '2-digit', minute: '2-digit' });
    expect(inviteSentParts(false, sentAt + INVITE_TTL_MS, 'ar-EG')).toEqual(['. It is open until ', until, '; the match starts when they accept.']);
  });
});
