/**
 * Type test, checked by `tsc -p .` (npm run lint), never run: the SDK and the elements used
 * as docs/integration.md shows a host using them, under the repository's strict settings.
 * A line here that stops compiling is a host's build broken by a change of the public types.
 */
import WebSocket from 'ws';
import { PresenceClient } from '../../src/client/index.js';
import { connect } from '../../src/elements/index.js';
import type { BeaconFriendListElement, BeaconStatusElement, BeaconStatusMenuElement, FriendSelectDetail, StatusSetDetail } from '../../src/elements/index.js';

const getToken = (): string | null => 'token';

// Sidecar mode in Node: the `ws` package's WebSocket as the SDK's WebSocketImpl; a browser's too.
export const inNode = new PresenceClient({ baseUrl: 'http://127.0.0.1:3001', getToken, WebSocketImpl: WebSocket });
export const inBrowser = new PresenceClient({ baseUrl: '', getToken, WebSocketImpl: globalThis.WebSocket });

// "Listen on the element or on `document`": the detail is typed on both, without a cast.
export function listen(): void {
  document.addEventListener('beacon-friend-select', (e) => {
    const detail: FriendSelectDetail = e.detail;
    void detail.userId;
  });
  document.addEventListener('beacon-status-set', (e) => {
    const detail: StatusSetDetail = e.detail;
    void detail.status;
  });
  document.addEventListener('beacon-find-friends', (e) => {
    const detail: null = e.detail;
    void detail;
  });
  document.addEventListener('beacon-unauthorized', (e) => void e.detail.closeCode);
  document.querySelector('main')?.addEventListener('beacon-friend-select', (e) => void e.detail.username);

  // The elements by tag name.
  const list: BeaconFriendListElement | null = document.querySelector('beacon-friend-list');
  list?.addEventListener('beacon-friend-select', (e) => void e.detail.userId);
  const menu: BeaconStatusMenuElement | null = document.querySelector('beacon-status-menu');
  menu?.addEventListener('beacon-status-set', (e) => void e.detail.customMessage);
  const status: BeaconStatusElement = document.createElement('beacon-status');
  status.userId = 42;
}

// The elements' README and docs/integration.md: a token read from storage, null before the host's login.
export function connectFromStorage(): void {
  connect({ baseUrl: '/beacon', token: sessionStorage.getItem('beaconToken') });
  connect({ baseUrl: '/beacon', token: () => sessionStorage.getItem('beaconToken') });
}
