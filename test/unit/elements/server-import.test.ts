/**
 * `@beacon-presence/elements` imported where there is no DOM: frameworks that render pages on
 * the server evaluate a page's imports there too. The import must not throw, and defines
 * nothing (the elements are defined in the browser, where the same import runs again).
 */
import { describe, expect, it } from 'vitest';

describe('the elements imported outside a browser', () => {
  it('import without HTMLElement or customElements, export their API, and define nothing', async () => {
    expect([typeof HTMLElement, typeof customElements]).toEqual(['undefined', 'undefined']);
    const elements = await import('../../../src/elements/index.js');
    expect(Object.keys(elements).sort()).toEqual([
      'BeaconElement',
      'BeaconFriendListElement',
      'BeaconStatusElement',
      'BeaconStatusMenuElement',
      'FIND_FRIENDS',
      'FRIEND_SELECT',
      'STATUS_SET',
      'UNAUTHORIZED',
      'connect',
      'defaultConnection',
      'defineElements',
      'disconnect',
    ]);
    expect([typeof HTMLElement, typeof customElements]).toEqual(['undefined', 'undefined']);
  });
});
