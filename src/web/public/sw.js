/*
 * Beacon's service worker: shows Web Push notifications ("Alice (@alice) is online") even with
 * the tab closed. When a Beacon tab is visible it shows nothing: that tab already shows the
 * same notification in the page (the socket's `notification` frame), so it never appears twice.
 */

/**
 * The system notification for a friend who came online, or null for a payload without the
 * names. Display names are not unique (anyone can rename themselves "Bo"), the @username is:
 * the title names the friend as the web app does where it asks to be trusted ("Bo (@bo) is
 * online", lib/labels.ts nameWithUsername), so a lookalike reads differently in the title too,
 * not only in the body. The text is English, so it is laid out left to right (`dir: 'ltr'`):
 * a right-to-left display name cannot turn the line around and move "(@username)" away from
 * it (names may not hold bidi controls either: the server refuses them).
 */
function friendOnlineNotification(data) {
  const name = data.display_name;
  const username = data.username;
  if (typeof name !== 'string' || name === '' || typeof username !== 'string' || username === '') return null;
  const who = username === name ? name : `${name} (@${username})`; // as nameWithUsername
  return {
    title: `${who} is online`,
    options: {
      body: `${who} just came online on Beacon.`,
      dir: 'ltr',
      tag: `friend-online-${Number(data.friend_id)}`,
      data: { url: '/#/friends' },
    },
  };
}

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  let data = null;
  try {
    data = event.data ? event.data.json() : null;
  } catch {
    data = null;
  }
  if (!data || data.type !== 'notification' || data.kind !== 'friend_online') return;
  const notification = friendOnlineNotification(data);
  if (!notification) return;
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
      if (windows.some((w) => w.visibilityState === 'visible')) return undefined;
      return self.registration.showNotification(notification.title, notification.options);
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || '/';
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
      const open = windows.find((w) => new URL(w.url).origin === self.location.origin);
      if (open) return open.focus();
      return self.clients.openWindow(url);
    }),
  );
});
