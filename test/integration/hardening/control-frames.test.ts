/**
 * Finding (outside audit): ping and pong frames bypassed the per-socket frame rate limit. One
 * authenticated socket sent ~400,000 masked pongs of 125 bytes in 5 s (500 per 5 ms) and was
 * never closed, costing the server about a core; a ping flood was dropped by ws with 1006 and no
 * close frame instead of the documented 4429. Control frames now take a token of the socket's
 * bucket like any other frame (before and after `auth`), and a flood of them closes with 4429.
 * The fake clock does not move unless a test moves it, so the bucket only refills when it does.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../../../src/protocol/index.js';
import { liveFriends, type LiveApp } from '../../helpers/live-app.js';
import { openSocket, type TestSocket } from '../../helpers/ws-client.js';

type U = { token: string; id: number };

/** The audit's control frames: the largest payload a control frame may carry. */
const PAYLOAD = Buffer.alloc(125, 0x61);
const FLOOD = 500;

/** Whether `s` still answers a heartbeat (its socket is open and read). */
async function answers(s: TestSocket): Promise<boolean> {
  return (await s.after(() => s.send({ type: 'heartbeat' }), (f) => f.type === 'heartbeat_ack')).type === 'heartbeat_ack';
}

describe('ping and pong frames count against the socket’s frame rate limit', () => {
  let t: LiveApp;
  let alice: U;
  let bob: U;
  beforeEach(async () => {
    ({ t, alice, bob } = await liveFriends({ rateLimits: true }));
  });
  afterEach(async () => {
    await t.close();
  });

  it('closes a pong flood with 4429 while another user’s socket keeps getting its frames', async () => {
    const { socket: b } = await t.connect(bob.token);
    const { socket: a } = await t.connectSeenBy(alice.token, b);
    const seen = b.mark();
    for (let i = 0; i < FLOOD; i++) a.ws.pong(PAYLOAD);
    expect((await a.waitClosed()).code).toBe(CloseCode.RATE_LIMITED);
    // Bob is still served: his own frames, and Alice going offline once her grace has run out.
    expect(await answers(b)).toBe(true);
    await t.advance(t.app.services.config.offlineGraceMs + 1);
    await b.next((f) => f.type === 'friend_status_change' && f.friend_id === alice.id && f.status === 'offline', { from: seen });
    expect(b.closed).toBeNull();
  });

  it('closes a ping flood with 4429, not a dropped connection (1006)', async () => {
    const { socket: a } = await t.connect(alice.token);
    for (let i = 0; i < FLOOD; i++) a.ws.ping(PAYLOAD);
    expect((await a.waitClosed()).code).toBe(CloseCode.RATE_LIMITED);
  });

  it('closes a pong flood before auth with 4429', async () => {
    const a = await openSocket(t.url);
    for (let i = 0; i < FLOOD; i++) a.ws.pong(PAYLOAD);
    expect((await a.waitClosed()).code).toBe(CloseCode.RATE_LIMITED);
  });

  it('takes a burst of 40 frames of any kind at once, and the 41st closes', async () => {
    const { socket: a } = await t.connect(alice.token);
    for (let i = 0; i < 20; i++) a.ws.pong(PAYLOAD);
    for (let i = 0; i < 19; i++) a.ws.ping(PAYLOAD);
    expect(await answers(a)).toBe(true);
    expect(a.closed).toBeNull();
    a.ws.pong(PAYLOAD);
    expect((await a.waitClosed()).code).toBe(CloseCode.RATE_LIMITED);
  });

  it('never closes a client that answers each of the server’s pings, one per heartbeat interval', async () => {
    const { socket: a } = await t.connect(alice.token);
    const interval = t.app.services.config.heartbeatIntervalMs;
    let pings = 0;
    a.ws.on('ping', () => pings++);
    // Well past the burst: each round the server pings, the client's ws answers with a pong,
    // and a heartbeat (sent after that pong, so read after it) proves the pong was counted.
    for (let round = 1; round <= 60; round++) {
      await t.advance(interval);
      t.app.gateway.sweep();
      while (pings < round) await new Promise((r) => setTimeout(r, 2));
      expect(await answers(a)).toBe(true);
    }
    expect(a.closed).toBeNull();
  });
});
