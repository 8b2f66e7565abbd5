/**
 * When a screen that the socket's frames keep live (friend requests, blocks, privacy settings)
 * reads its data again over REST: at every `synced` of the presence client, that is whenever
 * the client itself read the views again without the frames. A reconnect's `ready` (frames
 * sent while the socket was down were not heard), each answered poll while polling (no socket,
 * so no frame reaches the page: a new friend request or a block made on another device never
 * showed), and the refetch after a `seq` gap on an open socket (the lost frame may have been
 * this screen's). One rule for every such screen, so none is left reading only at a reconnect.
 *
 * Each caller still orders the answers against the frames heard meanwhile, draws nothing when
 * a read finds what is shown (most polls), and passes `busy` while a change of its own is on
 * its way: a read answered before the server applied it would show the data from before it.
 */
import type { PresenceClient } from '../../client/presence-client.js';

export interface ReadAgainOptions {
  /** Not at the first `synced` heard (the caller reads then anyway, e.g. a store loaded at start). */
  skipFirst?: boolean;
  /** True while a change of the caller's own is on its way: that `synced` reads nothing. */
  busy?: () => boolean;
}

/** Calls `read` at each `synced` of `client` (see above) until the returned function runs. */
export function readAgainAtSyncs(client: Pick<PresenceClient, 'on'>, read: () => void, opts: ReadAgainOptions = {}): () => void {
  let syncs = 0;
  return client.on('synced', () => {
    if ((syncs++ === 0 && opts.skipFirst === true) || opts.busy?.() === true) return;
    read();
  });
}
