/** What every signed-in page receives, and how it cleans up when the route changes. */
import type { ApiClient } from '../../client/api.js';
import type { PresenceClient } from '../../client/presence-client.js';
import type { User } from '../lib/label-types.js';

export interface AppContext {
  api: ApiClient;
  client: PresenceClient;
  user: User;
  /** Re-reads the pending friend request count shown in the navigation. */
  refreshRequestBadge(): void;
}

/** Renders into `root`; the returned function runs when the user leaves the page. */
export type Page = (root: HTMLElement, ctx: AppContext) => (() => void) | void;
