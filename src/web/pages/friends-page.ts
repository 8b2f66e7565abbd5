/** The live friend list. */
import type { Page } from './page.js';
import type { FriendListElement } from '../elements/friend-list.js';

export const friendsPage: Page = (root, ctx) => {
  const list = document.createElement('beacon-friend-list') as FriendListElement;
  list.source = ctx.client;
  list.className = 'block';
  root.replaceChildren(list);
  return () => {
    list.source = null;
  };
};
