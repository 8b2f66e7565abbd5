/** The Account page's name form starts from the name friends see now, not the one of sign-in. */
import { FakeElement } from './fake-dom.js';
import { describe, expect, it } from 'vitest';
import { accountPage } from '../../../src/web/pages/account-page.js';
import type { AppContext } from '../../../src/web/pages/page.js';
import type { View } from '../../../src/protocol/index.js';

const me: View = {
  user_id: 1, username: 'amy', display_name: 'Amy', status: 'online', activity: 'browsing',
  custom_message: null, last_seen: null, timestamp: '2024-01-15T14:30:00.000Z',
};

function open(self: View | null): FakeElement {
  const root = new FakeElement('MAIN');
  // The user signed in as "Amy"; `self` is what the SDK keeps live (status_update carries renames).
  const ctx = { api: {}, client: { self }, user: { id: 1, username: 'amy', display_name: 'Amy', role: 'user' } } as unknown as AppContext;
  accountPage(root as unknown as HTMLElement, ctx);
  return root;
}

describe('Account page', () => {
  it('fills the name field with the live display name: a rename from another tab or device shows', () => {
    const input = open({ ...me, display_name: 'Amelia' }).find('id', 'display-name');
    expect(input?.getAttribute('value')).toBe('Amelia');
  });

  it('falls back to the signed-in user before the first snapshot', () => {
    expect(open(null).find('id', 'display-name')?.getAttribute('value')).toBe('Amy');
  });
});
