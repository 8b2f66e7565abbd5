/**
 * How the parts that catch up after a bus outage (Replicas' resync, OutageCatchUp) hear of one.
 * A bus not connected yet at the start (Redis connects a moment later) is down since the start,
 * but its first connection is a return from an outage only if this instance served users
 * meanwhile: with nothing to catch up, no recheck, no resync and no line saying there was one.
 */
import type { EventBus } from '../ports/event-bus.js';

export interface OutageHandlers {
  /** The bus went down. */
  down(): void;
  /** The bus came back after an outage. */
  back(): void;
  /** Whether this instance served anything while its bus had never been up (sockets, loaded users, changes published). */
  servedBeforeFirstConnection(): boolean;
  /** The bus connected for the first time, with nothing served before: nothing to catch up. */
  firstConnection?(): void;
}

export function onBusOutages(bus: EventBus, h: OutageHandlers): void {
  let upOnce = bus.isHealthy();
  bus.onHealthChange((healthy) => {
    if (!healthy) return h.down();
    const first = !upOnce;
    upOnce = true;
    if (first && !h.servedBeforeFirstConnection()) return h.firstConnection?.();
    h.back();
  });
}
