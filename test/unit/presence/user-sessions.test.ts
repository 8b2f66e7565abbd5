import { describe, expect, it } from 'vitest';
import { createRecord, releaseSessions, sessionsOf } from '../../../src/server/presence/user-record.js';

describe('a record’s sessions map', () => {
  it('is shared by every user with no session, and refuses writes', () => {
    const a = createRecord(1);
    const b = createRecord(2);
    expect(a.sessions.size).toBe(0);
    expect(a.sessions).toBe(b.sessions);
    expect(() => a.sessions.set('s', { kind: 'socket', lastTouch: 0 })).toThrow(/sessionsOf/);
    expect(b.sessions.size).toBe(0);
  });

  it('becomes the user’s own on the first write, and is given back once empty', () => {
    const a = createRecord(1);
    const b = createRecord(2);
    const shared = b.sessions;
    sessionsOf(a).set('s1', { kind: 'socket', lastTouch: 5 });
    sessionsOf(a).set('s2', { kind: 'poll', lastTouch: 6 });
    expect(a.sessions).not.toBe(shared);
    expect([...a.sessions.keys()]).toEqual(['s1', 's2']);
    expect(b.sessions.size).toBe(0);

    a.sessions.delete('s1');
    releaseSessions(a);
    expect(a.sessions).not.toBe(shared);
    expect([...a.sessions.keys()]).toEqual(['s2']);

    a.sessions.delete('s2');
    releaseSessions(a);
    expect(a.sessions).toBe(shared);
    expect(shared.size).toBe(0);

    sessionsOf(a).set('s3', { kind: 'socket', lastTouch: 7 });
    expect([...a.sessions.keys()]).toEqual(['s3']);
    expect(shared.size).toBe(0);
  });
});
