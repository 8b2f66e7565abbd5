/**
 * What the presence service is built from (services.ts wires it; tests inject fakes). In a
 * file of its own so that the parts built from the same deps (replicas.ts) need not import
 * the service itself; presence-service.ts exports it again for its callers.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Friend } from '../../protocol/index.js';
import type { SessionRepository } from '../auth/session-repository.js';
import type { Config } from '../config.js';
import type { SettingName } from '../config-options.js';
import type { EventBus } from '../ports/event-bus.js';
import type { PresenceStore } from '../ports/presence-store.js';
import type { SocialGraph } from '../ports/social-graph.js';
import type { HistoryRecorder } from '../history/history-recorder.js';
import type { UserRepository } from '../users/user-repository.js';
import type { Metrics } from '../metrics/metrics.js';
import type { PresenceRepository } from './presence-repository.js';
import type { Saturation } from './saturation.js';
import type { HostSecret, SigningSecret } from './secret-agreement.js';
import type { PendingRequests } from './held-request-frames.js';
import type { BlocksHeld } from './outage-block-changes.js';
import type { CategoriesHeld } from './repeated-states.js';

export interface PresenceDeps {
  config: Readonly<Config>;
  now: () => number;
  /** The monotonic clock (services.ts), which the engine's in-process deadlines follow through a wall-clock step; absent: `now`. */
  monotonic?: () => number;
  bus: EventBus;
  store: PresenceStore;
  repo: PresenceRepository;
  users: UserRepository;
  /** The friend graph's data source: Beacon's friendships, or a host's (ports/social-graph.ts). */
  friendRepo: SocialGraph;
  sessions: SessionRepository;
  /** Where changes of effective status are recorded (status history). */
  history: HistoryRecorder;
  log: FastifyBaseLogger;
  metrics?: Metrics;
  /**
   * The token-signing secret's fingerprint, compared with the other instances' on a shared store
   * (secret-agreement.ts). Without it nothing is compared.
   */
  signingSecret?: SigningSecret;
  /**
   * Sidecar with HS256: the fingerprints of the site's secrets this instance verifies its tokens
   * with, compared beside the signing secret's. Absent or null: none (standalone, embedded, JWKS).
   */
  hostSecret?: HostSecret | null;
  /** How a message names a setting (config-options.ts): its BEACON_* variable when absent. */
  settingName?: SettingName;
  /** Whether this instance is saturated (default: measured, saturation.ts; tests inject one). */
  saturation?: Pick<Saturation, 'saturated' | 'stop'>;
  /**
   * Beacon's own friend lists (standalone mode; the integration modes send no `friend_updated`):
   * the friends whose category one of these users set at `since` or later, as the user lists
   * them. Read after a bus outage, to send again the `friend_updated` it may have dropped.
   */
  categoriesSetSince?: (userIds: readonly number[], since: number) => Promise<Array<{ userId: number; friend: Friend }>>;
  /**
   * Each pair's friend as the user lists them now (standalone mode). Read where a
   * `friend_updated` sent again after a bus outage arrives (repeated-states.ts).
   */
  categoriesHeld?: CategoriesHeld;
  /**
   * Which of these friend requests are still pending (standalone mode: the integration modes
   * have no requests). Read after a bus outage, before request frames held meanwhile go out again.
   */
  pendingRequests?: PendingRequests;
  /**
   * The blocks these blockers hold now (standalone mode: the integration modes have no blocks).
   * Read after a bus outage, before block changes published meanwhile go out again.
   */
  blocksHeld?: BlocksHeld;
}
