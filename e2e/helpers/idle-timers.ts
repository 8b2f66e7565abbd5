/**
 * The idle timers of the browser tests that wait on them (idle.e2e, still-there.e2e): shorter
 * than production's 5 min + 60 s, but in the same order against the app's other timers:
 * the idle timeout is over 3 × the 25 s heartbeat (the app's longest timer), so the app's own
 * background work meets it as it does for real users.
 */
export const IDLE_MS = 90_000;
export const PROBE_MS = 20_000;

/** The server environment that sets them. */
export const IDLE_ENV = { BEACON_IDLE_TIMEOUT_MS: String(IDLE_MS), BEACON_IDLE_PROBE_TIMEOUT_MS: String(PROBE_MS) };
