/**
 * A tiny Pong match server: it keeps score and reports each match's start, every point
 * (score and round) and its end to Beacon, with the same match id each time.
 */
import { randomUUID } from 'node:crypto';

export interface MatchReport {
  event: 'match_started' | 'match_updated' | 'match_ended';
  match_id: string;
  player_ids: number[];
  details?: Record<string, string | number | boolean>;
}

interface Match {
  id: string;
  players: [{ id: number; name: string }, { id: number; name: string }];
  score: [number, number];
}

export class PongServer {
  readonly #matches = new Map<string, Match>();

  constructor(
    private readonly report: (r: MatchReport) => Promise<unknown>,
    /** Points that win a match. */
    private readonly target = 3,
  ) {}

  async start(a: { id: number; name: string }, b: { id: number; name: string }): Promise<string> {
    const match: Match = { id: randomUUID(), players: [a, b], score: [0, 0] };
    this.#matches.set(match.id, match);
    await this.report({ event: 'match_started', match_id: match.id, player_ids: [a.id, b.id], details: this.#details(match) });
    return match.id;
  }

  /** A point for `scorerId`; returns the score, and ends the match when someone reaches the target. */
  async point(matchId: string, scorerId: number): Promise<{ score: [number, number]; ended: boolean } | null> {
    const match = this.#matches.get(matchId);
    const side = match?.players.findIndex((p) => p.id === scorerId) ?? -1;
    if (!match || side < 0) return null;
    match.score[side]! += 1;
    const ended = match.score[side]! >= this.target;
    const ids = match.players.map((p) => p.id);
    if (ended) this.#matches.delete(matchId);
    await this.report({ event: ended ? 'match_ended' : 'match_updated', match_id: matchId, player_ids: ids, details: this.#details(match) });
    return { score: match.score, ended };
  }

  #details(m: Match): Record<string, string | number> {
    return { mode: 'classic', opponents: `${m.players[0].name} vs ${m.players[1].name}`, score: `${m.score[0]}-${m.score[1]}`, round: m.score[0] + m.score[1] + 1 };
  }
}
