/**
 * Every Prometheus metric of one Beacon instance (prom-client), on a registry of its own.
 * The rest of the server calls the small hook methods below (one line at each site);
 * gauges are read at scrape time from the parts that own the numbers. The meaning of
 * each metric and what to alert on: docs/operations.md.
 */
import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { CloseCode } from '../../protocol/index.js';
import { LocalHistogram } from './local-histogram.js';

/**
 * Close codes counted by their number: RFC 6455's (1000–1015) and Beacon's. A client picks its
 * own close code, so any other one is `other`: one user must not add series to every scrape.
 */
const KNOWN_CLOSE_CODES: ReadonlySet<number> = new Set([...Array.from({ length: 16 }, (_, i) => 1000 + i), ...Object.values(CloseCode)]);

/** Seconds; from 0.5 ms (a batch window of 0) to 2.5 s (a stalled event loop). */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What the scrape reads of the instance's budget on bytes buffered for sockets (buffer-budget.ts). */
export interface BufferCensus {
  readonly buffered: number;
  readonly limit: number;
}

/** What the scrape reads from the gateway: its sockets, and the status of each user behind them. */
export interface SocketCensus {
  sockets(): number;
  /** The current status of each distinct user with a socket here. */
  userStatuses(): Iterable<string>;
}

export class Metrics {
  readonly registry = new Registry();
  #census: SocketCensus | null = null;
  #writeQueue: (() => number) | null = null;
  #busHealthy: (() => boolean) | null = null;
  #checkpointerUp: (() => boolean) | null = null;

  readonly #connections = this.#counter('beacon_ws_connections_total', 'WebSocket sessions authenticated (ready sent)');
  readonly #closes = new Counter({ name: 'beacon_ws_closes_total', help: 'Authenticated WebSocket sessions closed, by close code', labelNames: ['code'], registers: [this.registry] });
  readonly #refused = new Counter({
    name: 'beacon_ws_refused_total',
    help: 'WebSocket sockets closed before their ready (a bad, expired or revoked token, no auth frame in time, the database down, connects too fast), by close code',
    labelNames: ['code'],
    registers: [this.registry],
  });
  // Per-frame figures (the hot path): plain numbers, handed to the registry at scrape time.
  readonly #pending: Record<'deliveries' | 'frames', number> = { deliveries: 0, frames: 0 };
  readonly #latency = new LocalHistogram(
    'beacon_delivery_latency_seconds',
    'From a change reaching this instance’s fan-out to its frame being written to the socket',
    LATENCY_BUCKETS,
    this.registry,
  );
  readonly #batchSize = new LocalHistogram('beacon_batch_size', 'Events per frame written', [1, 2, 3, 5, 10, 20, 50, 100, 250], this.registry);
  readonly #dropped = this.#counter('beacon_backpressure_dropped_total', 'Events superseded and dropped for sockets backed up past the high-water mark');
  readonly #slowCloses = this.#counter('beacon_slow_consumer_closes_total', 'Sockets closed (1013) for being too slow to read their events');
  readonly #budgetCloses = this.#counter(
    'beacon_ws_buffer_budget_closes_total',
    'Sockets closed (1013) because the bytes buffered for all sockets passed BEACON_WS_BUFFER_BUDGET_BYTES: the largest holders among sockets that read nothing',
  );
  #buffers: BufferCensus | null = null;
  readonly #busPublished = new Counter({ name: 'beacon_bus_published_total', help: 'Messages published to other instances over Redis, by result (sent or dropped)', labelNames: ['result'], registers: [this.registry] });
  readonly #busReceived = this.#counter('beacon_bus_received_total', 'Messages received from other instances over Redis');
  readonly #busLag = new Histogram({
    name: 'beacon_bus_lag_seconds',
    help: 'From publish on another instance to receipt here (wall clocks: includes their skew)',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly #flushDuration = new Histogram({ name: 'beacon_write_behind_flush_seconds', help: 'Duration of each write-behind flush of presence to the database', buckets: DURATION_BUCKETS, registers: [this.registry] });
  readonly #rowsWritten = this.#counter('beacon_presence_rows_written_total', "Users' presence rows written to the database by this instance (one writer per user in a cluster)");
  readonly #replicas: Gauge = new Gauge({ name: 'beacon_replicas', help: 'Users whose presence this instance replicates (loaded, subscribed)', registers: [this.registry], collect: () => this.#replicas.set(this.#replicaCount?.() ?? 0) });
  #replicaCount: (() => number) | null = null;
  readonly #flushFailures = this.#counter('beacon_write_behind_failures_total', 'Write-behind flushes that failed (their users stay queued and are retried)');
  readonly #dbErrors = new Counter({ name: 'beacon_db_errors_total', help: 'Failed database queries, by kind (constraint: an expected conflict such as a taken username; other)', labelNames: ['kind'], registers: [this.registry] });
  readonly #dbQueries = new Histogram({ name: 'beacon_db_query_seconds', help: 'Database query durations', buckets: DURATION_BUCKETS, registers: [this.registry] });
  readonly #redisErrors = new Counter({ name: 'beacon_redis_errors_total', help: 'Redis connection errors and failed commands, by client (bus_pub, bus_sub, store, limits)', labelNames: ['client'], registers: [this.registry] });
  readonly #httpRequests = new Counter({ name: 'beacon_http_requests_total', help: 'HTTP requests, by method, route pattern and status code', labelNames: ['method', 'route', 'code'], registers: [this.registry] });
  readonly #httpDuration = new Histogram({ name: 'beacon_http_request_duration_seconds', help: 'HTTP request durations, by method and route pattern', labelNames: ['method', 'route'], buckets: DURATION_BUCKETS, registers: [this.registry] });

  constructor() {
    this.#countedAtScrape('beacon_deliveries_total', 'Events written to sockets (each friend_status_change, status_update… inside a frame)', 'deliveries');
    this.#countedAtScrape('beacon_frames_sent_total', 'Event frames written to sockets (one event alone, or one batch)', 'frames');
    this.#gauge('beacon_ws_sockets', 'Open authenticated WebSocket sockets on this instance', () => this.#census?.sockets() ?? 0);
    this.#gauge('beacon_ws_users', 'Distinct users with an authenticated socket on this instance', () => {
      let n = 0;
      for (const _ of this.#census?.userStatuses() ?? []) n++;
      return n;
    });
    const online = new Gauge({
      name: 'beacon_online_users',
      help: 'Users with a socket on this instance, by their current status',
      labelNames: ['status'],
      registers: [this.registry],
      collect: () => {
        const counts: Record<string, number> = { online: 0, away: 0, busy: 0, in_game: 0, offline: 0 };
        for (const status of this.#census?.userStatuses() ?? []) counts[status] = (counts[status] ?? 0) + 1;
        for (const [status, n] of Object.entries(counts)) online.set({ status }, n);
      },
    });
    this.#gauge('beacon_ws_buffered_bytes', 'Bytes written to sockets and not yet taken by the kernel (their clients read too slowly or not at all), summed over every socket', () => this.#buffers?.buffered ?? 0);
    this.#gauge('beacon_ws_buffer_budget_bytes', 'The budget on beacon_ws_buffered_bytes (BEACON_WS_BUFFER_BUDGET_BYTES)', () => this.#buffers?.limit ?? 0);
    this.#gauge('beacon_write_behind_queue', 'Users whose presence waits to be written to the database', () => this.#writeQueue?.() ?? 0);
    this.#gauge('beacon_bus_healthy', '1 when the event bus reaches every instance (always 1 without Redis)', () => (this.#busHealthy?.() === false ? 0 : 1));
    this.#gauge(
      'beacon_sqlite_checkpointer_up',
      '1 while the worker thread checkpoints SQLite\'s write-ahead log; 0 when it stopped and commits checkpoint on the event loop (always 1 on PostgreSQL)',
      () => (this.#checkpointerUp?.() === false ? 0 : 1),
    );
  }

  #gauge(name: string, help: string, read: () => number): void {
    const gauge: Gauge = new Gauge({ name, help, registers: [this.registry], collect: () => gauge.set(read()) });
  }

  #counter(name: string, help: string): Counter {
    return new Counter({ name, help, registers: [this.registry] });
  }

  /** A counter whose increments are summed in `#pending[field]` and added when scraped. */
  #countedAtScrape(name: string, help: string, field: 'deliveries' | 'frames'): void {
    const counter: Counter = new Counter({
      name,
      help,
      registers: [this.registry],
      collect: () => {
        counter.inc(this.#pending[field]);
        this.#pending[field] = 0;
      },
    });
  }

  /** Process and event-loop metrics (CPU, memory, GC, event-loop lag); only where /metrics is on. */
  collectProcessMetrics(): void {
    collectDefaultMetrics({ register: this.registry });
  }

  // ---- gauges, read at scrape time ----------------------------------------------------
  watchSockets(census: SocketCensus): void {
    this.#census = census;
  }
  watchBuffers(census: BufferCensus): void {
    this.#buffers = census;
  }
  watchWriteQueue(depth: () => number): void {
    this.#writeQueue = depth;
  }
  watchReplicas(count: () => number): void {
    this.#replicaCount = count;
  }
  watchBus(healthy: () => boolean): void {
    this.#busHealthy = healthy;
  }
  watchCheckpointer(up: () => boolean): void {
    this.#checkpointerUp = up;
  }

  // ---- hooks ----------------------------------------------------------------------------
  socketOpened(): void {
    this.#connections.inc();
  }
  /** By code: the protocol's own (RFC 6455's and Beacon's); any other (a client may close with 3000–4999) counts as `other`. */
  socketClosed(code: number): void {
    this.#closes.inc({ code: KNOWN_CLOSE_CODES.has(code) ? String(code) : 'other' });
  }
  /** A socket closed before its `ready`, by the server (gateway.ts `refuse`): its close code. */
  socketRefused(code: number): void {
    this.#refused.inc({ code: KNOWN_CLOSE_CODES.has(code) ? String(code) : 'other' });
  }
  /** One frame of `events` events written; `since` is performance.now() when the oldest was queued. */
  frameSent(events: number, since: number): void {
    this.#pending.frames++;
    this.#pending.deliveries += events;
    this.#batchSize.observe(events);
    this.#latency.observe((performance.now() - since) / 1000);
  }
  dropped(events: number): void {
    this.#dropped.inc(events);
  }
  slowConsumerClosed(): void {
    this.#slowCloses.inc();
  }
  /** A socket closed (1013) for the instance's budget on buffered bytes. */
  bufferBudgetShed(): void {
    this.#budgetCloses.inc();
  }
  busPublished(sent: boolean): void {
    this.#busPublished.inc({ result: sent ? 'sent' : 'dropped' });
  }
  /** `sentAt`: the publisher's Date.now() (absent from older publishers). */
  busReceived(sentAt: number | undefined): void {
    this.#busReceived.inc();
    if (sentAt !== undefined) this.#busLag.observe(Math.max(0, Date.now() - sentAt) / 1000);
  }
  presenceRowsWritten(rows: number): void {
    this.#rowsWritten.inc(rows);
  }
  /** Starts timing a write-behind flush; call the result with whether it succeeded. */
  writeBehindFlush(): (ok: boolean) => void {
    const end = this.#flushDuration.startTimer();
    return (ok) => {
      end();
      if (!ok) this.#flushFailures.inc();
    };
  }
  dbQuery(ms: number, error?: unknown): void {
    this.#dbQueries.observe(ms / 1000);
    if (error !== undefined) this.#dbErrors.inc({ kind: isConstraintError(error) ? 'constraint' : 'other' });
  }
  redisError(client: 'bus_pub' | 'bus_sub' | 'store' | 'limits'): void {
    this.#redisErrors.inc({ client });
  }
  httpRequest(method: string, route: string, code: number, seconds: number): void {
    this.#httpRequests.inc({ method, route, code: String(code) });
    this.#httpDuration.observe({ method, route }, seconds);
  }
}

/** PostgreSQL class 23 (integrity constraint violation) or SQLite's SQLITE_CONSTRAINT*. */
function isConstraintError(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
  return code.startsWith('23') || code.startsWith('SQLITE_CONSTRAINT');
}
