/**
 * A scripted API for UI-state screenshots (mobile, forced colours, every status) that do
 * not depend on timing. Only these pages use it; the presence suite talks to the server.
 */
import type { Page, Route } from 'playwright-core';
import type { Settings, View } from '../../src/protocol/index.js';

const ago = (ms: number): string => new Date(Date.now() - ms).toISOString();
const now = (): string => new Date().toISOString();
/**
 * Half past midnight yesterday, local time (the browser's zone is this machine's): "last seen
 * yesterday" at any hour of the day, where a fixed age such as 26 h is two calendar days back
 * between midnight and 2 am.
 */
const earlyYesterday = (): string => {
  const d = new Date();
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() - 1, 0, 30).toISOString();
};

function view(id: number, username: string, display_name: string, rest: Partial<View>): View {
  return { user_id: id, username, display_name, status: 'online', activity: 'browsing', custom_message: null, last_seen: null, timestamp: now(), ...rest };
}

export function fixtureFriends(): View[] {
  return [
    view(2, 'marvin', 'Marvin Rossi', { activity: 'chatting' }),
    view(3, 'zoe_k', 'Zoé Kovacs', { status: 'in_game', activity: 'in_tournament', custom_message: 'Quarter-final!' }),
    view(4, 'hugo', 'Hugo Lambert', { status: 'in_game', activity: 'playing_pong' }),
    view(5, 'ines', 'Inès Moreau', { status: 'busy', activity: 'managing_profile', custom_message: 'Studying for exams' }),
    view(6, 'tariq', 'Tariq Haddad', { status: 'away', activity: 'idle' }),
    view(7, 'lena', 'Lena Fischer', { status: 'offline', activity: null, last_seen: ago(5 * 60_000) }),
    view(8, 'oscar', 'Oscar Petit', { status: 'offline', activity: null, last_seen: earlyYesterday() }),
  ];
}

export const SELF: View = view(1, 'alice', 'Alice Martin', { activity: 'browsing', custom_message: 'Up for a rematch' });
const SETTINGS: Settings = {
  status_visibility: 'friends',
  activity_visibility: 'friends',
  last_seen_visibility: 'close_friends',
  custom_message_visibility: 'friends',
};

function json(route: Route, body: unknown, status = 200): Promise<void> {
  return route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
}

/** Serves the fixture API to `page`; the WebSocket is refused so the client polls it. */
export async function useFixtureApi(page: Page, friends: View[] = fixtureFriends(), self: View = SELF): Promise<void> {
  await page.addInitScript(() => localStorage.setItem('beacon.token', 'fixture-token'));
  await page.routeWebSocket(/\/ws\/status/, (ws) => ws.close());
  await page.route(/\/api\/v1\//, (route) => {
    const url = new URL(route.request().url());
    const path = url.pathname.replace('/api/v1', '');
    if (path === '/users/me') return json(route, { id: 1, username: self.username, display_name: self.display_name, role: 'user' });
    if (path === '/users/me/friends/status') return json(route, friends);
    if (path === '/users/1/status') return json(route, self);
    if (path === '/users/me/status/settings') return json(route, SETTINGS);
    if (path === '/users/me/friends/requests') return json(route, { incoming: [], outgoing: [] });
    if (path === '/users/me/friends') return json(route, []);
    return json(route, { code: 'NOT_FOUND', message: 'fixture' }, 404);
  });
}
