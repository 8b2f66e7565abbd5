/**
 * Profiles port: the names Beacon shows for a batch of users. Called once per batch of
 * users Beacon loads (a viewer's whole friend list at once), never once per user. Beacon's own
 * accounts are the default adapter; an embedding host passes a function reading its users
 * table; in sidecar mode the names are those of the host's JWTs and of the service API.
 */
import type { HostUserId } from './identity.js';

export interface HostProfile {
  id: HostUserId;
  name: string;
}

export interface ProfilesPort {
  /** The profiles of these users, in any order; unknown ids are left out (never a throw). */
  profiles(ids: readonly HostUserId[]): Promise<HostProfile[]>;
}
