/**
 * While the SDK is `reconnecting` only to catch up on missed events (PresenceClient.catchingUp:
 * a `seq` gap, the socket open, the user online for the server and friends), the web app says
 * so: "Catching up…", statuses may be out of date until they are read again. Never "connection
 * lost", never "friends may see you as offline", and the own-status menu stays usable (a change
 * goes out over the open connection; a failure shows its error in the menu).
 */
import { describe, expect, it } from 'vitest';
import type { Settings } from '../../../src/protocol/index.js';
import { CONNECTION_LABEL, CONNECTION_MEANS, connectionLabel } from '../../../src/web/lib/labels.js';
import { MAY_SEE_OFFLINE, ownStaleNote } from '../../../src/web/lib/own-presence.js';
import { statusUnavailable, type ConnectionFacts } from '../../../src/web/lib/status-unavailable.js';
import { stillThereText } from '../../../src/web/lib/still-there-words.js';

const settings: Settings = {
  status_visibility: 'friends',
  activity_visibility: 'friends',
  last_seen_visibility: 'friends',
  custom_message_visibility: 'friends',
};
const catchingUp: ConnectionFacts = { state: 'reconnecting', stopReason: null, catchingUp: true };
const lost: ConnectionFacts = { state: 'reconnecting', stopReason: null, catchingUp: false };
const LOST_WORDS = /lost|offline|reconnect/i;

describe('catching up (events missed, the socket open)', () => {
  it('is its own connection label, apart from a reconnect after a lost socket', () => {
    expect(connectionLabel(catchingUp)).toBe('catching_up');
    expect(connectionLabel(lost)).toBe('reconnecting');
    expect(connectionLabel({ state: 'reconnecting' })).toBe('reconnecting');
    expect(connectionLabel({ state: 'connected', catchingUp: false })).toBe('connected');
  });

  it('is worded "Catching up…": statuses may be out of date, nothing about a lost connection or being seen offline', () => {
    expect(CONNECTION_LABEL[connectionLabel(catchingUp)]).toBe('Catching up…');
    const means = CONNECTION_MEANS[connectionLabel(catchingUp)];
    expect(means).toBe('Some updates were missed; statuses shown may be out of date until they are read again.');
    expect(means).not.toMatch(LOST_WORDS);
    // A lost socket still says what it means.
    expect(CONNECTION_MEANS[connectionLabel(lost)]).toContain(MAY_SEE_OFFLINE);
  });

  it('your card says it may be out of date, not that friends may see you offline', () => {
    const at = Date.UTC(2026, 11, 7, 3, 0, 0);
    const note = ownStaleNote(connectionLabel(catchingUp), at);
    expect(note).toMatch(/^Not live: catching up on missed updates\. Your status shown may be out of date\. As of /);
    expect(note).not.toMatch(LOST_WORDS);
    expect(ownStaleNote(connectionLabel(lost), at)).toContain(MAY_SEE_OFFLINE);
  });

  it('leaves the status menu usable, unlike a lost socket', () => {
    expect(statusUnavailable(catchingUp)).toBeNull();
    expect(statusUnavailable(lost)).toBe('Reconnecting…');
  });

  it('the "Still there?" dialog says what friends see, as while connected, not that the connection is lost', () => {
    const live: ConnectionFacts = { state: 'connected', stopReason: null };
    for (const phase of ['soon', 'away', 'back', 'still'] as const) {
      const text = stillThereText(phase, settings, catchingUp);
      expect(text).toBe(stillThereText(phase, settings, live));
      expect(text).not.toMatch(/lost|reconnect/i);
      expect(text).not.toContain(MAY_SEE_OFFLINE);
    }
  });
});
