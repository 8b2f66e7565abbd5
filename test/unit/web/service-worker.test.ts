/**
 * The service worker's push notification (src/web/public/sw.js), run as shipped in a sandbox
 * with a stand-in `self`. Finding: its title said "Bo is online" with the display name only,
 * so a user who renamed themselves "Bo" read exactly like the real Bo there (the @username was
 * only in the body, which some notification centres cut off). The title now names the friend
 * as the web app does where it asks to be trusted: "Bo (@bo) is online".
 */
import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';

const SOURCE = readFileSync(new URL('../../../src/web/public/sw.js', import.meta.url), 'utf8');

type Listener = (event: unknown) => void;
interface Shown {
  title: string;
  options: { body: string; tag: string; dir?: string; data: { url: string } };
}

/** Loads sw.js with a fake `self`: `push(payload)` delivers a push and answers the notifications it showed. */
function worker(windows: Array<{ visibilityState: string }> = []) {
  const listeners = new Map<string, Listener>();
  const shown: Shown[] = [];
  const self = {
    addEventListener: (type: string, fn: Listener) => listeners.set(type, fn),
    skipWaiting: () => undefined,
    clients: { matchAll: async () => windows, claim: async () => undefined },
    registration: {
      showNotification: async (title: string, options: Shown['options']) => {
        shown.push({ title, options });
      },
    },
    location: { origin: 'https://beacon.test' },
  };
  const sandbox: Record<string, unknown> = { self };
  runInNewContext(SOURCE, sandbox, { filename: 'sw.js' });
  const push = async (payload: unknown): Promise<Shown[]> => {
    const waits: Array<Promise<unknown>> = [];
    listeners.get('push')!({
      data: { json: () => (typeof payload === 'string' ? JSON.parse(payload) : payload) },
      waitUntil: (p: Promise<unknown>) => waits.push(p),
    });
    await Promise.all(waits);
    return shown.splice(0);
  };
  return { push };
}

const online = (friend_id: number, username: string, display_name: string) => ({
  type: 'notification',
  kind: 'friend_online',
  friend_id,
  username,
  display_name,
  status: 'online',
  at: '2024-01-15T14:30:00.000Z',
});

describe('the service worker’s "is online" notification', () => {
  it('names the friend with the @username in the title, as the web app does', async () => {
    const { push } = worker();
    expect(await push(online(7, 'bo', 'Bo'))).toEqual([
      {
        title: 'Bo (@bo) is online',
        options: { body: 'Bo (@bo) just came online on Beacon.', dir: 'ltr', tag: 'friend-online-7', data: { url: '/#/friends' } },
      },
    ]);
  });

  it('tells a lookalike from the real one by the title alone', async () => {
    const { push } = worker();
    const [real] = await push(online(7, 'bo', 'Bo'));
    const [lookalike] = await push(online(9, 'mallory', 'Bo'));
    expect(real!.title).toBe('Bo (@bo) is online');
    expect(lookalike!.title).toBe('Bo (@mallory) is online');
    expect(lookalike!.title).not.toBe(real!.title);
  });

  it('says what the web app’s toast says (its text, nameWithUsername + " is online")', async () => {
    const { nameWithUsername } = await import('../../../src/web/lib/labels.js');
    const { push } = worker();
    const [n] = await push(online(3, 'otto', 'Otto Lane'));
    expect(n!.title).toBe(`${nameWithUsername({ display_name: 'Otto Lane', username: 'otto' })} is online`);
    // Host modes: the username is the display name; said once, as nameWithUsername does.
    const [hosted] = await push(online(4, 'Bob B.', 'Bob B.'));
    expect(hosted!.title).toBe(`${nameWithUsername({ display_name: 'Bob B.', username: 'Bob B.' })} is online`);
    expect(hosted!.title).toBe('Bob B. is online');
  });

  it('shows nothing while a Beacon tab is visible, and nothing for a payload without the names', async () => {
    expect(await worker([{ visibilityState: 'visible' }]).push(online(7, 'bo', 'Bo'))).toEqual([]);
    const { push } = worker([{ visibilityState: 'hidden' }]);
    expect(await push({ ...online(7, 'bo', 'Bo'), username: undefined })).toEqual([]);
    expect(await push({ ...online(7, 'bo', 'Bo'), display_name: 42 })).toEqual([]);
    expect(await push({ type: 'other' })).toEqual([]);
    expect(await push(online(7, 'bo', 'Bo'))).toHaveLength(1);
  });
});
