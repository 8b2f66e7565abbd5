/**
 * `@beacon-presence/elements`: drop-in custom elements for any page. Importing this module
 * defines <beacon-friend-list>, <beacon-status> and <beacon-status-menu>; `connect()` gives
 * them their data:
 *
 *   import { connect } from '@beacon-presence/elements';
 *   connect({ baseUrl: '/beacon', token });
 */
import { BeaconFriendListElement } from './friend-list-element.js';
import { BeaconStatusElement } from './status-element.js';
import { BeaconStatusMenuElement } from './status-menu-element.js';

export { connect, defaultConnection, disconnect, type BeaconConnection, type ConnectOptions } from './connection.js';
export { FIND_FRIENDS, FRIEND_SELECT, STATUS_SET, UNAUTHORIZED, type FriendSelectDetail, type StatusSetDetail } from './events.js';
export { BeaconElement } from './beacon-element.js';
export { BeaconFriendListElement, BeaconStatusElement, BeaconStatusMenuElement };

/** Defines the three elements under their default names (done on import; safe to call again). */
export function defineElements(registry: CustomElementRegistry = customElements): void {
  BeaconFriendListElement.define(undefined, registry);
  BeaconStatusElement.define(undefined, registry);
  BeaconStatusMenuElement.define(undefined, registry);
}

if (typeof customElements !== 'undefined') defineElements();
