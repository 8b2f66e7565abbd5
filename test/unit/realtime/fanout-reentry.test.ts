/**
 * The fan-out loops over a subject's watchers while handing frames to the batcher. Were a socket
 * closed there and its close handler run at once (ws runs it later; a synchronous one is what is
 * simulated here), the registry would change under the loop: a swap-remove in the same set, its
 * block freed and given to another subject's watchers. Nobody may then get a frame of a tier not
 * theirs, nor a frame about someone they do not watch.
 */
import { describe, expect, it } from 'vitest';
import type { FriendCategory, View } from '../../../src/protocol/index.js';
import type { ViewerTier } from '../../../src/server/presence/types.js';
import { Batcher } from '../../../src/server/realtime/batcher.js';
import type { Connection } from '../../../src/server/realtime/connection.js';
import { Fanout } from '../../../src/server/realtime/fanout.js';
import { Registry } from '../../../src/server/realtime/registry.js';
import type { PresenceService } from '../../../src/server/status/presence-service.js';
import { graphGiven } from './graph-fakes.js';
import { connection, type FakeSocket } from './socket-fakes.js';

const SUBJECT = 1;
const TS = '2024-01-15T14:30:00.000Z';

const viewAs = (custom: string | null): View => ({
  user_id: SUBJECT,
  username: 'alice',
  display_name: 'Alice',
  status: 'online',
  activity: null,
  custom_message: custom,
  last_seen: null,
  timestamp: TS,
});
const tiered: Partial<Record<ViewerTier, View>> = {
  public: viewAs(null),
  friend: viewAs('for friends'),
  close_friend: viewAs('for close friends'),
};

/** A batcher whose `deliver` runs `after` (once set) when it has handed a frame over: a close handler run at once. */
class ClosingBatcher extends Batcher {
  after: ((c: Connection) => void) | null = null;

  override deliver(c: Connection, body: string, key?: string): void {
    super.deliver(c, body, key);
    this.after?.(c);
  }
}

/** `given[viewer][subject]`: the category the subject gave the viewer. */
async function setup(given: Record<number, Record<number, FriendCategory>>) {
  const graph = graphGiven(given);
  for (const viewer of Object.keys(given)) await graph.load(Number(viewer), 'user');
  const registry = new Registry();
  const batcher = new ClosingBatcher(1_000_000, 1, () => 0, () => undefined);
  const fanout = new Fanout(registry, { graph } as unknown as PresenceService, batcher, () => undefined);
  const made = new Map<number, ReturnType<typeof connection>>();
  /** A socket for the user, registered as the gateway does (watching their friends). */
  const connect = (userId: number) => {
    const c = connection(userId);
    // Busy: its frames wait for flush(), so that each test reads all of them at once.
    c.conn.burstStart = 0;
    c.conn.burstFrames = 1;
    registry.add(c.conn, graph.friendsOf(userId));
    made.set(userId, c);
    return c;
  };
  /** What the close handler does: the user's (only) socket leaves the registry. */
  const close = (userId: number) => registry.remove(made.get(userId)!.conn, graph.friendsOf(userId));
  /** Each friend_status_change the socket got, as `friend: custom message` (batches opened). */
  const messages = (socket: FakeSocket) => {
    batcher.flush();
    type Frame = { type: string; friend_id: number; custom_message: string | null; messages?: Frame[] };
    return (socket.sent.splice(0) as Frame[]).flatMap((f) => f.messages ?? [f]).map((f) => `${f.friend_id}: ${f.custom_message}`);
  };
  return { fanout, registry, batcher, connect, close, messages };
}

describe('Fanout while the watcher sets change under it', () => {
  it('a watcher unwatching mid-delivery moves no one else under their tier, nor gets anyone a frame twice', async () => {
    const { fanout, batcher, connect, close, messages } = await setup({
      2: { [SUBJECT]: 'friend' },
      3: { [SUBJECT]: 'close_friend' },
      4: { [SUBJECT]: 'friend' },
    });
    const bob = connect(2);
    const carol = connect(3);
    const dave = connect(4);
    // Carol's socket closes as Bob gets his frame: Dave, last in the set, is swapped into her place.
    batcher.after = (c) => {
      if (c !== bob.conn) return;
      batcher.after = null;
      close(3);
    };
    fanout.deliver({ kind: 'presence', userId: SUBJECT, views: tiered });
    expect(messages(bob.socket)).toEqual(['1: for friends']);
    expect(messages(carol.socket)).toEqual([]);
    expect(messages(dave.socket)).toEqual(['1: for friends']);
    // And the next change reaches the set as it is now.
    fanout.deliver({ kind: 'presence', userId: SUBJECT, views: tiered });
    expect(messages(bob.socket)).toEqual(['1: for friends']);
    expect(messages(dave.socket)).toEqual(['1: for friends']);
  });

  it("a set freed mid-delivery and its block given to another subject's watchers: they get nothing of this subject", async () => {
    const OTHER = 7;
    const { fanout, registry, batcher, connect, close, messages } = await setup({
      2: { [SUBJECT]: 'friend' },
      3: { [SUBJECT]: 'friend' },
      5: { [OTHER]: 'friend' },
      6: { [OTHER]: 'friend' },
    });
    const bob = connect(2);
    const carol = connect(3);
    const block = registry.watchersOf(SUBJECT)!.start;
    let erin: ReturnType<typeof connect> | undefined;
    let frank: ReturnType<typeof connect> | undefined;
    // As Bob gets his frame, Bob and Carol leave (the set is empty, its block free) and Erin and
    // Frank, who watch only OTHER, arrive: OTHER's new set takes the freed block.
    batcher.after = (c) => {
      if (c !== bob.conn) return;
      batcher.after = null;
      close(2);
      close(3);
      erin = connect(5);
      frank = connect(6);
    };
    fanout.deliver({ kind: 'presence', userId: SUBJECT, views: tiered });
    expect(registry.watchersOf(SUBJECT)).toBeUndefined();
    expect(registry.watchersOf(OTHER)!.start).toBe(block);
    expect(messages(bob.socket)).toEqual(['1: for friends']);
    expect(messages(carol.socket)).toEqual([]);
    expect(messages(erin!.socket)).toEqual([]);
    expect(messages(frank!.socket)).toEqual([]);
  });

  it("a delivery made during another (nested) leaves the outer one's watchers as they were", async () => {
    const OTHER = 7;
    const { fanout, batcher, connect, messages } = await setup({
      2: { [SUBJECT]: 'friend' },
      3: { [SUBJECT]: 'friend' },
      5: { [OTHER]: 'friend' },
      6: { [OTHER]: 'friend' },
    });
    const [bob, carol, erin, frank] = [2, 3, 5, 6].map(connect) as [ReturnType<typeof connect>, ReturnType<typeof connect>, ReturnType<typeof connect>, ReturnType<typeof connect>];
    const other = Object.fromEntries(Object.entries(tiered).map(([tier, v]) => [tier, { ...v, user_id: OTHER }]));
    batcher.after = (c) => {
      if (c !== bob.conn) return;
      batcher.after = null;
      fanout.deliver({ kind: 'presence', userId: OTHER, views: other });
    };
    fanout.deliver({ kind: 'presence', userId: SUBJECT, views: tiered });
    expect(messages(bob.socket)).toEqual(['1: for friends']);
    expect(messages(carol.socket)).toEqual(['1: for friends']);
    expect(messages(erin.socket)).toEqual(['7: for friends']);
    expect(messages(frank.socket)).toEqual(['7: for friends']);
  });
});
