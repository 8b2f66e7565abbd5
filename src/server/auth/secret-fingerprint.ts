/**
 * A fingerprint of the token-signing secret (BEACON_JWT_SECRET, or the one generated into the
 * database), so instances sharing a Redis prefix can tell whether they sign alike without saying
 * the secret: an HMAC keyed with the secret over a fixed label, truncated to 96 bits. It helps
 * guess the secret no more than any token does (a token is an HMAC with it over known data).
 */
import { createHmac } from 'node:crypto';

const LABEL = 'beacon: fingerprint of the token-signing secret, v1';

export function secretFingerprint(secret: string): string {
  return createHmac('sha256', secret).update(LABEL).digest('base64url').slice(0, 16);
}
