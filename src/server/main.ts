/**
 * Reads the config, listens, and drains on SIGTERM/SIGINT: stop accepting, close sockets
 * with 1001, write presence behind, close the bus, Redis and the database, then exit 0.
 * A drain longer than BEACON_SHUTDOWN_TIMEOUT_MS exits 1; a second signal exits at once (143),
 * unless it comes within REPEAT_WINDOW_MS of the first (the same stop, told twice).
 */
import { buildApp } from './app.js';
import { ConfigError, loadConfigOrExit, unknownSettings } from './config.js';
import { assertCanListen } from './port-check.js';

/**
 * A signal this soon after the first is the same stop told twice (a process group's signal and
 * npm's forwarded copy), not a second one: npm forwards within milliseconds; a person's second
 * Ctrl-C or an orchestrator's second SIGTERM comes later.
 */
const REPEAT_WINDOW_MS = 1_000;

/** How long an exit waits for the log lines still queued for stdout (a reader that stopped reading). */
const FLUSH_BOUND_MS = 2_000;

/**
 * Resolves once every line logged so far is written. pino writes stdout asynchronously (its
 * sonic-boom stream): exiting at once lost the lines still queued behind a slow reader, or wrote
 * the last ones (flushed synchronously at exit) before one still in flight, so `shutdown complete`
 * came before `shutdown: database closed`. `flush()` does not wait for a write in flight; `end()`
 * writes what is queued, after it, then closes the stream ('close').
 */
function logsWritten(log: object): Promise<void> {
  const key = Object.getOwnPropertySymbols(log).find((s) => s.description === 'pino.stream');
  const stream = key ? (log as Record<symbol, { end?: () => void; once?: (event: string, fn: () => void) => void } | undefined>)[key] : undefined;
  if (typeof stream?.end !== 'function' || typeof stream.once !== 'function') return Promise.resolve();
  return new Promise((resolve) => {
    stream.once!('close', resolve);
    stream.once!('error', resolve);
    stream.end!();
  });
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  await assertCanListen(config.port, config.host);
  const app = await buildApp(config);
  for (const { name, meant } of unknownSettings()) {
    app.log.warn({ variable: name, meant }, `${name} is not a Beacon setting and is ignored${meant ? ` (did you mean ${meant}?)` : ''}`);
  }
  const bound = config.shutdownTimeoutMs;
  let exiting = false;
  const exit = (code: number) => {
    exiting = true;
    setTimeout(() => process.exit(code), FLUSH_BOUND_MS).unref();
    void logsWritten(app.log).then(() => process.exit(code));
  };
  let stopping = false;
  let started = 0;
  const stop = (signal: string) => {
    if (stopping) {
      // The same stop told twice: Ctrl-C or systemd's KillMode=control-group signals the whole
      // process group, and npm (`npm start`) forwards its own copy a moment later. Only a signal
      // sent after this window is an operator asking to exit at once.
      if (Date.now() - started < REPEAT_WINDOW_MS) {
        if (!exiting) app.log.info({ signal }, `repeat signal within ${REPEAT_WINDOW_MS} ms of the first: the same stop, the drain goes on`);
        return;
      }
      if (exiting) process.exit(143); // the drain is over; only log lines are still being written
      app.log.warn({ signal }, 'second signal during shutdown: exiting now, without finishing the drain');
      process.exit(143);
    }
    stopping = true;
    started = Date.now();
    app.log.info({ signal, boundMs: bound }, 'shutting down: no new connections, sockets close with 1001, presence is written, then Redis and the database close; a second signal exits at once');
    const force = setTimeout(() => {
      app.log.error({ boundMs: bound }, 'shutdown took longer than BEACON_SHUTDOWN_TIMEOUT_MS: exiting without finishing the drain');
      // At once: the drain still running would log after this line (pino writes what is queued at exit).
      process.exit(1);
    }, bound);
    force.unref();
    app.close().then(
      () => {
        clearTimeout(force); // nothing may log while the log stream ends (logsWritten)
        app.log.info({ ms: Date.now() - started }, 'shutdown complete');
        exit(0);
      },
      (err: unknown) => {
        clearTimeout(force);
        // A stop that could not save everything (presence-service.ts IncompleteStop) is an outcome the
        // lines before it explain, not a bug: its reason, no stack.
        app.log.error(err instanceof Error && err.name === 'IncompleteStop' ? { reason: err.message } : { err }, 'shutdown failed');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  await app.listen({ port: config.port, host: config.host });
}

main().catch((err: unknown) => {
  // A setting found wrong only once the start uses it exits as one refused when read (loadConfigOrExit).
  if (err instanceof ConfigError) {
    console.error(`beacon: ${err.message}`);
    process.exit(2);
  }
  console.error('beacon: failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
