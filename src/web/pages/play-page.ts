/**
 * Practice match against the computer. Starting it declares `playing_pong` so friends
 * see "Playing Pong"; ending it or leaving the page declares `browsing` again.
 */
import type { Page } from './page.js';
import { errorMessage } from '../lib/error-messages.js';
import { h } from '../lib/dom.js';

export const playPage: Page = (root, ctx) => {
  const game = document.createElement('beacon-pong');
  game.className = 'block';
  const note = h('p', { class: 'min-h-5 text-sm text-slate-400', role: 'status', 'data-part': 'play-note' });

  const declare = (activity: 'playing_pong' | 'browsing'): void => {
    ctx.client.setActivity(activity).then(
      () => {
        note.textContent = activity === 'playing_pong' ? 'Your friends see you as “Playing Pong”.' : '';
      },
      (e: unknown) => {
        note.textContent = `Could not update your activity: ${errorMessage(e)}`;
      },
    );
  };
  game.addEventListener('beacon:match-start', () => declare('playing_pong'));
  game.addEventListener('beacon:match-end', () => declare('browsing'));

  root.replaceChildren(
    h(
      'div',
      { class: 'mx-auto max-w-3xl' },
      h('h1', { class: 'text-xl font-bold text-white', tabindex: -1 }, 'Practice match'),
      h('p', { class: 'mt-1 mb-4 text-sm text-slate-400' }, 'Warm up against the computer. Friends see you as “Playing Pong” while the match runs.'),
      game,
      note,
    ),
  );
  // Opened from an accepted invitation: the match starts at once, for both players.
  if (/[?&]start=1\b/.test(location.hash)) {
    history.replaceState(null, '', '#/play');
    game.start();
  }
  // Leaving mid-match (route change) must not leave friends thinking we still play.
  return () => game.stop();
};
