/**
 * Sessions revoked lately (logout, a host's sign-out, heard here or from another instance).
 *
 * A socket's session is checked once, when its `auth` frame arrives; the socket is registered
 * only after its admission turn and the load of its friends. A revocation in between finds no
 * socket of the login to close, and nothing would check the session again: the socket would
 * live on the revoked token until it expires. The gateway asks this set instead, just before
 * it registers the socket, so a connect costs no second database query.
 *
 * Bounded by age and count. What it forgot is dated: a socket whose check began before the
 * latest revocation forgotten cannot trust it (`covers`), and must check its session again.
 */
export class RecentRevocations {
  /** sessionId → when the revocation was heard (injected clock), oldest first. */
  readonly #at = new Map<string, number>();
  /** The time of the latest revocation forgotten. */
  #forgottenAt = -Infinity;

  constructor(
    private readonly keepMs: number,
    private readonly max: number,
  ) {}

  add(sessionId: string, now: number): void {
    this.#at.delete(sessionId);
    this.#at.set(sessionId, now);
    if (this.#at.size > this.max) this.#forgetOldest();
  }

  has(sessionId: string): boolean {
    return this.#at.has(sessionId);
  }

  /** Whether every revocation heard at or after `since` is still held. */
  covers(since: number): boolean {
    return this.#forgottenAt < since;
  }

  /** Forgets revocations older than keepMs (the gateway's sweep). */
  prune(now: number): void {
    for (const at of this.#at.values()) {
      if (now - at < this.keepMs) return;
      this.#forgetOldest();
    }
  }

  get size(): number {
    return this.#at.size;
  }

  #forgetOldest(): void {
    const [id, at] = this.#at.entries().next().value as [string, number];
    this.#at.delete(id);
    this.#forgottenAt = Math.max(this.#forgottenAt, at);
  }
}
