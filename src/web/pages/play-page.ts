/**
 * Practice match against the computer. Starting it declares `playing_pong` (for this tab's
 * socket); ending it or leaving the page (another route, a reload, a closed tab) declares
 * `browsing` again. A declaration from a page going away may never be sent: the server ends a
 * game the page's socket no longer holds by itself (docs/protocol.md §5 "Activities and games"). The page says who really sees "Playing Pong"
 * under the user's privacy settings (a hidden status, an activity for close friends or for
 * nobody), and says it again when those settings change while the page is open. A practice
 * started while a game server has the user in a match cannot be declared (409): the page says
 * friends see that match, and declares the practice once it ends if it still runs. A match
 * that ended before the page read the refusal is no longer held: the page asks again once.
 */
import type { Page } from './page.js';
import { errorMessage, isCodedError } from '../lib/error-messages.js';
import { h } from '../lib/dom.js';
import { whoSeesYouPlay } from '../lib/own-presence.js';

/** What the page says when a game server's match holds the activity (the server's 409). */
const HELD_BY_SERVER = 'A game server has you in a match: friends see that match, not this practice, until it ends.';
/** What it says while it asks again, the match that refused the practice maybe over since. */
const CHECKING = 'Checking whether a game server’s match still holds your activity…';

export const playPage: Page = (root, ctx) => {
  const game = document.createElement('beacon-pong');
  game.className = 'block';
  const note = h('p', { class: 'min-h-5 text-sm text-slate-400', role: 'status', 'data-part': 'play-note' });
  /** Who sees what while a match runs, for the settings in force now. */
  const audience = h('p', { class: 'mb-4 text-sm text-slate-400', 'data-part': 'play-audience' });
  let playing = false;
  const render = (): void => {
    const who = whoSeesYouPlay(ctx.settings.value);
    audience.textContent = `While a match runs: ${who}`;
    // The note is a live region: set it only when it says something new.
    const now = playing ? `Match on. ${who}` : '';
    if (note.textContent !== now) note.textContent = now;
  };

  /** Set while the page goes away: the declaration must outlive it. */
  let leaving = false;
  /** A practice match runs on this page. */
  let running = false;
  /**
   * A game server has the user in a match, which no client may change (409): friends see that
   * one. The practice is declared once it ends (the own view leaves `in_game`), if still running.
   */
  let heldByServer = false;
  const declare = (activity: 'playing_pong' | 'browsing', retry = true): void => {
    ctx.client.setActivity(activity, { keepalive: leaving }).then(
      () => {
        playing = activity === 'playing_pong';
        render();
      },
      (e: unknown) => {
        if (activity === 'playing_pong' && isCodedError(e) && e.code === 'CONFLICT') return refused(retry);
        note.textContent = `Could not update your activity: ${errorMessage(e)}`;
      },
    );
  };
  /**
   * The server refused the practice (409): a game server's match held the activity when it
   * answered. That match may have ended before the page read the answer, and the page may have
   * heard so already (its own view no longer `in_game`), when no later change would come to
   * declare the practice: then it asks once more (saying it checks meanwhile), and the answer
   * says the truth. Refused again, or the own view still in the match: held until it ends.
   */
  const refused = (retry: boolean): void => {
    if (!running) return;
    if (retry && ctx.client.self !== null && ctx.client.self.status !== 'in_game') {
      note.textContent = CHECKING;
      return declare('playing_pong', false);
    }
    heldByServer = true;
    note.textContent = HELD_BY_SERVER;
  };
  game.addEventListener('beacon:match-start', () => {
    running = true;
    declare('playing_pong');
  });
  game.addEventListener('beacon:match-end', () => {
    running = false;
    // Nothing of this page's to end while the game server's match holds the activity.
    if (heldByServer) {
      heldByServer = false;
      note.textContent = '';
      return;
    }
    declare('browsing');
  });
  const offSelf = ctx.client.on('self', (self) => {
    if (!heldByServer || self.status === 'in_game') return;
    heldByServer = false;
    if (running) declare('playing_pong');
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
    offSettings();
    offSelf();
    game.stop();
  };
};
