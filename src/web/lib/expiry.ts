/** "Clear after" presets for the custom status message, as pure functions of `now`. */
export const CLEAR_AFTER = ['never', '30m', '1h', '4h', 'today'] as const;
export type ClearAfter = (typeof CLEAR_AFTER)[number];

export const CLEAR_AFTER_LABEL: Record<ClearAfter, string> = {
  never: "Don't clear",
  '30m': '30 minutes',
  '1h': '1 hour',
  '4h': '4 hours',
  today: 'Today',
};

/** ISO expiry for a preset, or null for "never". "Today" ends at local midnight. */
export function expiresAt(preset: ClearAfter, now: Date): string | null {
  const minutes = { '30m': 30, '1h': 60, '4h': 240 } as const;
  if (preset === 'never') return null;
  if (preset === 'today') {
    const end = new Date(now);
    end.setHours(23, 59, 59, 999);
    return end.toISOString();
  }
  return new Date(now.getTime() + minutes[preset] * 60_000).toISOString();
}
