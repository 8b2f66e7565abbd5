/**
 * The web app's one estimate of the server's clock (client/server-clock.ts), kept for the
 * page's life: the session's PresenceClient feeds it (app.ts), and every time measured
 * against the server's (a friend's "last seen", an activity's "12 min", the "Clear after"
 * presets) reads `serverNow()` instead of the device's clock, which may be minutes off.
 */
import { ServerClock } from '../../client/server-clock.js';

export const serverClock = new ServerClock();

/** The server's time now, as this page estimates it (the device's clock until a view arrived). */
export function serverNow(): Date {
  return new Date(serverClock.now());
}
