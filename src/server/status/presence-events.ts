/**
 * What the presence service publishes on the EventBus and the gateway delivers.
 * Topics are per user (`user:<id>`): an instance subscribes to the users its connected
 * viewers may see, so it hears nothing else. Views are computed once per change by the
 * privacy projection, one per viewer tier that changed, before they leave the service.
 */
import type { View } from '../../protocol/index.js';
import type { ViewerTier } from '../presence/types.js';

export const userTopic = (userId: number): string => `user:${userId}`;

export type PresenceEvent =
  /** The user's views changed for these tiers (only those). `self` goes to their own sockets. */
  | { kind: 'presence'; userId: number; views: Partial<Record<ViewerTier, View>> }
  /** `viewerId` and `subjectId` became friends; the viewer now sees the subject as `view`. */
  | { kind: 'friend_added'; viewerId: number; subjectId: number; tier: ViewerTier; view: View }
  | { kind: 'friend_removed'; viewerId: number; subjectId: number }
  /** The subject changed the category it gives the viewer; `view` is null when nothing visible changed. */
  | { kind: 'tier_changed'; viewerId: number; subjectId: number; tier: ViewerTier; view: View | null }
  /** Ask every socket of the user `are_you_there`. */
  | { kind: 'probe'; userId: number }
  /** A login session was revoked (logout): close its sockets with 4000. */
  | { kind: 'revoked'; userId: number; sessionId: string };

/** Narrows a bus message to a presence event (messages come from our own code, but may cross versions). */
export function isPresenceEvent(m: { kind: string }): m is PresenceEvent {
  return ['presence', 'friend_added', 'friend_removed', 'tier_changed', 'probe', 'revoked'].includes(m.kind);
}
