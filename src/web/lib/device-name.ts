/**
 * A login's device in words, from the User-Agent it logged in with: "Firefox on Android",
 * "Chrome on Windows", "Safari on iPhone". What is not recognised is shown as sent (cut to 60
 * characters: an SDK's or a script's own name), and a login that sent none is "Unknown device".
 */

const BROWSERS: ReadonlyArray<[RegExp, string]> = [
  [/\bEdg(?:e|A|iOS)?\//, 'Edge'],
  [/\bOPR\/|\bOpera\b/, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
  [/\bCriOS\/|Chrome\/|\bChromium\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
];

const SYSTEMS: ReadonlyArray<[RegExp, string]> = [
  [/\biPhone\b/, 'iPhone'],
  [/\biPad\b/, 'iPad'],
  [/\bAndroid\b/, 'Android'],
  [/\bWindows\b/, 'Windows'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b/, 'Linux'],
];

const MAX_SHOWN = 60;

const first = (table: ReadonlyArray<[RegExp, string]>, ua: string): string | null => table.find(([re]) => re.test(ua))?.[1] ?? null;

export function deviceName(userAgent: string | null): string {
  const ua = userAgent?.trim() ?? '';
  if (ua === '') return 'Unknown device';
  const browser = first(BROWSERS, ua);
  const system = first(SYSTEMS, ua);
  if (browser && system) return `${browser} on ${system}`;
  if (browser) return browser;
  if (system) return `A browser on ${system}`;
  return [...ua].length > MAX_SHOWN ? `${[...ua].slice(0, MAX_SHOWN - 1).join('')}…` : ua;
}
