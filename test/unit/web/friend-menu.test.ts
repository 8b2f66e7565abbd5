/** The friend menu follows a rename: it lives as long as the friend's card, so it must not keep the old name. */
import { fakeDocument, type FakeElement } from './fake-dom.js';
import { describe, expect, it, vi } from 'vitest';
import { friendMenu, type FriendMenuContext } from '../../../src/web/pages/friend-menu.js';
import type { View } from '../../../src/protocol/index.js';

const amy: View = {
  user_id: 2, username: 'amy', display_name: 'Amy', status: 'online', activity: 'browsing',
  custom_message: null, last_seen: null, timestamp: '2024-01-15T14:30:00.000Z',
};

function context(): FriendMenuContext & { notices: string[] } {
  const notices: string[] = [];
  return {
    notices,
    notify: (t) => notices.push(t),
    afterRemove: () => undefined,
    api: {
      friends: vi.fn(async () => []),
      watches: vi.fn(async () => []),
      userPattern: vi.fn(async () => Promise.reject(new Error('not shared'))),
      setFriendCategory: vi.fn(),
      removeFriend: vi.fn(async () => undefined),
      blockUser: vi.fn(),
      inviteToGame: vi.fn(async () => 'inv-1'),
      watch: vi.fn(),
      unwatch: vi.fn(),
    },
  };
}

const part = (root: FakeElement, name: string): FakeElement => {
  const el = root.find('data-part', name);
  if (!el) throw new Error(`no [data-part=${name}]`);
  return el;
};

describe('friendMenu', () => {
  it('names the friend by their current display name after a rename, everywhere it names them', async () => {
    const ctx = context();
    const menu = friendMenu(amy, ctx);
    const root = menu.element as unknown as FakeElement;
    expect(part(root, 'friend-menu').getAttribute('aria-label')).toBe('Actions for Amy');

    menu.update({ ...amy, display_name: 'Amelia', timestamp: '2024-01-15T15:00:00.000Z' });
    expect(part(root, 'friend-menu').getAttribute('aria-label')).toBe('Actions for Amelia');
    expect(root.textContent).not.toContain('Amy');
    expect(root.textContent).toContain('Amelia is your…');
    expect(part(root, 'invite').textContent).toBe('Invite Amelia to Pong');
    expect(part(root, 'block').textContent).toBe('Block Amelia');

    // The two-step remove, and what the page is told afterwards, use the new name too.
    part(root, 'friend-menu').click();
    expect(fakeDocument.activeElement).toBe(part(root, 'category'));
    const remove = part(root, 'remove');
    remove.click();
    expect(remove.textContent).toBe('Confirm: remove Amelia');
    remove.click();
    await vi.waitFor(() => expect(ctx.notices).toEqual(['Amelia was removed from your friends.']));
  });

  it('keeps an armed step armed across a rename, and does nothing when the name did not change', () => {
    const menu = friendMenu(amy, context());
    const root = menu.element as unknown as FakeElement;
    const block = part(root, 'block');
    block.click();
    expect(block.textContent).toBe('Confirm: block Amy');
    menu.update({ ...amy, status: 'away' });
    expect(block.textContent).toBe('Confirm: block Amy');
    menu.update({ ...amy, display_name: 'Amelia' });
    expect(block.textContent).toBe('Confirm: block Amelia');
  });
});
