/** How each presence input maps onto the pure core: one switch, used for local and remote inputs alike. */
import type { PresenceEngine } from '../presence/presence-engine.js';
import type { PresenceChange } from '../presence/types.js';
import type { PresenceInput } from './presence-events.js';

/** Applies an engine input (every op but `settings`, which changes the profile) and returns the change. */
export function applyInput(engine: PresenceEngine, userId: number, input: Exclude<PresenceInput, { op: 'settings' }>): PresenceChange | null {
  switch (input.op) {
    case 'open':
      return engine.openSession(userId, input.sessionId, input.kind, { interaction: input.reconnect !== true });
    case 'close':
      return engine.closeSession(userId, input.sessionId, { immediate: input.immediate, at: input.at });
    case 'touch':
      engine.touchSession(userId, input.sessionId);
      return null;
    case 'logout':
      return engine.logout(userId, input.sessionSuffix, input.at);
    case 'interaction':
      return engine.interaction(userId);
    case 'status':
      return engine.setManualStatus(userId, input.status, input.custom ?? undefined);
    case 'message':
      return engine.setManualStatus(userId, undefined, input.custom);
    case 'activity':
      return engine.setActivity(userId, input.activity, input.details ?? null, input.holders ?? null).change;
    case 'calendar':
      return engine.setCalendar(userId, input.busy, input.version);
    case 'schedule':
      return engine.setSchedule(userId, input.schedule, input.version);
    case 'game':
      if (input.started) return engine.startGame(userId, input.matchId, input.kind, input.details ?? null);
      if (input.updated) return engine.updateGame(userId, input.matchId, input.details ?? null);
      return engine.endGame(userId, input.matchId);
  }
}
