/*
 * Beacon's service worker: shows Web Push notifications ("Alice is online") even with the
 * tab closed. When a Beacon tab is visible it shows nothing: that tab already shows the
 * same notification in the page (the socket's `notification` frame), so it never appears twice.
 */
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
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
      if (windows.some((w) => w.visibilityState === 'visible')) return undefined;
      const name = String(data.display_name);
      return self.registration.showNotification(`${name} is online`, {
        body: `${name} (@${String(data.username)}) just came online on Beacon.`,
        tag: `friend-online-${Number(data.friend_id)}`,
        data: { url: '/#/friends' },
      });
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
