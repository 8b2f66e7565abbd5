/** Entry point: registers the custom elements, then starts the app. */
import './styles.css';
import { StatusDotElement } from './elements/status-dot.js';
import { RelativeTimeElement } from './elements/relative-time.js';
import { ElapsedTimeElement } from './elements/elapsed-time.js';
import { FriendCardElement } from './elements/friend-card.js';
import { FriendListElement } from './elements/friend-list.js';
import { ConnectionStateElement } from './elements/connection-state.js';
import { StatusMessageFormElement } from './elements/status-message-form.js';
import { StatusMenuElement } from './elements/status-menu.js';
import { StillThereDialogElement } from './elements/still-there-dialog.js';
import { GameInviteDialogElement } from './elements/game-invite-dialog.js';
import { PongGameElement } from './elements/pong-game.js';
import { EmojiPickerElement } from './elements/emoji-picker.js';
import { NotificationToastElement } from './elements/notification-toast.js';
import { BeaconApp } from './app.js';

for (const el of [
  StatusDotElement,
  RelativeTimeElement,
  ElapsedTimeElement,
  FriendCardElement,
  FriendListElement,
  ConnectionStateElement,
  StatusMessageFormElement,
  StatusMenuElement,
  StillThereDialogElement,
  GameInviteDialogElement,
  PongGameElement,
  EmojiPickerElement,
  NotificationToastElement,
]) {
  el.define();
}

const root = document.getElementById('app');
if (root) void new BeaconApp(root).start();
