/**
 * Web Push in the browser: the service worker at /sw.js, and turning push on and off for
 * this browser (permission, pushManager.subscribe with the server's VAPID key, saving the
 * subscription). In-page notifications need none of this: they come over the socket.
 */
import type { ApiClient } from '../../client/api.js';

type PushApi = Pick<ApiClient, 'vapidPublicKey' | 'savePushSubscription' | 'deletePushSubscription'>;

export type PushState = 'unsupported' | 'denied' | 'off' | 'on';

/** Whether this browser can receive Web Push at all (service workers need a secure context). */
export function pushSupported(): boolean {
  return typeof navigator !== 'undefined' && 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window && window.isSecureContext;
}

/** Registers /sw.js (once per page load); resolves null where service workers are unavailable. */
let registering: Promise<ServiceWorkerRegistration | null> | null = null;
export function registerWorker(): Promise<ServiceWorkerRegistration | null> {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return Promise.resolve(null);
  registering ??= navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((err: unknown) => {
    console.warn('service worker not registered', err);
    return null;
  });
  return registering;
}

/**
 * Push in this browser for the signed-in account. `saved`: the endpoints the server keeps for
 * the account (`push_endpoints` of the notification settings). A subscription this browser
 * still holds is 'off' when the server no longer has it: the login that saved it ended (signed
 * out from another device, a password change), or another account saved it last; turning
 * push on saves it again.
 */
export async function pushState(saved: readonly string[]): Promise<PushState> {
  if (!pushSupported()) return 'unsupported';
  if (Notification.permission === 'denied') return 'denied';
  const reg = await registerWorker();
  const sub = reg ? await reg.pushManager.getSubscription() : null;
  if (!sub || Notification.permission !== 'granted') return 'off';
  return saved.includes(normalEndpoint(sub.endpoint)) ? 'on' : 'off';
}

/** The form the server saves an endpoint in (`new URL(endpoint).href`). */
function normalEndpoint(endpoint: string): string {
  try {
    return new URL(endpoint).href;
  } catch {
    return endpoint;
  }
}

/** Asks for permission, subscribes with the server's key and saves the subscription. */
export async function enablePush(api: PushApi): Promise<PushState> {
  if (!pushSupported()) return 'unsupported';
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') return permission === 'denied' ? 'denied' : 'off';
  const reg = await registerWorker();
  if (!reg) return 'unsupported';
  const key = await api.vapidPublicKey();
  const sub = (await reg.pushManager.getSubscription()) ?? (await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: fromBase64Url(key) }));
  const json = sub.toJSON();
  await api.savePushSubscription({ endpoint: sub.endpoint, keys: { p256dh: json.keys?.p256dh ?? '', auth: json.keys?.auth ?? '' } });
  return 'on';
}

/** Stops pushes to this browser: forgotten by the server, then unsubscribed here. */
export async function disablePush(api: PushApi): Promise<PushState> {
  const reg = await registerWorker();
  const sub = reg ? await reg.pushManager.getSubscription() : null;
  if (sub) {
    await api.deletePushSubscription(sub.endpoint).catch(() => undefined);
    await sub.unsubscribe();
  }
  // Nothing of this browser's is saved any more.
  return pushState([]);
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const raw = atob(b64);
  const out = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}
