/**
 * Pure Pong physics for the practice match: state in, state out, time step injected.
 * The <beacon-pong> element only draws it and feeds input.
 */
export const FIELD = { width: 800, height: 500, paddleH: 90, paddleW: 12, ball: 12, margin: 24 } as const;
export const WINNING_SCORE = 5;

export interface PongState {
  player: number; // paddle centre y
  cpu: number;
  ball: { x: number; y: number; vx: number; vy: number };
  score: { player: number; cpu: number };
  /** Milliseconds to wait before the next serve. */
  serveIn: number;
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
const PADDLE_SPEED = 0.5; // px per ms
const CPU_SPEED = 0.32; // slower than the player so the computer can be beaten
const SERVE_SPEED = 0.38;

export function newMatch(): PongState {
  return {
    player: FIELD.height / 2,
    cpu: FIELD.height / 2,
    ball: serve(1, 0.5),
    score: { player: 0, cpu: 0 },
    serveIn: 800,
  };
}

/** A ball in the centre heading towards `dir` (1 = computer side), angle from `rand` in [0,1). */
export function serve(dir: 1 | -1, rand: number): PongState['ball'] {
  const angle = (rand - 0.5) * (Math.PI / 3);
  return { x: FIELD.width / 2, y: FIELD.height / 2, vx: dir * SERVE_SPEED * Math.cos(angle), vy: SERVE_SPEED * Math.sin(angle) };
}

export function isOver(s: PongState): boolean {
  return s.score.player >= WINNING_SCORE || s.score.cpu >= WINNING_SCORE;
}

/** Moves the player's paddle towards `target` (touch) or by `dir` (-1 up, 1 down). */
export function movePlayer(s: PongState, dt: number, dir: number, target: number | null): number {
  const half = FIELD.paddleH / 2;
  if (target !== null) {
    const step = clamp(target - s.player, -PADDLE_SPEED * 1.5 * dt, PADDLE_SPEED * 1.5 * dt);
    return clamp(s.player + step, half, FIELD.height - half);
  }
  return clamp(s.player + dir * PADDLE_SPEED * dt, half, FIELD.height - half);
}

function bounceOff(ball: PongState['ball'], paddleY: number, dir: 1 | -1): PongState['ball'] {
  // Where the ball hits the paddle sets the angle, so players can aim.
  const offset = clamp((ball.y - paddleY) / (FIELD.paddleH / 2), -1, 1);
  const speed = Math.min(Math.hypot(ball.vx, ball.vy) * 1.06, 0.9);
  const angle = offset * (Math.PI / 3.2);
  return { ...ball, vx: dir * speed * Math.cos(angle), vy: speed * Math.sin(angle) };
}

/** Advances the match by `dt` ms. `rand` supplies serve angles (Math.random in the app). */
export function step(s: PongState, dt: number, input: { dir: number; target: number | null }, rand: () => number): PongState {
  if (isOver(s)) return s;
  const player = movePlayer(s, dt, input.dir, input.target);
  const half = FIELD.paddleH / 2;
  const cpu = clamp(s.cpu + clamp(s.ball.y - s.cpu, -CPU_SPEED * dt, CPU_SPEED * dt), half, FIELD.height - half);
  if (s.serveIn > 0) return { ...s, player, cpu, serveIn: Math.max(0, s.serveIn - dt) };

  let ball = { ...s.ball, x: s.ball.x + s.ball.vx * dt, y: s.ball.y + s.ball.vy * dt };
  const r = FIELD.ball / 2;
  if (ball.y < r || ball.y > FIELD.height - r) ball = { ...ball, y: clamp(ball.y, r, FIELD.height - r), vy: -ball.vy };

  const leftFace = FIELD.margin + FIELD.paddleW;
  const rightFace = FIELD.width - FIELD.margin - FIELD.paddleW;
  if (ball.vx < 0 && ball.x - r <= leftFace && ball.x - r > leftFace - 20 && Math.abs(ball.y - player) <= half + r) {
    ball = { ...bounceOff(ball, player, 1), x: leftFace + r };
  } else if (ball.vx > 0 && ball.x + r >= rightFace && ball.x + r < rightFace + 20 && Math.abs(ball.y - cpu) <= half + r) {
    ball = { ...bounceOff(ball, cpu, -1), x: rightFace - r };
  }

  if (ball.x < -r || ball.x > FIELD.width + r) {
    const playerScored = ball.x > FIELD.width;
    const score = {
      player: s.score.player + (playerScored ? 1 : 0),
      cpu: s.score.cpu + (playerScored ? 0 : 1),
    };
    return { player, cpu, score, ball: serve(playerScored ? -1 : 1, rand()), serveIn: 900 };
  }
  return { ...s, player, cpu, ball };
}
