/** What every signed-in page receives, and how it cleans up when the route changes. */
import type { ApiClient } from '../../client/api.js';
import type { PresenceClient } from '../../client/presence-client.js';
import type { User } from '../lib/label-types.js';
import type { RequestsStore } from '../lib/requests-store.js';
import type { SettingsStore } from '../lib/settings-store.js';
import type { FriendsTab } from '../router.js';

export interface AppContext {
  api: ApiClient;
  client: PresenceClient;
  user: User;
  /** Pending friend requests, live over the socket (badge and Pending tab). */
  requests: RequestsStore;
  /** Own privacy settings, shared by header, status menu, own card and Privacy page. */
  settings: SettingsStore;
  /**
   * Deletes the account (password entered again), then signs out in one step: the login page,
   * saying the account was deleted, with nothing of the account left in this browser. Rejects
   * (the session going on) when the server refuses, e.g. a wrong password.
   */
  deleteAccount(password: string): Promise<void>;
}

/** Renders into `root`; the returned function runs when the user leaves the page. */
export type Page = (root: HTMLElement, ctx: AppContext, opts?: { tab?: FriendsTab }) => (() => void) | void;
