/**
 * Type-only re-exports so pure helpers (and their unit tests) depend on the protocol's
 * vocabulary without pulling in TypeBox at run time.
 */
export type {
  Activity,
  Audience,
  FriendCategory,
  ManualStatus,
  Status,
  StatusVisibility,
} from '../../protocol/enums.js';
export type { Settings, View, User, Friend, FriendRequest } from '../../protocol/schemas.js';

/** Mirrors the SDK's ConnectionState; kept here so labels need no SDK import. */
export type ConnectionLabel = 'connecting' | 'connected' | 'reconnecting' | 'polling' | 'offline';
