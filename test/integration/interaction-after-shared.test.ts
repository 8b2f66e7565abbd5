/**
 * Review 201: a route whose interaction counts after its change (a category, an unfriend, a
 * block, settings, a schedule, a calendar) applied the interaction before the change had reached
 * the other instances. Her `online` goes out on her topic and a category change on the friend's;
 * on a Redis Cluster two topics may sit on two shards with no order between them, so a friend just
 * demoted on another instance could see her `online` before losing sight of her. With several
 * instances the change is now shared (as the answer waits for it) before the interaction is
 * applied. Which of two shards delivers first cannot be forced here; the order of the two steps
 * on the instance that answers can.
 */
import { describe, expect, it } from 'vitest';
import { bearer } from '../helpers/app.js';
import { useTwoInstances } from '../helpers/two-instances.js';
import { SHARE_WAIT_MS } from '../../src/server/status/presence-service.js';

describe('an interaction counted after its change, several instances', () => {
  const pair = useTwoInstances();

  it('is applied once the change is shared, not before', async () => {
    const { a } = pair;
    const [alice, bob] = await a.registerFriends('alice', 'bob');
    const services = a.app.services;
    expect(services.presence.sharesState).toBe(true);
    const steps: string[] = [];
    const shared = services.presence.shared.bind(services.presence);
    services.presence.shared = async (userId?: number, capMs?: number) => {
      steps.push('shared');
      await shared(userId, capMs);
      steps.push('shared done');
    };
    const onApiCall = services.onApiCall!;
    services.onApiCall = async (auth) => {
      steps.push('interaction');
      await onApiCall(auth);
    };
    const res = await a.app.inject({ method: 'PATCH', url: `/api/v1/users/me/friends/${bob.id}`, headers: bearer(alice.token), payload: { category: 'acquaintance' } });
    expect(res.statusCode).toBe(200);
    // Shared, then her interaction, then the answer's own wait (read your writes).
    expect(steps.slice(0, 3)).toEqual(['shared', 'shared done', 'interaction']);
  });

  it('holds the answer one share wait at most, not one per wait, when the change is never confirmed shared', { timeout: 10_000 }, async () => {
    const { a } = pair;
    const [alice, bob] = await a.registerFriends('alice', 'bob');
    const services = a.app.services;
    // A Redis that never confirms: each wait runs out its cap.
    const caps: number[] = [];
    services.presence.shared = async (_userId?: number, capMs = SHARE_WAIT_MS) => {
      caps.push(capMs);
      await new Promise((resolve) => setTimeout(resolve, capMs));
    };
    const started = performance.now();
    const res = await a.app.inject({ method: 'PATCH', url: `/api/v1/users/me/friends/${bob.id}`, headers: bearer(alice.token), payload: { category: 'acquaintance' } });
    const took = performance.now() - started;
    expect(res.statusCode).toBe(200);
    expect(caps).toHaveLength(2); // before her interaction, and the answer's own wait
    expect(caps[0]! + caps[1]!).toBeLessThanOrEqual(SHARE_WAIT_MS);
    expect(took).toBeLessThan(SHARE_WAIT_MS * 1.5);
  });
});
