/**
 * "Clear after" presets for the custom status message. The expiry is a time on the server's
 * clock (it refuses one not in the future), so the presets count from the server's time
 * (lib/server-time.ts), never the device's: a device 45 minutes slow would otherwise send a
 * "30 minutes" that has already passed.
 */
import { isCodedError } from './error-messages.js';
import { serverNow } from './server-time.js';

export const CLEAR_AFTER = ['never', '30m', '1h', '4h', 'today'] as const;
export type ClearAfter = (typeof CLEAR_AFTER)[number];

export const CLEAR_AFTER_LABEL: Record<ClearAfter, string> = {
  never: "Don't clear",
  '30m': '30 minutes',
  '1h': '1 hour',
  '4h': '4 hours',
  today: 'Today',
};

/** ISO expiry for a preset, or null for "never". "Today" ends at local midnight. `now`: the server's time. */
export function expiresAt(preset: ClearAfter, now: Date = serverNow()): string | null {
  const minutes = { '30m': 30, '1h': 60, '4h': 240 } as const;
  if (preset === 'never') return null;
  if (preset === 'today') {
    const end = new Date(now);
    end.setHours(23, 59, 59, 999);
    return end.toISOString();
  }
  return new Date(now.getTime() + minutes[preset] * 60_000).toISOString();
}

/**
 * The server refused the expiry as not in the future (protocol.md §4: `400 VALIDATION_ERROR`,
 * message `expires_at must be in the future`), not the message: e.g. a "Keep current" that
 * passed meanwhile.
 */
export function isPastExpiry(e: unknown): boolean {
  return isCodedError(e) && e.code === 'VALIDATION_ERROR' && /^expires_at must be in the future/.test(e.message);
}
