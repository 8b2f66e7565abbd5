/**
 * A refused socket upgrade is logged with what would let its origin in (origin-check.ts): an
 * adopter whose page under a proxy only ever polls must find in the log which setting to change,
 * not just "origin not allowed".
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { originCheck } from '../../../src/server/realtime/origin-check.js';

function attempt(check: ReturnType<typeof originCheck>, origin: string, host = 'beacon.internal:3000') {
  const logged: Array<{ obj: Record<string, unknown>; msg: string }> = [];
  let status = 0;
  const req = { headers: { origin, host }, protocol: 'http', log: { warn: (obj: Record<string, unknown>, msg: string) => void logged.push({ obj, msg }) } } as unknown as FastifyRequest;
  const reply = { status: (code: number) => ((status = code), { send: async () => undefined }) } as unknown as FastifyReply;
  return { run: check(req, reply), logged, status: () => status };
}

describe('a refused upgrade says how to allow its origin', () => {
  it('with no list set: the origin it was compared with, and the settings that would let the page in', async () => {
    const a = attempt(originCheck(null), 'https://site.example');
    await a.run;
    expect(a.status()).toBe(403);
    expect(a.logged).toHaveLength(1);
    expect(a.logged[0]!.msg).toBe('websocket upgrade refused: origin not allowed');
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
