/**
 * The product's timings shortened for a test, each in its production proportion to the others:
 * scaled by the factor that takes the offline grace (10 s by default) to the test's. A test that
 * waits on several of them (idle, probe, heartbeat, grace, linger) keeps their ratios, so the
 * app's own background work meets them as it does for real users. Shared by the cluster tests
 * and the browser tests.
 */
import { loadConfig } from '../../src/server/config.js';

const DEFAULTS = loadConfig({});

/**
 * The heartbeat in the product's proportion to an offline grace shortened for a test (defaults:
 * 25 s to 10 s, so 3.75 s for a 1.5 s grace). An instance is taken for dead after 1.8 heartbeats
 * without one (cluster-heartbeat.ts deadAfter), a socket for silent after 2 without a pong: with a
 * heartbeat shorter than that, a child stalling a second or two on a loaded machine could close a
 * tab or reap a live instance, which the grace (0.4 heartbeat, as in production) would never hide.
 */
export function heartbeatForGrace(graceMs: number): number {
  return forGrace('heartbeatIntervalMs', graceMs);
}

/**
 * Another of the product's timings in its proportion to an offline grace shortened for a test,
 * by the same factor as heartbeatForGrace (defaults: idle 300 s, probe 60 s, replica linger
 * 30 s to a 10 s grace, so 45 s, 9 s and 4.5 s for a 1.5 s grace).
 */
export function forGrace(setting: 'heartbeatIntervalMs' | 'idleTimeoutMs' | 'idleProbeTimeoutMs' | 'replicaLingerMs', graceMs: number): number {
  return Math.round(DEFAULTS[setting] * graceScale(graceMs));
}

/** By how much a test shortens the product's timings when it shortens the offline grace to `graceMs` (0.15 for 1.5 s). */
export function graceScale(graceMs: number): number {
  return graceMs / DEFAULTS.offlineGraceMs;
}
