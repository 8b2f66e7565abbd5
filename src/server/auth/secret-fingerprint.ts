/**
 * Fingerprints of the secrets every instance sharing a Redis prefix must agree on, so they can
 * tell whether they do without saying a secret: an HMAC keyed with the secret over a fixed label,
 * truncated to 96 bits. It helps guess the secret no more than any token does (a token is an HMAC
 * with it over known data). Beacon's token-signing secret (BEACON_JWT_SECRET, or the one generated
 * into the database) and, in sidecar mode, the site's HS256 secrets Beacon verifies its tokens
 * with (BEACON_AUTH_JWT_SECRET, and BEACON_AUTH_JWT_PREVIOUS_SECRET during a rotation) have labels
 * of their own: a site secret's fingerprint never matches Beacon's, even where one secret serves both.
 */
import { createHmac } from 'node:crypto';

const SIGNING_LABEL = 'beacon: fingerprint of the token-signing secret, v1';
const HOST_LABEL = "beacon: fingerprint of a secret verifying the site's tokens, v1";

function fingerprint(secret: string, label: string): string {
  return createHmac('sha256', secret).update(label).digest('base64url').slice(0, 16);
}

/** Of Beacon's token-signing secret. */
export function secretFingerprint(secret: string): string {
  return fingerprint(secret, SIGNING_LABEL);
}

/** Of the site's HS256 secrets (sidecar): BEACON_AUTH_JWT_SECRET's first, then BEACON_AUTH_JWT_PREVIOUS_SECRET's when set. */
export function hostSecretFingerprints(current: string, previous?: string | null): string[] {
  return previous ? [fingerprint(current, HOST_LABEL), fingerprint(previous, HOST_LABEL)] : [fingerprint(current, HOST_LABEL)];
}
