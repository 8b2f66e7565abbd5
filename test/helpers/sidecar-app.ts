/** Sidecar-mode apps for integration tests: host HS256 JWTs and the service API, closed after each test. */
import type { FastifyBaseLogger } from 'fastify';
import { SignJWT, type JWTPayload } from 'jose';
import { afterEach, vi } from 'vitest';
import type { HostAuthConfig } from '../../src/server/config.js';
import { startLiveApp, type LiveApp } from './live-app.js';

export const HOST_SECRET = 'host-site-secret-0123456789';
export const SERVICE_TOKEN = 'service-token-0123456789';
export const hs256: HostAuthConfig = { jwtSecret: HOST_SECRET, jwksUrl: null, issuer: null, audience: null, idClaim: 'sub', nameClaim: 'name', adminClaim: null };

/**
 * A host token as the host site signs it (HS256 with HOST_SECRET, which `hs256` verifies): host
 * id `sub`, named `name` (by default the id), `claims` besides, issued now, valid for an hour.
 * Each is new (a nonce): two signed in the same second are two tokens, as a sign-out tells apart.
 */
export function signHost(sub: string, name: string = sub, claims: JWTPayload = {}): Promise<string> {
  return new SignJWT({ name, ...claims, nonce: Math.random() })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(HOST_SECRET));
}

/** A call to the service API (`/api/v1/service…`) with the service token, as a host's back end makes it. */
export function serviceCall(live: LiveApp, method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, payload?: object) {
  return live.app.inject({ method, url: `/api/v1/service${url}`, headers: { 'x-service-token': SERVICE_TOKEN }, ...(payload ? { payload } : {}) });
}

/** Registers an afterEach that closes them; answers a starter of sidecar apps. */
export function useSidecars(): () => Promise<LiveApp> {
  const apps: LiveApp[] = [];
  afterEach(async () => {
    for (const a of apps.splice(0)) await a.close();
  });
  return async () => {
    const app = await startLiveApp({ hostAuth: hs256, serviceToken: SERVICE_TOKEN });
    apps.push(app);
    return app;
  };
}

/**
 * The reasons the app logs for host tokens it refuses (`host token refused`, info), as they are
 * logged; `restore()` gives the logger back. The client only hears 401 / 4401.
 */
export function hostTokenRefusals(log: FastifyBaseLogger): { said: string[]; restore(): void } {
  const said: string[] = [];
  const info = vi.spyOn(log, 'info').mockImplementation(function (this: unknown, ...args: unknown[]) {
    const [obj, msg] = args as [unknown, unknown];
    if (msg === 'host token refused') said.push(String((obj as { reason?: unknown }).reason));
  } as never);
  return { said, restore: () => info.mockRestore() };
}
