/**
 * The subscribing side of the Redis bus, over one Redis (SUBSCRIBE on one connection) or a
 * Redis Cluster (sharded pub/sub: SSUBSCRIBE on one connection per primary, each channel on
 * the primary that owns its slot, so messages never cross the cluster bus).
 *
 * Each connection is a "lane". A lane that (re)connects starts with no subscriptions and is
 * brought in line with the wanted channels; until then the subscriber is not `synced()`, and
 * the bus reports itself unhealthy (so the app resyncs presence once it is back).
 */
import { Redis } from 'ioredis';
import type { Cluster, RedisOptions } from 'ioredis';
import calculateSlot from 'cluster-key-slot';
import { dropConnections, nodeOptions, quit } from './redis-connections.js';
import type { RedisTarget } from './redis-target.js';

const SUBSCRIBE_CHUNK = 500;

export interface SubscriberOptions {
  target: RedisTarget;
  /** Every channel that should be subscribed now (the bus' local topics). */
  wanted: () => Iterable<string>;
  /** CLIENT SETNAME of the lanes (cluster lanes get `:<host>:<port>` appended). */
  connectionName: string;
  retryStrategy?: (attempt: number) => number;
  onMessage: (channel: string, raw: string) => void;
  /** A lane connected, dropped or finished resubscribing: re-read `synced()`. */
  onChange: () => void;
  onError: (err: unknown) => void;
  /** A lane could not resubscribe (it will try again when it reconnects). */
  onResyncFailed: (err: unknown) => void;
}

interface Lane {
  readonly key: string;
  readonly conn: Redis;
  /** Subscribed on this connection since it last connected. */
  synced: boolean;
  generation: number;
}

/**
 * Subscribes channels on the lanes that serve them. Commands on a lane that is not ready are
 * skipped: the lane subscribes every wanted channel when it is ready again.
 */
export class RedisSubscriber {
  readonly #o: SubscriberOptions;
  readonly #lanes = new Map<string, Lane>();
  /** Cluster mode: the client whose slot map says which primary serves a channel. */
  readonly #cluster: Cluster | null;
  /** Cluster mode: primary of each slot ("host:port"), as last seen. */
  #slotOwners: string[] = [];
  /** Last command sent per lane; replies come in order, so awaiting these awaits everything sent. */
  readonly #last = new Map<string, Promise<unknown>>();
  #closed = false;

  /** `cluster`: the bus' command client in cluster mode (its slot map routes the channels). */
  constructor(options: SubscriberOptions, cluster: Cluster | null) {
    this.#o = options;
    this.#cluster = cluster;
    if (options.target.mode === 'single') {
      this.#open('main', new Redis(options.target.url, this.#laneOptions(options.connectionName)));
    } else {
      cluster?.on('refresh', () => this.#topology());
    }
  }

  subscribe(channels: readonly string[]): void {
    this.#send(channels, true);
  }

  unsubscribe(channels: readonly string[]): void {
    this.#send(channels, false);
  }

  /** Every lane is connected and has every wanted channel subscribed (and there is at least one lane). */
  synced(): boolean {
    if (this.#closed || this.#lanes.size === 0) return false;
    for (const lane of this.#lanes.values()) if (!lane.synced || lane.conn.status !== 'ready') return false;
    return true;
  }

  /** Resolves once every command sent so far has been answered. */
  async settled(): Promise<void> {
    await Promise.all(this.#last.values());
  }

  /** Drops every lane's connection (Redis stopped answering); each reconnects and resubscribes. */
  reconnect(): void {
    for (const lane of this.#lanes.values()) dropConnections(lane.conn);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#lanes.values()].map((l) => quit(l.conn)));
    this.#lanes.clear();
  }

  #laneOptions(name: string): RedisOptions {
    return {
      // A fresh connection is resubscribed from `wanted()`, which also drops what was unsubscribed meanwhile.
      autoResubscribe: false,
      enableOfflineQueue: false,
      connectionName: name,
      ...(this.#o.retryStrategy ? { retryStrategy: this.#o.retryStrategy } : {}),
    };
  }

  #open(key: string, conn: Redis): void {
    const lane: Lane = { key, conn, synced: false, generation: 0 };
    this.#lanes.set(key, lane);
    conn.on('ready', () => void this.#resync(lane));
    conn.on('close', () => {
      lane.synced = false;
      lane.generation++;
      this.#o.onChange();
    });
    conn.on('end', () => this.#o.onChange());
    conn.on('error', (err: unknown) => this.#o.onError(err));
    conn.on(this.#cluster ? 'smessage' : 'message', (channel: string, raw: string) => this.#o.onMessage(channel, raw));
  }

  /** The lane serving `channel` (cluster: the primary of its slot), if known. */
  #laneOf(channel: string): Lane | undefined {
    if (!this.#cluster) return this.#lanes.get('main');
    const owner = this.#slotOwners[calculateSlot(channel)];
    return owner === undefined ? undefined : this.#lanes.get(owner);
  }

  #send(channels: readonly string[], on: boolean): void {
    if (this.#closed) return;
    const byLane = new Map<Lane, string[]>();
    for (const c of channels) {
      const lane = this.#laneOf(c);
      if (!lane || lane.conn.status !== 'ready') continue;
      const list = byLane.get(lane) ?? [];
      list.push(c);
      byLane.set(lane, list);
    }
    for (const [lane, list] of byLane) this.#command(lane, list, on).catch(() => {});
  }

  /** SUBSCRIBE/UNSUBSCRIBE (cluster: SSUBSCRIBE/SUNSUBSCRIBE, one command per slot) on one lane. */
  #command(lane: Lane, channels: string[], on: boolean): Promise<unknown> {
    const groups: string[][] = [];
    if (this.#cluster) {
      const bySlot = new Map<number, string[]>();
      for (const c of channels) {
        const slot = calculateSlot(c);
        const g = bySlot.get(slot) ?? [];
        g.push(c);
        bySlot.set(slot, g);
      }
      groups.push(...bySlot.values());
    } else {
      for (let i = 0; i < channels.length; i += SUBSCRIBE_CHUNK) groups.push(channels.slice(i, i + SUBSCRIBE_CHUNK));
    }
    const c = lane.conn;
    const sent = groups.map((g) =>
      this.#cluster ? (on ? c.ssubscribe(...g) : c.sunsubscribe(...g)) : on ? c.subscribe(...g) : c.unsubscribe(...g),
    );
    const all = Promise.all(sent);
    this.#last.set(lane.key, all.catch(() => {}));
    return all;
  }

  /** A lane (re)connected: subscribe every wanted channel it serves, then report it synced. */
  async #resync(lane: Lane): Promise<void> {
    const generation = ++lane.generation;
    lane.synced = false;
    const mine = [...this.#o.wanted()].filter((c) => this.#laneOf(c) === lane);
    try {
      if (mine.length > 0) await this.#command(lane, mine, true);
    } catch (err) {
      // The connection dropped again; the next 'ready' starts over.
      this.#o.onResyncFailed(err);
      return;
    }
    if (generation !== lane.generation || this.#closed) return;
    lane.synced = true;
    this.#o.onChange();
  }

  /** Cluster mode: the slot map was read; open lanes for new primaries, re-route moved channels. */
  #topology(): void {
    if (this.#closed || !this.#cluster) return;
    const owners = this.#cluster.slots.map((nodes) => nodes[0] ?? '');
    if (owners.length === this.#slotOwners.length && owners.every((o, i) => o === this.#slotOwners[i])) return;
    const before = this.#slotOwners;
    this.#slotOwners = owners;
    const primaries = new Set(owners.filter((o) => o !== ''));
    for (const [key, lane] of this.#lanes) {
      if (primaries.has(key)) continue;
      this.#lanes.delete(key);
      this.#last.delete(key);
      lane.conn.disconnect();
    }
    const seed = this.#o.target.mode === 'cluster' ? this.#o.target.seeds[0] : undefined;
    for (const key of primaries) {
      if (this.#lanes.has(key)) continue;
      const sep = key.lastIndexOf(':');
      this.#open(
        key,
        new Redis({
          ...(seed ? nodeOptions(seed) : {}),
          host: key.slice(0, sep),
          port: Number(key.slice(sep + 1)),
          ...this.#laneOptions(`${this.#o.connectionName}:${key}`),
        }),
      );
    }
    // Channels whose slot moved to another primary that is already synced: subscribe them there.
    const moved = [...this.#o.wanted()].filter((c) => {
      const slot = calculateSlot(c);
      return before[slot] !== undefined && before[slot] !== owners[slot];
    });
    if (moved.length > 0) this.#send(moved, true);
    this.#o.onChange();
  }
}
