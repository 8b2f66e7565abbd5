/**
 * Practice match against the computer. Starting it declares `playing_pong` (for this tab's
 * socket); ending it or leaving the page (another route, a reload, a closed tab) declares
 * `browsing` again. A declaration from a page going away may never be sent: the server ends a
 * game the page's socket no longer holds by itself (docs/protocol.md §5 "Activities and games"). The page says who really sees "Playing Pong"
 * under the user's privacy settings (a hidden status, an activity for close friends or for
 * nobody), and says it again when those settings change while the page is open. A practice
 * started while a game server has the user in a match cannot be declared (409): the page says
 * friends see that match, and declares the practice once it ends if it still runs. A match
 * that ended before the page read a refusal is no longer held: the page asks again, a bounded
 * number of times (src/web/lib/practice-declaration.ts).
 * A match in a tab the user left in the background stands still (the browser stops drawing it),
 * and an in-game user is never asked "Still there?": friends saw "In game · Playing Pong" for as
 * long as the tab stayed open, hours after the user went elsewhere (a match an accepted
 * invitation started in the inviter's background tab too). A match hidden for
 * BACKGROUND_END_MS ends, and the page says why when the user comes back.
 */
import type { Page } from './page.js';
import { errorMessage } from '../lib/error-messages.js';
import { h } from '../lib/dom.js';
import { whoSeesYouPlay } from '../lib/own-presence.js';
import { PracticeDeclaration } from '../lib/practice-declaration.js';

/** What the page says when a game server's match holds the activity (the server's 409). */
const HELD_BY_SERVER = 'A game server has you in a match: friends see that match, not this practice, until it ends.';
/** What it says while it asks again, the match that refused the practice maybe over since. */
const CHECKING = 'Checking whether a game server’s match still holds your activity…';
/** What it says once it stopped asking: refused again and again though in no match. */
const GAVE_UP = 'A game server still refuses this practice although you seem to be in no match: friends do not see it. Start a new match to try again.';
/** How long a match may stand still in a background tab before it ends. */
export const BACKGROUND_END_MS = 30_000;
/** What the page says when the user comes back to a match that ended in the background. */
const ENDED_IN_BACKGROUND = 'Your match ended while Beacon was in the background, so friends no longer see you playing.';

export const playPage: Page = (root, ctx) => {
  const game = document.createElement('beacon-pong');
  game.className = 'block';
  const note = h('p', { class: 'min-h-5 text-sm text-slate-400', role: 'status', 'data-part': 'play-note' });
  /** Who sees what while a match runs, for the settings in force now. */
  const audience = h('p', { class: 'mb-4 text-sm text-slate-400', 'data-part': 'play-audience' });
  let playing = false;
  /** The last match ended because the tab was in the background: said until the next one starts. */
  let endedInBackground = false;
  const render = (): void => {
    const who = whoSeesYouPlay(ctx.settings.value);
    audience.textContent = `While a match runs: ${who}`;
    // The note is a live region: set it only when it says something new.
    const now = playing ? `Match on. ${who}` : endedInBackground ? ENDED_IN_BACKGROUND : '';
    if (note.textContent !== now) note.textContent = now;
  };

  /** Set while the page goes away: the declaration must outlive it. */
  let leaving = false;
  const practice = new PracticeDeclaration(ctx.client, (state, error) => {
    if (state === 'declared' || state === 'ended') {
      playing = state === 'declared';
      return render();
    }
    note.textContent =
      state === 'checking' ? CHECKING : state === 'held' ? HELD_BY_SERVER : state === 'gave_up' ? GAVE_UP : `Could not update your activity: ${errorMessage(error)}`;
  });
  /** Ends the match once the tab has been in the background for BACKGROUND_END_MS; coming back first keeps it. */
  let background: ReturnType<typeof setTimeout> | undefined;
  const watchBackground = (): void => {
    clearTimeout(background);
    if (document.visibilityState !== 'hidden' || !game.playing) return;
    background = setTimeout(() => {
      if (!game.playing) return;
      endedInBackground = true;
      game.stop();
      render();
    }, BACKGROUND_END_MS);
  };
  document.addEventListener('visibilitychange', watchBackground);
  game.addEventListener('beacon:match-start', () => {
    endedInBackground = false;
    practice.start();
    // Started in a tab already in the background (an invitation accepted meanwhile, the inviter elsewhere).
    watchBackground();
  });
  game.addEventListener('beacon:match-end', () => {
    clearTimeout(background);
    practice.end(leaving);
  });

  root.replaceChildren(
    h(
      'div',
      { class: 'mx-auto max-w-3xl' },
      h('h1', { class: 'text-xl font-bold text-white', tabindex: -1 }, 'Practice match'),
      h('p', { class: 'mt-1 text-sm text-slate-400' }, 'Warm up against the computer.'),
      audience,
      game,
      note,
    ),
  );
  // Opened from an accepted invitation: the match starts at once, for both players.
  if (/[?&]start=1\b/.test(location.hash)) {
    history.replaceState(null, '', '#/play');
    game.start();
  }
  render();
  // A change made here, in another tab or on another device shows at once; load them if not yet known.
  const offSettings = ctx.settings.onChange(render);
  if (!ctx.settings.value) ctx.settings.load().catch(() => undefined);
  // The page goes away mid-match (reload, tab closed, another site): the match ends with it.
  const onPageHide = (): void => {
    leaving = true;
    game.stop();
    leaving = false;
  };
  window.addEventListener('pagehide', onPageHide);
  // Leaving mid-match (route change) must not leave friends thinking we still play.
  return () => {
    window.removeEventListener('pagehide', onPageHide);
    document.removeEventListener('visibilitychange', watchBackground);
    clearTimeout(background);
    offSettings();
    game.stop();
    practice.dispose();
  };
};
