/**
 * What the bench measures from outside the server: event-loop delay seen as the latency
 * of a tiny GET /healthz every 100 ms (a blocked loop answers late), and the login rate.
 */
import http from 'node:http';
import { BENCH_PASSWORD, benchUsername } from './seed-beacon.js';
import { nowMs } from './protocol.js';

export interface Probe {
  stop(): Float64Array;
}

/** One request at a time over a keep-alive socket; a probe still pending skips its turn. */
export function startHealthProbe(port: number, everyMs = 100): Probe {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const samples: number[] = [];
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    const t = nowMs();
    const req = http.get({ host: '127.0.0.1', port, path: '/healthz', agent, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => {
        samples.push(nowMs() - t);
        busy = false;
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => {
      busy = false;
    });
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      agent.destroy();
      return Float64Array.from(samples).sort();
    },
  };
}

export interface LoginFigures {
  attempts: number;
  ok: number;
  perSecond: number;
  latencies: Float64Array;
}

/** `count` real POST /api/v1/auth/login calls (argon2 verify each), `concurrency` at a time. */
export async function measureLogins(port: number, count: number, concurrency: number): Promise<LoginFigures> {
  const latencies: number[] = [];
  let ok = 0;
  let next = 0;
  const started = nowMs();
  const lane = async () => {
    while (next < count) {
      const i = next++;
      const t = nowMs();
      try {
        const res = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: benchUsername(i), password: BENCH_PASSWORD }),
          signal: AbortSignal.timeout(10_000),
        });
        await res.arrayBuffer();
        if (res.status === 200) ok++;
      } catch {
        // counted as a failure: ok is not incremented
      }
      latencies.push(nowMs() - t);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const secs = (nowMs() - started) / 1000;
  return { attempts: count, ok, perSecond: ok / secs, latencies: Float64Array.from(latencies).sort() };
}

/** The p-th percentile (0..100) of ascending samples; NaN when empty. */
export function pct(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}
