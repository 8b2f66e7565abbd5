import { describe, expect, it } from 'vitest';
import { shortUnavailable, statusUnavailable } from '../../../src/web/lib/status-unavailable.js';

describe('statusUnavailable (both status menus)', () => {
  it('is null only while connected or polling', () => {
    expect(statusUnavailable({ state: 'connected', stopReason: null })).toBeNull();
    expect(statusUnavailable({ state: 'polling', stopReason: null })).toBeNull();
  });

  it('says why otherwise, in words', () => {
    expect(statusUnavailable(null)).toBe('Status unavailable (not connected)');
    expect(statusUnavailable({ state: 'connecting', stopReason: null })).toBe('Connecting…');
    expect(statusUnavailable({ state: 'reconnecting', stopReason: null })).toBe('Reconnecting…');
    expect(statusUnavailable({ state: 'offline', stopReason: null })).toBe('Status unavailable (offline)');
    expect(statusUnavailable({ state: 'offline', stopReason: 'stopped' })).toBe('Status unavailable (not connected)');
    expect(statusUnavailable({ state: 'offline', stopReason: 'unauthorized' })).toBe('Status unavailable (signed out of Beacon)');
  });

  it('says "not signed in", not "signed out of Beacon", when the page gave no token (nothing was refused)', () => {
    expect(statusUnavailable({ state: 'offline', stopReason: 'unauthorized', noToken: true })).toBe('Status unavailable (not signed in)');
    expect(statusUnavailable({ state: 'offline', stopReason: 'unauthorized', noToken: false })).toBe('Status unavailable (signed out of Beacon)');
  });
});

describe('shortUnavailable (a phone\'s header)', () => {
  it('shortens every "Status unavailable (…)" reason and leaves the short states whole', () => {
    for (const stopReason of [null, 'stopped', 'unauthorized'] as const) {
      expect(shortUnavailable(statusUnavailable({ state: 'offline', stopReason }) ?? '')).toBe('Unavailable');
    }
    expect(shortUnavailable('Reconnecting…')).toBeNull();
    expect(shortUnavailable('Connecting…')).toBeNull();
  });
});
