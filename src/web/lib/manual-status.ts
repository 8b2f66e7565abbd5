/**
 * The manual status a status menu checks (and sends again with a message): the one the user
 * chose, never the status shown. A game shows `in_game`, a schedule or the calendar `busy` or
 * `away`, idleness `away`, yet the choice underneath stays; sending the status shown instead
 * would turn Busy into Online after a game, or make a scheduled Busy permanent.
 */
import type { ManualStatus, View } from './label-types.js';

/**
 * The own view's `manual_status` (docs/protocol.md §3). Only a server without that field
 * leaves it to be guessed from the status shown and `previous` (the menu's last known choice).
 */
export function chosenManualStatus(self: View | null | undefined, previous: ManualStatus): ManualStatus {
  if (!self) return previous;
  if (self.manual_status) return self.manual_status;
  const shown = self.status;
  if (shown === 'busy') return 'busy';
  if (previous === 'busy' && shown !== 'in_game') return shown === 'away' ? 'away' : 'online';
  return previous;
}
