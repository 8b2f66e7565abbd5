/**
 * SecretAgreement (docs/operations.md, "One token secret for every instance"): an instance that
 * finds, after its start, a live instance signing with another secret logs one error per such
 * instance naming BEACON_JWT_SECRET (not one per beat), and forgets the dead; a start into a
 * differing live instance is refused with a ConfigError. The two-process case is in
 * test/integration/jwt-secret-agreement.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { MemoryPresenceStore } from '../../../src/server/adapters/presence-store-memory.js';
import { secretFingerprint } from '../../../src/server/auth/secret-fingerprint.js';
import { ConfigError } from '../../../src/server/config.js';
import { SecretAgreement } from '../../../src/server/status/secret-agreement.js';
import type { PresenceDeps } from '../../../src/server/status/presence-deps.js';
import { FakeClock } from '../../helpers/clock.js';

const SECRET = 'this-instance-secret-SENTINEL';
const DEAD_AFTER_MS = 45_000;

function world() {
  const clock = new FakeClock();
  const store = new MemoryPresenceStore();
  const errors: Array<{ fields: Record<string, unknown>; msg: string }> = [];
  const log = { error: (fields: Record<string, unknown>, msg: string) => errors.push({ fields, msg }) };
  const deps = { bus: { instanceId: 'me' }, store, config: { redisPrefix: 'site' }, now: clock.now, log } as unknown as Pick<PresenceDeps, 'bus' | 'store' | 'config' | 'now' | 'log'>;
  const agreement = new SecretAgreement(deps, { fingerprint: secretFingerprint(SECRET), configured: true }, () => DEAD_AFTER_MS);
  const beat = async (id: string, secret: string) => {
    await store.heartbeat(id, clock.now());
    await store.putCard(id, { tokenSecret: secretFingerprint(secret) });
  };
  /** The check after a beat, on the live instances the beat read. */
  const check = async () => agreement.check(await store.liveInstances(clock.now(), DEAD_AFTER_MS));
  return { clock, store, errors, agreement, beat, check };
}

describe('SecretAgreement', () => {
  it('logs each differing live instance once, says which on its state, and forgets one that died', async () => {
    const { clock, errors, agreement, beat, check } = world();
    await beat('me', SECRET);
    await beat('same', SECRET);
    await beat('other', 'another-secret-SENTINEL');
    await check();
    await check();
    expect(agreement.state()).toEqual({ agreed: false, differingInstances: ['other'] });
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toMatch(/^instance other on this Redis prefix \("site"\) signs tokens with another BEACON_JWT_SECRET: /);
    expect(JSON.stringify(errors)).not.toContain('SENTINEL');

    // A second one is said too; the first is not said again.
    await beat('third', 'third-secret-SENTINEL');
    await check();
    expect(errors.map((e) => e.fields.instances)).toEqual([['other'], ['third']]);

    // Both stop beating: once dead, they no longer count.
    clock.advance(DEAD_AFTER_MS + 1);
    await beat('me', SECRET);
    await check();
    expect(agreement.state()).toEqual({ agreed: true, differingInstances: [] });
  });

  it('refuses a start into a live instance with another secret, naming BEACON_JWT_SECRET; one with the same secret starts', async () => {
    const { agreement, beat, store, clock } = world();
    await beat('same', SECRET);
    await expect(agreement.refuseAtStart()).resolves.toBeUndefined();
    await beat('other', 'another-secret-SENTINEL');
    const refused = await agreement.refuseAtStart().catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).variable).toBe('BEACON_JWT_SECRET');
    expect((refused as ConfigError).message).toContain('differs from that of instance other already running on this Redis prefix ("site")');
    // An instance of an earlier release gives no card: not compared.
    await store.leave('other');
    await store.heartbeat('old-release', clock.now());
    await expect(agreement.refuseAtStart()).resolves.toBeUndefined();
  });
});
