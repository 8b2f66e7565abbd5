/**
 * The user's own presence changes (a status, an activity declaration) over REST, sent in the
 * order they are made so the last one made is the one that holds (docs/protocol.md), and the
 * game this client declared: remembered to be declared again over each new socket, unless the
 * server refused it.
 */
import type { Activity, ManualStatus, View } from '../protocol/index.js';
import { ApiError, type ApiClient } from './api.js';

/** What the changes read from the client when they are sent. */
export interface OwnChangesContext {
  /** The client's run (bumped by start/stop): a change still waiting when it ends is not sent. */
  run(): number;
  /** The open socket's `session_id` (its `ready`), or null: what a declaration names. */
  sessionId(): string | null;
}

export class OwnChanges {
  readonly #api: Pick<ApiClient, 'setStatus' | 'setActivity'>;
  readonly #context: OwnChangesContext;
  /**
   * The game activity this client declared last and has not ended: declared again over each new
   * socket. Set when declared; a declaration the server refuses puts back #acceptedGame (see
   * {@link #answered}).
   */
  #declaredGame: Activity | null = null;
  /** The game of the latest declaration answered and not refused (applied, or maybe: no answer came). */
  #acceptedGame: Activity | null = null;
  /** Declarations made in this client, and the latest of them that set #acceptedGame. */
  #declarations = 0;
  #acceptedDeclaration = 0;
  /** Settles when the own change (status or activity) sent last is answered or failed; null when none is on its way (see #inTurn). */
  #lastChange: Promise<void> | null = null;

  constructor(api: Pick<ApiClient, 'setStatus' | 'setActivity'>, context: OwnChangesContext) {
    this.#api = api;
    this.#context = context;
  }

  /** Sets a manual status in its turn; the server's answer. */
  setStatus(status: ManualStatus, customMessage?: string | null, expiresAt?: string | null): Promise<View> {
    return this.#inTurn(() => this.#api.setStatus(status, customMessage, expiresAt));
  }

  /**
   * Declares an activity in its turn (`keepalive`: at once, outliving the page), naming the socket
   * open when it is sent; the server's answer. See PresenceClient.setActivity.
   */
  declare(activity: Activity, keepalive: boolean): Promise<View> {
    const run = this.#context.run();
    const declaration = ++this.#declarations;
    this.#declaredGame = gameOf(activity);
    const send = () =>
      this.#api.setActivity(activity, undefined, { ...this.#declaringSession(), ...(keepalive ? { keepalive } : {}) }).then(
        (view) => (this.#answered(activity, declaration, run, false), view),
        (e: unknown) => {
          this.#answered(activity, declaration, run, e instanceof ApiError && e.status >= 400 && e.status < 500);
          throw e;
        },
      );
    return this.#inTurn(send, keepalive);
  }

  /**
   * A new socket is ready: a game still running here is its now (the server ends one no session
   * holds), declared in its turn, unless a declaration on its way by then ended it. `apply` gets
   * the answer before the change after it is sent; a failure is dropped.
   */
  redeclare(apply: (view: View) => void): void {
    if (this.#declaredGame === null) return;
    this.#inTurn(async () => {
      const game = this.#declaredGame;
      if (game !== null) apply(await this.#api.setActivity(game, undefined, this.#declaringSession()));
    }).catch(() => undefined);
  }

  /** The run ended: the game was its socket's, never declared again for whoever signs in next. */
  forget(): void {
    this.#declaredGame = this.#acceptedGame = null;
  }

  /**
   * A declaration's answer, before the change after it is sent. Applied, or with no answer (the
   * network, a 5xx: it may have been applied, and a `browsing` lost with the connection must still
   * end the game), it is the one that holds. `refused` (a 4xx, such as 409 while a game server's
   * match holds the activity): the server did not apply it, so the one accepted before it is
   * remembered again, unless a later declaration was made meanwhile (that one holds). An older
   * declaration answered after a newer one (a keepalive one is sent at once), or one of a run
   * that ended, changes nothing.
   */
  #answered(activity: Activity, declaration: number, run: number, refused: boolean): void {
    if (run !== this.#context.run()) return;
    if (refused) {
      if (declaration === this.#declarations) this.#declaredGame = this.#acceptedGame;
    } else if (declaration > this.#acceptedDeclaration) {
      this.#acceptedDeclaration = declaration;
      this.#acceptedGame = gameOf(activity);
    }
  }

  /**
   * Sends a change of the user's own presence (a status, an activity declaration) once the change
   * sent before it was answered or failed (`now`: at once). Requests sent together may reach the
   * server in either order, and the one it applies last holds: a `playing_pong` overtaken by the
   * `browsing` that ended the match a moment later would leave friends seeing "In game" with no
   * match running, a `busy` overtaken by the `online` set just after it would stay. Over the
   * socket frames keep their order, but the SDK changes over REST, which answers with the view.
   * A change still waiting when this run ends (stop(), a refused token) is not sent, as the token
   * then may be another account's: it fails `CLIENT_STOPPED` (status 0).
   */
  #inTurn<T>(send: () => Promise<T>, now = false): Promise<T> {
    const before = this.#lastChange;
    const run = this.#context.run();
    const sendInRun = (): Promise<T> =>
      run === this.#context.run() ? send() : Promise.reject(new ApiError(0, 'CLIENT_STOPPED', 'The client stopped before this change was sent'));
    // With none on its way it goes at once, in this task (a page may be going away).
    const sent = now || before === null ? send() : before.then(sendInRun);
    const done = sent.then(
      () => undefined,
      () => undefined,
    );
    this.#lastChange = done;
    void done.then(() => {
      if (this.#lastChange === done) this.#lastChange = null;
    });
    return sent;
  }

  /** The socket a declaration names when it is sent: the one open then (its `ready.session_id`). */
  #declaringSession(): { sessionId?: string } {
    const sessionId = this.#context.sessionId();
    return sessionId ? { sessionId } : {};
  }
}

/** The game an activity declares (one that shows `in_game`), or null. */
function gameOf(activity: Activity): Activity | null {
  return activity === 'playing_pong' || activity === 'in_tournament' ? activity : null;
}
