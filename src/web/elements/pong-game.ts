/**
 * <beacon-pong>: practice Pong against the computer on a <canvas>, first to 5.
 * Keyboard (W/S or arrows) and touch. Fires `beacon:match-start` and `beacon:match-end`
 * (bubbling) so the page can tell friends we are playing.
 */
import { FIELD, WINNING_SCORE, isOver, newMatch, step, type PongState } from '../lib/pong-engine.js';
import { h } from '../lib/dom.js';

export interface MatchEndDetail {
  player: number;
  cpu: number;
  /** false when the match was abandoned rather than played to the end. */
  finished: boolean;
}

const UP = new Set(['w', 'W', 'ArrowUp']);
const DOWN = new Set(['s', 'S', 'ArrowDown']);

export class PongGameElement extends HTMLElement {
  static define(tag = 'beacon-pong', registry = customElements): typeof PongGameElement {
    if (!registry.get(tag)) registry.define(tag, this);
    return this;
  }

  #canvas = h('canvas', {
    width: FIELD.width,
    height: FIELD.height,
    tabindex: 0,
    role: 'img',
    'aria-label': 'Pong field. Move your paddle with W and S, the arrow keys, or by dragging.',
    class: 'block aspect-[8/5] w-full touch-none rounded-xl border border-slate-700 bg-slate-950 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-400',
  });
  #score = h('p', { class: 'text-lg font-semibold tabular-nums', 'aria-live': 'polite', 'data-part': 'score' });
  #start = h('button', { type: 'button', class: 'beacon-btn-primary', 'data-part': 'start' }, 'Start match');
  #state: PongState = newMatch();
  #playing = false;
  #keys = new Set<string>();
  #touchY: number | null = null;
  #frame = 0;
  #last = 0;

  get playing(): boolean {
    return this.#playing;
  }

  connectedCallback(): void {
    if (!this.firstChild) {
      this.#start.addEventListener('click', () => (this.#playing ? this.stop() : this.start()));
      this.append(
        h('div', { class: 'mb-3 flex flex-wrap items-center justify-between gap-3' }, this.#score, this.#start),
        this.#canvas,
        h('p', { class: 'mt-2 text-sm text-slate-400' }, `W / S or ↑ / ↓ to move, or drag on the field. First to ${WINNING_SCORE} wins.`),
      );
      this.#canvas.addEventListener('pointerdown', this.#onPointer);
      this.#canvas.addEventListener('pointermove', this.#onPointer);
      this.#canvas.addEventListener('pointerup', () => (this.#touchY = null));
      this.#canvas.addEventListener('pointercancel', () => (this.#touchY = null));
    }
    window.addEventListener('keydown', this.#onKey);
    window.addEventListener('keyup', this.#onKey);
    this.#renderScore();
    this.#draw();
  }

  disconnectedCallback(): void {
    window.removeEventListener('keydown', this.#onKey);
    window.removeEventListener('keyup', this.#onKey);
    this.stop();
  }

  start(): void {
    if (this.#playing) return;
    this.#state = newMatch();
    this.#playing = true;
    this.#start.textContent = 'Give up';
    this.#renderScore();
    this.#canvas.focus();
    this.dispatchEvent(new CustomEvent('beacon:match-start', { bubbles: true }));
    this.#last = performance.now();
    this.#frame = requestAnimationFrame(this.#loop);
  }

  /** Ends the match early (leaving the page, giving up). */
  stop(): void {
    if (this.#playing) this.#finish(false);
  }

  #finish(finished: boolean): void {
    cancelAnimationFrame(this.#frame);
    this.#playing = false;
    this.#start.textContent = 'Play again';
    this.#renderScore(finished);
    const detail: MatchEndDetail = { ...this.#state.score, finished };
    this.dispatchEvent(new CustomEvent<MatchEndDetail>('beacon:match-end', { bubbles: true, detail }));
  }

  #loop = (now: number): void => {
    // Cap the step so a background tab does not teleport the ball on return.
    const dt = Math.min(now - this.#last, 50);
    this.#last = now;
    const dir = (this.#any(DOWN) ? 1 : 0) - (this.#any(UP) ? 1 : 0);
    const before = this.#state.score;
    this.#state = step(this.#state, dt, { dir, target: this.#touchY }, Math.random);
    if (this.#state.score !== before) this.#renderScore();
    this.#draw();
    if (isOver(this.#state)) this.#finish(true);
    else this.#frame = requestAnimationFrame(this.#loop);
  };

  #any(keys: Set<string>): boolean {
    for (const k of keys) if (this.#keys.has(k)) return true;
    return false;
  }

  #onKey = (e: KeyboardEvent): void => {
    if (!this.#playing || !(UP.has(e.key) || DOWN.has(e.key))) return;
    const target = e.target as HTMLElement | null;
    if (target && target !== this.#canvas && target.matches('input, textarea, select')) return;
    e.preventDefault(); // arrows would scroll the page
    if (e.type === 'keydown') this.#keys.add(e.key);
    else this.#keys.delete(e.key);
  };

  #onPointer = (e: PointerEvent): void => {
    if (e.type === 'pointermove' && e.buttons === 0 && e.pointerType === 'mouse') return;
    const rect = this.#canvas.getBoundingClientRect();
    this.#touchY = ((e.clientY - rect.top) / rect.height) * FIELD.height;
  };

  #renderScore(finished = false): void {
    const { player, cpu } = this.#state.score;
    let text = `You ${player} – ${cpu} Computer`;
    if (finished) text += player > cpu ? ' · You win!' : ' · Computer wins';
    this.#score.textContent = text;
  }

  #draw(): void {
    const ctx = this.#canvas.getContext('2d');
    if (!ctx) return;
    const s = this.#state;
    const { width, height, paddleW, paddleH, margin, ball } = FIELD;
    ctx.fillStyle = '#020617';
    ctx.fillRect(0, 0, width, height);
    ctx.strokeStyle = '#334155';
    ctx.setLineDash([10, 12]);
    ctx.lineWidth = 3;
    ctx.beginPath();
    ctx.moveTo(width / 2, 0);
    ctx.lineTo(width / 2, height);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = '#4ade80';
    ctx.fillRect(margin, s.player - paddleH / 2, paddleW, paddleH);
    ctx.fillStyle = '#60a5fa';
    ctx.fillRect(width - margin - paddleW, s.cpu - paddleH / 2, paddleW, paddleH);
    ctx.fillStyle = '#f8fafc';
    ctx.fillRect(s.ball.x - ball / 2, s.ball.y - ball / 2, ball, ball);
    ctx.font = 'bold 48px system-ui, sans-serif';
    ctx.fillStyle = '#475569';
    ctx.textAlign = 'center';
    ctx.fillText(String(s.score.player), width / 4, 64);
    ctx.fillText(String(s.score.cpu), (width * 3) / 4, 64);
    if (!this.#playing) {
      const text = isOver(s) ? 'Match over — press “Play again”' : 'Press “Start match” to play';
      ctx.font = '600 26px system-ui, sans-serif';
      const w = ctx.measureText(text).width + 48;
      ctx.fillStyle = 'rgb(15 23 42 / 0.92)';
      ctx.beginPath();
      ctx.roundRect((width - w) / 2, height / 2 - 30, w, 56, 14);
      ctx.fill();
      ctx.fillStyle = '#e2e8f0';
      ctx.fillText(text, width / 2, height / 2 + 8);
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'beacon-pong': PongGameElement;
  }
  interface HTMLElementEventMap {
    'beacon:match-start': CustomEvent<null>;
    'beacon:match-end': CustomEvent<MatchEndDetail>;
  }
}
