/**
 * The account security calls of the Account page: change the password, list the signed-in
 * devices (logins), sign one out or every other one (docs/protocol.md §4 "Other endpoints").
 * Requests and errors as the SDK's ApiClient makes them (the token in the Authorization
 * header only; failures as ApiError with the contract's code), for these routes the SDK does
 * not carry.
 */
import { ApiError } from '../../client/api.js';
import type { SessionInfo, SignedOut } from '../../protocol/index.js';

export type { SessionInfo };

export interface AccountApi {
  /** Ends every other login of the account; answers how many. */
  changePassword(currentPassword: string, newPassword: string): Promise<SignedOut>;
  /** The account's live logins, the latest used first (`current`: this one). */
  sessions(): Promise<SessionInfo[]>;
  endSession(id: string): Promise<void>;
  /** Every login but this one. */
  endOtherSessions(): Promise<SignedOut>;
}

export interface AccountApiOptions {
  getToken(): string | null;
  /** Defaults to the global `fetch`. */
  fetchImpl?: typeof fetch;
  /** A request with no answer by then fails as NETWORK_ERROR. Default 10000 ms. */
  timeoutMs?: number;
}

export function accountApi(opts: AccountApiOptions): AccountApi {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const send = opts.fetchImpl ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));

  async function request<T>(method: 'GET' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    const token = opts.getToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    try {
      res = await send(`/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      throw new ApiError(0, 'NETWORK_ERROR', err instanceof Error ? err.message : 'Network request failed');
    }
    const text = res.status === 204 ? '' : await res.text().catch(() => '');
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (res.ok) return json as T;
    const { code, message } = (typeof json === 'object' && json !== null ? json : {}) as { code?: unknown; message?: unknown };
    const retry = res.headers.get('retry-after');
    throw new ApiError(
      res.status,
      typeof code === 'string' ? code : res.status >= 500 ? 'INTERNAL_ERROR' : 'HTTP_ERROR',
      typeof message === 'string' ? message : `Request failed with status ${res.status}`,
      retry && /^\d+$/.test(retry) ? Number(retry) * 1000 : undefined,
    );
  }

  return {
    changePassword: (currentPassword, newPassword) => request('PUT', '/users/me/password', { current_password: currentPassword, new_password: newPassword }),
    sessions: () => request('GET', '/users/me/sessions'),
    endSession: async (id) => {
      await request('DELETE', `/users/me/sessions/${encodeURIComponent(id)}`);
    },
    endOtherSessions: () => request('DELETE', '/users/me/sessions'),
  };
}
