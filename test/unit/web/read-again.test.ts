/** read-again.ts: the one rule by which screens kept live by frames read their data again. */
import { describe, expect, it, vi } from 'vitest';
import { Emitter } from '../../../src/client/emitter.js';
import type { PresenceEvents } from '../../../src/client/presence-types.js';
import { readAgainAtSyncs } from '../../../src/web/lib/read-again.js';

function client() {
  const events = new Emitter<PresenceEvents>();
  return { events, on: events.on.bind(events), sync: () => events.emit('synced', { at: 0 }) };
}

describe('readAgainAtSyncs', () => {
  it('reads at every synced (a reconnect, each poll, the refetch after a gap), none after it is stopped', () => {
    const c = client();
    const read = vi.fn();
    const stop = readAgainAtSyncs(c, read);
    c.events.emit('ready', { self: {} as never, friends: [] });
    expect(read).not.toHaveBeenCalled(); // a ready alone is no sync: its synced follows
    c.sync();
    c.sync();
    c.sync();
    expect(read).toHaveBeenCalledTimes(3);
    stop();
    c.sync();
    expect(read).toHaveBeenCalledTimes(3);
  });

  it('skips the first sync when asked (the caller read then), and every sync while its own change is on its way', () => {
    const c = client();
    const read = vi.fn();
    let saving = false;
    readAgainAtSyncs(c, read, { skipFirst: true, busy: () => saving });
    c.sync();
    expect(read).not.toHaveBeenCalled();
    saving = true;
    c.sync();
    expect(read).not.toHaveBeenCalled();
    saving = false;
    c.sync();
    expect(read).toHaveBeenCalledTimes(1);
  });
});
