/**
 * Extra users driven over the public API and a Node WebSocket, only to make the friend
 * list look like a real one in screenshots. The users under test go through the UI.
 */
import WebSocket from 'ws';

export interface ApiUser {
  token: string;
  id: number;
  socket: WebSocket | null;
}

export async function api<T>(baseUrl: string, token: string | null, method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${baseUrl}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Registers a user over the API (no socket): their token and id. */
export async function registerUser(baseUrl: string, username: string, displayName = username): Promise<{ token: string; id: number }> {
  const r = await api<{ token: string; user: { id: number } }>(baseUrl, null, 'POST', '/auth/register', {
    username,
    password: 'correct horse battery',
    display_name: displayName,
  });
  return { token: r.token, id: r.user.id };
}

/** `a` sends `b` a friend request and `b` accepts it, over the API. */
export async function befriendOverApi(baseUrl: string, a: { token: string }, b: { token: string; id: number }): Promise<void> {
  const sent = await api<{ request: { id: number } }>(baseUrl, a.token, 'POST', '/users/me/friends/requests', { user_id: b.id });
  await api(baseUrl, b.token, 'POST', `/users/me/friends/requests/${sent.request.id}/accept`);
}

/** Opens `/ws/status` for `token` and resolves once the server sent `ready`. */
export function openSocket(baseUrl: string, token: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws/status`);
    const timer = setTimeout(() => reject(new Error('no ready frame within 5 s')), 5_000);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token })));
    ws.on('message', (data: WebSocket.RawData) => {
      const frame = JSON.parse(data.toString()) as { type?: string };
      if (frame.type === 'ready') {
        clearTimeout(timer);
        // Keep the session alive for the whole suite (the server drops silent sockets).
        const beat = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send('{"type":"heartbeat"}'), 10_000);
        ws.on('close', () => clearInterval(beat));
        resolve(ws);
      }
    });
    ws.on('error', reject);
  });
}

/** Registers `username`, befriends `friendToken`'s user, and stays connected. */
export async function connectedFriend(baseUrl: string, username: string, displayName: string, friendToken: string): Promise<ApiUser> {
  const { token, user } = await api<{ token: string; user: { id: number } }>(baseUrl, null, 'POST', '/auth/register', {
    username,
    password: 'correct horse battery',
    display_name: displayName,
  });
  const friend = await api<{ id: number }>(baseUrl, friendToken, 'GET', '/users/me');
  const sent = await api<{ request?: { id: number } }>(baseUrl, token, 'POST', '/users/me/friends/requests', { user_id: friend.id });
  if (sent.request) await api(baseUrl, friendToken, 'POST', `/users/me/friends/requests/${sent.request.id}/accept`);
  const socket = await openSocket(baseUrl, token);
  return { token, id: user.id, socket };
}
