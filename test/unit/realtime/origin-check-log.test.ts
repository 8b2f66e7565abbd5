/**
 * A refused socket upgrade is logged with what would let its origin in (origin-check.ts): an
 * adopter whose page under a proxy only ever polls must find in the log which setting to change,
 * not just "origin not allowed".
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { CALLER_LINES_PER_MINUTE, LINES_PER_MINUTE } from '../../../src/server/refused-origins.js';
import { originCheck } from '../../../src/server/realtime/origin-check.js';

function attempt(check: ReturnType<typeof originCheck>, origin: string, host = 'beacon.internal:3000', ip = '203.0.113.7') {
  const logged: Array<{ obj: Record<string, unknown>; msg: string }> = [];
  let status = 0;
  const req = { headers: { origin, host }, ip, protocol: 'http', log: { warn: (obj: Record<string, unknown>, msg: string) => void logged.push({ obj, msg }) } } as unknown as FastifyRequest;
  const reply = { status: (code: number) => ((status = code), { send: async () => undefined }) } as unknown as FastifyReply;
  return { run: check(req, reply), logged, status: () => status };
}

describe('a refused upgrade says how to allow its origin', () => {
  it('with no list set: the origin it was compared with, and the settings that would let the page in', async () => {
    const a = attempt(originCheck(null), 'https://site.example');
    await a.run;
    expect(a.status()).toBe(403);
    expect(a.logged).toHaveLength(1);
    expect(a.logged[0]!.msg).toBe('websocket upgrade refused: origin not allowed (said once per origin)');
    expect(a.logged[0]!.obj.origin).toBe('https://site.example');
    expect(a.logged[0]!.obj.hint).toContain('http://beacon.internal:3000');
    expect(a.logged[0]!.obj.hint).toContain('BEACON_CORS_ORIGINS');
    expect(a.logged[0]!.obj.hint).toContain('BEACON_TRUST_PROXY');
  });

  it('with a list set: the settings to add it to', async () => {
    const a = attempt(originCheck(['https://game.example']), 'https://site.example');
    await a.run;
    expect(a.status()).toBe(403);
    expect(a.logged[0]!.obj.hint).toContain('BEACON_ALLOWED_ORIGINS');
  });

  it('an allowed origin is neither refused nor logged', async () => {
    const a = attempt(originCheck(['https://site.example']), 'https://site.example');
    await a.run;
    expect(a.status()).toBe(0);
    expect(a.logged).toEqual([]);
  });
});

describe('the refusal lines are bounded, the refusals are not', () => {
  // Review finding: every refused upgrade wrote a warn line, so one caller could flood the log.
  it('the same origin refused 50 times is logged once, and refused with 403 every time', async () => {
    const clock = { now: 0 };
    const check = originCheck(null, [], { now: () => clock.now });
    const lines: unknown[] = [];
    for (let i = 0; i < 50; i++) {
      const a = attempt(check, 'https://site.example');
      await a.run;
      expect(a.status()).toBe(403);
      lines.push(...a.logged);
      clock.now += 1_000;
    }
    expect(lines).toHaveLength(1);
  });

  it('many distinct origins: at most LINES_PER_MINUTE lines a minute, the next line counts those not said; each refused with 403', async () => {
    const clock = { now: 0 };
    const check = originCheck(['https://game.example'], [], { now: () => clock.now });
    const lines: Array<{ obj: Record<string, unknown>; msg: string }> = [];
    // From many callers (addresses), so that each stays within its own share.
    let caller = 0;
    const refuse = async (origin: string) => {
      const a = attempt(check, origin, undefined, `198.51.100.${caller++ % 250}`);
      await a.run;
      expect(a.status()).toBe(403);
      lines.push(...a.logged);
    };
    for (let i = 0; i < LINES_PER_MINUTE + 30; i++) await refuse(`https://flood${i}.example`);
    expect(lines).toHaveLength(LINES_PER_MINUTE);
    clock.now += 59_999;
    await refuse('https://late.example');
    expect(lines).toHaveLength(LINES_PER_MINUTE);
    clock.now += 1;
    await refuse('https://next.example');
    expect(lines).toHaveLength(LINES_PER_MINUTE + 1);
    expect(lines.at(-1)!.obj).toMatchObject({ origin: 'https://next.example', origins_not_said: 31 });
    expect(lines.at(-1)!.obj.hint).toContain('BEACON_ALLOWED_ORIGINS');
  });

  // Review 196: one caller cycling through 20 new origins a minute kept every other refused origin
  // (a real page on an origin the operator forgot to list) out of the log.
  it('one caller cycling through new origins takes CALLER_LINES_PER_MINUTE lines; another caller’s refusal is still said that minute', async () => {
    const clock = { now: 0 };
    const check = originCheck(['https://game.example'], [], { now: () => clock.now });
    const lines: Array<{ obj: Record<string, unknown>; msg: string }> = [];
    for (let i = 0; i < 50; i++) {
      const a = attempt(check, `https://flood${i}.example`, undefined, '203.0.113.66');
      await a.run;
      expect(a.status()).toBe(403);
      lines.push(...a.logged);
      clock.now += 100;
    }
    expect(lines).toHaveLength(CALLER_LINES_PER_MINUTE);
    const real = attempt(check, 'https://forgotten.example', undefined, '192.0.2.10');
    await real.run;
    expect(real.logged).toHaveLength(1);
    expect(real.logged[0]!.obj).toMatchObject({ origin: 'https://forgotten.example', origins_not_said: 50 - CALLER_LINES_PER_MINUTE });
  });

  // An IPv6 host is commonly given a whole /64: a new address in it for each origin is one caller (client-address.ts).
  it('a caller rotating its IPv6 addresses inside one /64 is one caller', async () => {
    const clock = { now: 0 };
    const check = originCheck(['https://game.example'], [], { now: () => clock.now });
    const lines: Array<{ obj: Record<string, unknown>; msg: string }> = [];
    for (let i = 0; i < 50; i++) {
      const a = attempt(check, `https://flood${i}.example`, undefined, `2001:db8:1:2::${(i + 1).toString(16)}`);
      await a.run;
      expect(a.status()).toBe(403);
      lines.push(...a.logged);
      clock.now += 100;
    }
    expect(lines).toHaveLength(CALLER_LINES_PER_MINUTE);
    const real = attempt(check, 'https://forgotten.example', undefined, '2001:db8:9:9::1');
    await real.run;
    expect(real.logged).toHaveLength(1);
    expect(real.logged[0]!.obj).toMatchObject({ origin: 'https://forgotten.example', origins_not_said: 50 - CALLER_LINES_PER_MINUTE });
  });

  it('an origin of any length is cut in the line', async () => {
    const a = attempt(originCheck(null), `https://${'a'.repeat(5000)}.example`);
    await a.run;
    expect(a.status()).toBe(403);
    expect((a.logged[0]!.obj.origin as string).length).toBeLessThanOrEqual(201);
  });

  it('a Host of any length is cut in the hint too (the caller chooses it; review 196)', async () => {
    const a = attempt(originCheck(null), 'https://site.example', `${'h'.repeat(8000)}.example`);
    await a.run;
    expect(a.status()).toBe(403);
    const hint = a.logged[0]!.obj.hint as string;
    expect(hint).toContain(`http://${'h'.repeat(200)}…)`);
    expect(hint.length).toBeLessThan(600);
  });
});
