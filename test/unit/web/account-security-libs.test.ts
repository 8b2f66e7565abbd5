/**
 * The Account page's "Signed-in devices" and "Change password" pieces that need no browser:
 * a login's device in words, and the calls with their errors as the SDK reports them.
 */
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/client/api.js';
import { accountApi } from '../../../src/web/lib/account-api.js';
import { deviceName } from '../../../src/web/lib/device-name.js';

describe('deviceName', () => {
  it.each([
    ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', 'Chrome on Linux'],
    ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36', 'Chrome on Linux'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0', 'Firefox on Windows'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0', 'Edge on Windows'],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15', 'Safari on macOS'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1', 'Safari on iPhone'],
    ['Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0 Mobile/15E148 Safari/604.1', 'Chrome on iPad'],
    ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36', 'Chrome on Android'],
    ['Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0', 'Firefox on Android'],
    ['Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36', 'Samsung Internet on Android'],
    ['Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', 'Chrome on ChromeOS'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 OPR/109.0.0.0', 'Opera on Windows'],
    ['Mozilla/5.0 (X11; Linux x86_64)', 'A browser on Linux'],
    ['curl/8.5.0', 'curl/8.5.0'],
    ['node', 'node'],
  ])('%s → %s', (ua, name) => {
    expect(deviceName(ua)).toBe(name);
  });

  it('says "Unknown device" for none, and cuts an unknown one to 60 characters', () => {
    expect(deviceName(null)).toBe('Unknown device');
    expect(deviceName('   ')).toBe('Unknown device');
    expect(deviceName('x'.repeat(200))).toBe(`${'x'.repeat(59)}…`);
  });
});

describe('accountApi', () => {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => async (url: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    return new Response(body === undefined ? null : JSON.stringify(body), { status, headers });
  };

  it('sends the token in the Authorization header and the body as JSON', async () => {
    calls.length = 0;
    const api = accountApi({ getToken: () => 'tok', fetchImpl: answer(200, { signed_out: 2 }) });
    expect(await api.changePassword('old-one', 'new-one-long')).toEqual({ signed_out: 2 });
    expect(calls[0]!.url).toBe('/api/v1/users/me/password');
    expect(calls[0]!.init.method).toBe('PUT');
    expect((calls[0]!.init.headers as Record<string, string>).Authorization).toBe('Bearer tok');
    expect(JSON.parse(String(calls[0]!.init.body))).toEqual({ current_password: 'old-one', new_password: 'new-one-long' });
    await accountApi({ getToken: () => 'tok', fetchImpl: answer(204, undefined) }).endSession('a/b');
    expect(calls[1]!.url).toBe('/api/v1/users/me/sessions/a%2Fb');
    expect(calls[1]!.init.body).toBeUndefined();
  });

  it("fails with the server's code, message and Retry-After; no answer at all is NETWORK_ERROR", async () => {
    const refused = await accountApi({ getToken: () => 'tok', fetchImpl: answer(429, { code: 'RATE_LIMITED', message: 'Too many wrong passwords for this account; try again in 15 min' }, { 'retry-after': '900' }) })
      .changePassword('a', 'b')
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ status: 429, code: 'RATE_LIMITED', message: 'Too many wrong passwords for this account; try again in 15 min', retryAfterMs: 900_000 });
    const proxy = await accountApi({ getToken: () => 'tok', fetchImpl: async () => new Response('<html>bad gateway</html>', { status: 502 }) }).sessions().catch((e: unknown) => e);
    expect(proxy).toMatchObject({ status: 502, code: 'INTERNAL_ERROR' });
    const offline = await accountApi({ getToken: () => 'tok', fetchImpl: async () => Promise.reject(new TypeError('Failed to fetch')) }).sessions().catch((e: unknown) => e);
    expect(offline).toMatchObject({ status: 0, code: 'NETWORK_ERROR' });
  });
});
