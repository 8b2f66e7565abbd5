/**
 * Finding (audit of the gateway): junk frames within the documented limits stalled the server
 * for everyone. 48 sockets of 3 accounts, each sending 18 frames a second of 13.9 KB
 * (`{"type":"heartbeat","k0":1,…,"k1499":1}`) took the server to 100–190 % CPU and a bystander's
 * change to its friend from ~2 ms to 370–835 ms: each such frame cost ~1 ms to parse and
 * validate. After `auth`, a frame over 8 KiB is now read only if one pass over its bytes finds it
 * as shallow as a valid frame (a valid activity written with `\uXXXX` escapes may take ~13 KiB),
 * and a socket's rate limit counts bytes as well as frames.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CloseCode, MAX_CHANGE_BYTES } from '../../../src/protocol/index.js';
import { MAX_MESSAGE_FRAGMENTS } from '../../../src/server/realtime/gateway.js';
import { liveFriends, type LiveApp } from '../../helpers/live-app.js';
import { openSocket } from '../../helpers/ws-client.js';

type U = { token: string; id: number };

const MANY_KEYS = `{"type":"heartbeat",${Array.from({ length: 1500 }, (_, i) => `"k${i}":1`).join(',')}}`;
const DEEP = `{"type":"heartbeat","x":${'['.repeat(8000)}${']'.repeat(8000)}}`;

describe('junk frames cost the server little', () => {
  let t: LiveApp;
  let alice: U;
  let bob: U;
  beforeEach(async () => {
    ({ t, alice, bob } = await liveFriends({ rateLimits: true }));
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await t.close();
  });

  it('refuses the audit’s frames (1,500 keys; 8,000 nested arrays) with PAYLOAD_TOO_LARGE without parsing them, and keeps the socket', async () => {
    const TOO_DEEP = 'A frame after auth over 8 KiB may nest at most 4 deep and hold at most 64 members';
    const { socket: a } = await t.connect(alice.token);
    const parse = vi.spyOn(JSON, 'parse');
    for (const junk of [MANY_KEYS, DEEP]) {
      expect(junk.length).toBeLessThan(16 * 1024);
      const err = await a.after(() => a.send(junk), (f) => f.type === 'error');
      expect(err).toEqual({ type: 'error', code: 'PAYLOAD_TOO_LARGE', message: TOO_DEEP });
    }
    expect(parse.mock.calls.filter(([text]) => text === MANY_KEYS || text === DEEP)).toEqual([]);
    expect(await a.after(() => a.send({ type: 'heartbeat' }), (f) => f.type === 'heartbeat_ack')).toEqual({ type: 'heartbeat_ack' });
    expect(a.closed).toBeNull();
  });

  it('counts a large frame as one per KiB against the socket’s rate limit: 40 small frames at once, but only 5 of 7 KiB', async () => {
    const { socket: a } = await t.connect(alice.token);
    const junk = JSON.stringify({ type: 'heartbeat', pad: 'x'.repeat(7 * 1024) }); // 1 + 7 of the 40 tokens
    const from = a.mark();
    for (let i = 0; i < 5; i++) a.send(junk);
    await a.next((f) => f.type === 'error', { from });
    a.send(junk);
    expect((await a.waitClosed()).code).toBe(CloseCode.RATE_LIMITED);
    // Small frames are counted as before: a burst of 40 is served.
    const { socket: b } = await t.connect(bob.token);
    const mark = b.mark();
    for (let i = 0; i < 40; i++) b.send({ type: 'heartbeat' });
    await b.next(() => b.since(mark).filter((f) => f.type === 'heartbeat_ack').length === 40, { from: mark });
    expect(b.closed).toBeNull();
  });

  it('accepts the largest valid frames: a message of 128 emoji sequences, 16 details of long keys and values', async () => {
    const { socket: b } = await t.connect(bob.token);
    const { socket: a } = await t.connectSeenBy(alice.token, b);
    // A subdivision flag: 8 code points of 4 bytes, one character as people see it.
    const flag = '\u{1F3F4}\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E0067}\u{E007F}';
    const message = flag.repeat(128);
    const status = JSON.stringify({ type: 'set_status', status: 'busy', custom_message: message, expires_at: '2099-01-15T16:00:00.000+05:30' });
    // Keys of 32 and values of 100 characters (what Beacon keeps), 3 bytes each.
    const details = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [String.fromCharCode(0x4e00 + i).repeat(32), String.fromCharCode(0x5e00 + i).repeat(100)]));
    const activity = JSON.stringify({ type: 'activity', activity: 'chatting', details });
    for (const frame of [status, activity]) expect(Buffer.byteLength(frame)).toBeLessThan(MAX_CHANGE_BYTES);
    const seen = b.mark();
    a.send(status);
    await b.next((f) => f.type === 'friend_status_change' && f.custom_message === message, { from: seen });
    a.send(activity);
    const change = await b.next((f) => f.type === 'friend_status_change' && f.activity === 'chatting', { from: seen });
    expect(change.activity_details).toEqual(details);
    // An error for her frames is a direct reply, written once they were read: in before her barrier's answer.
    await a.settled();
    expect(a.since(0).filter((f) => f.type === 'error')).toEqual([]);
  });

  // Finding (outside audit): a frame giving a key twice was read as its last value, where an HTTP body doing so is refused.
  it('refuses a frame that gives a field twice with an error frame naming it, applies nothing, and keeps the socket', async () => {
    const { socket: b } = await t.connect(bob.token);
    const { socket: a } = await t.connectSeenBy(alice.token, b);
    const seen = b.mark();
    const err = await a.after(() => a.send('{"type":"set_status","status":"online","status":"busy"}'), (f) => f.type === 'error');
    expect(err).toEqual({ type: 'error', code: 'VALIDATION_ERROR', message: 'Frame field "status" is given twice' });
    // The next change of the same socket reaches Bob after anything the refused frame would have caused.
    a.send({ type: 'set_status', status: 'away' });
    await b.next((f) => f.type === 'friend_status_change' && f.status === 'away', { from: seen });
    expect(b.since(seen).filter((f) => f.type === 'friend_status_change').map((f) => f.status)).toEqual(['away']);
    expect(a.closed).toBeNull();
    // As a first frame it is no valid auth: the socket closes with 4401, as for any other bad first frame.
    const first = await openSocket(t.url);
    first.send(`{"type":"auth","token":"not-a-token","token":${JSON.stringify(alice.token)}}`);
    expect((await first.waitClosed()).code).toBe(CloseCode.UNAUTHORIZED);
  });

  it('accepts a valid activity over 8 KiB: 16 details written with \\uXXXX escapes, as Python’s json.dumps does', async () => {
    const { socket: b } = await t.connect(bob.token);
    const { socket: a } = await t.connectSeenBy(alice.token, b);
    const details = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [String.fromCharCode(0x4e00 + i).repeat(32), String.fromCharCode(0x5e00 + i).repeat(100)]));
    const escaped = JSON.stringify({ type: 'activity', activity: 'chatting', details }).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    expect(Buffer.byteLength(escaped)).toBeGreaterThan(MAX_CHANGE_BYTES);
    expect(Buffer.byteLength(escaped)).toBeLessThan(16 * 1024);
    const change = await b.after(() => a.send(escaped), (f) => f.type === 'friend_status_change' && f.activity === 'chatting');
    expect(change.activity_details).toEqual(details);
    // An error for her frames is a direct reply, written once they were read: in before her barrier's answer.
    await a.settled();
    expect(a.since(0).filter((f) => f.type === 'error')).toEqual([]);
  });

  it(`closes a socket that splits one message into more than ${MAX_MESSAGE_FRAGMENTS} frames with 1008, and reads a message sent in a few`, async () => {
    // The rate limit counts messages, not the frames they arrive in: a message of 16,000 empty
    // fragments cost one token, and 8 sockets of one account, each sending 18 such messages a
    // second (within the limit), kept the server at ~40 % of a core and a bystander's heartbeat
    // from 0.5 ms to 4–12 ms (190 ms at worst).
    const { socket: a } = await t.connect(alice.token);
    const { socket: b } = await t.connect(bob.token);
    const inPieces = (pieces: string[]) => pieces.forEach((piece, i) => a.ws.send(piece, { fin: i === pieces.length - 1 }));
    // A client may split a large message: a few pieces are one message, read as any.
    expect(await a.after(() => inPieces(['{"type":', '"heart', 'beat"', '}']), (f) => f.type === 'heartbeat_ack')).toEqual({ type: 'heartbeat_ack' });
    expect(await a.after(() => inPieces([...Array<string>(MAX_MESSAGE_FRAGMENTS - 1).fill(''), '{"type":"heartbeat"}']), (f) => f.type === 'heartbeat_ack')).toEqual({ type: 'heartbeat_ack' });
    inPieces([...Array<string>(MAX_MESSAGE_FRAGMENTS).fill(''), '{"type":"heartbeat"}']);
    expect((await a.waitClosed()).code).toBe(1008);
    // Everyone else is served.
    expect(await b.after(() => b.send({ type: 'heartbeat' }), (f) => f.type === 'heartbeat_ack')).toEqual({ type: 'heartbeat_ack' });
  });
});
