import { describe, expect, it } from 'vitest';
import { FIELD, WINNING_SCORE, isOver, newMatch, serve, step, type PongState } from '../../../src/web/lib/pong-engine.js';

const still = { dir: 0, target: null };
const half = () => 0.5;

describe('pong engine', () => {
  it('waits before serving, then moves the ball', () => {
    const s = newMatch();
    const waiting = step(s, 100, still, half);
    expect(waiting.ball).toEqual(s.ball);
    const moving = step({ ...s, serveIn: 0 }, 100, still, half);
    expect(moving.ball.x).toBeGreaterThan(s.ball.x);
  });

  it('keeps the paddle inside the field', () => {
    let s: PongState = newMatch();
    for (let i = 0; i < 100; i++) s = step(s, 16, { dir: -1, target: null }, half);
    expect(s.player).toBe(FIELD.paddleH / 2);
  });

  it('bounces off the player paddle', () => {
    const s: PongState = { ...newMatch(), serveIn: 0, player: 250, ball: { x: 45, y: 250, vx: -0.4, vy: 0 } };
    const next = step(s, 16, still, half);
    expect(next.ball.vx).toBeGreaterThan(0);
  });

  it('scores for the computer when the player misses, and serves again', () => {
    const s: PongState = { ...newMatch(), serveIn: 0, player: 60, ball: { x: 2, y: 450, vx: -0.4, vy: 0 } };
    const next = step(s, 50, still, half);
    expect(next.score).toEqual({ player: 0, cpu: 1 });
    expect(next.ball.x).toBe(FIELD.width / 2);
    expect(next.serveIn).toBeGreaterThan(0);
  });

  it('ends at five points', () => {
    const s: PongState = { ...newMatch(), score: { player: WINNING_SCORE, cpu: 2 } };
    expect(isOver(s)).toBe(true);
    expect(step(s, 16, still, half)).toBe(s);
  });

  it('serves within ±30° towards the given side', () => {
    const b = serve(-1, 0.99);
    expect(b.vx).toBeLessThan(0);
    expect(Math.abs(Math.atan2(b.vy, -b.vx))).toBeLessThanOrEqual(Math.PI / 6 + 1e-9);
  });
});
