/**
 * What your friends see of you, in the words the header and your card use: "Invisible"
 * while you appear offline, and the audience when your status is restricted.
 */
import type { Settings, Status, View } from './label-types.js';
import { STATUS_SHORT } from './labels.js';

export interface OwnPresence {
  /** Short label for the header trigger: "Online", "Invisible", "Busy". */
  label: string;
  /** Who sees it, when not all friends: "Close friends see Online; other friends see you offline". */
  audience: string | null;
  /** `invisible` when nobody but admins sees the real status. */
  shown: Status | 'invisible';
}

export function ownPresence(self: View, settings: Settings | null): OwnPresence {
  const status = self.status;
  const word = STATUS_SHORT[status];
  if (settings?.status_visibility === 'hidden') {
    return { label: 'Invisible', audience: 'Everyone sees you as offline', shown: 'invisible' };
  }
  if (settings?.status_visibility === 'close_friends') {
    return { label: word, audience: `Close friends see ${word}; other friends see you offline`, shown: status };
  }
  if (settings?.status_visibility === 'public') {
    return { label: word, audience: 'Everyone can see your status', shown: status };
  }
  return { label: word, audience: null, shown: status };
}
