/**
 * Starts real Beacon instances as child processes on Redis and PostgreSQL, as an
 * operator would, for the cluster tests. Every cluster gets its own PostgreSQL schema
 * and Redis prefix, so test files never see each other.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { freshDatabase } from '../helpers/databases.js';
import { freePort } from '../helpers/free-port.js';
import { REDIS_URL, requireRedis, uniquePrefix } from '../helpers/redis.js';
import { SERVER_ENTRY } from '../helpers/server-entry.js';
export { forGrace, graceScale, heartbeatForGrace } from '../helpers/product-timings.js';


export interface Instance {
  name: string;
  port: number;
  url: string;
  child: ChildProcess;
  output: string[];
  /** Resolves with the exit code or signal. */
  exited: Promise<string>;
}

export interface Cluster {
  env: Record<string, string>;
  instances: Instance[];
  start(name: string, extraEnv?: Record<string, string>): Promise<Instance>;
  /** Starts an instance again on the same port. */
  restart(i: Instance): Promise<Instance>;
  stop(): Promise<void>;
}

/**
 * Waits for the instance's /readyz to answer 200. The bound is generous: it only waits for a
 * start (migrations on a fresh database, Redis connections), which on a loaded 2-core machine
 * took over 20 s once (CI beside three other jobs); no test times a start with it. The files'
 * test timeouts (150 s) hold three starts at this bound, so a start that never ends fails with
 * this error (and the instance's output), not with Vitest's timeout.
 */
async function waitHealthy(url: string, child: ChildProcess, output: string[]): Promise<void> {
  const deadline = Date.now() + 45_000;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`instance exited early:\n${output.join('')}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.status === 200) return;
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = `not listening yet (${(err as Error).message})`;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`instance not ready in time (last /readyz: ${last}):\n${output.join('')}`);
}

export async function startCluster(env: Record<string, string> = {}): Promise<Cluster> {
  const admin = await requireRedis();
  admin.disconnect();
  const db = await freshDatabase('postgres');
  const base: Record<string, string> = {
    BEACON_DATABASE_URL: db.url,
    BEACON_REDIS_URL: REDIS_URL,
    BEACON_REDIS_PREFIX: uniquePrefix(),
    BEACON_JWT_SECRET: 'cluster-test-secret-0123456789',
    BEACON_RATE_LIMITS: 'off',
    BEACON_LOG_LEVEL: 'warn',
    BEACON_WEB_ROOT: 'off',
    // No grace stretch (as testConfig): these tests time exact graces, and an instance busy
    // starting beside the unit suite, saying so in its heartbeats, would stretch graces on all.
    BEACON_GRACE_STRETCH: '1',
    ...env,
  };
  const instances: Instance[] = [];

  async function launch(name: string, port: number, extraEnv: Record<string, string>): Promise<Instance> {
    const output: string[] = [];
    const child = spawn(process.execPath, [...SERVER_ENTRY], {
      env: { ...process.env, ...base, ...extraEnv, BEACON_PORT: String(port), BEACON_HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
    const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? String(code))));
    const url = `http://127.0.0.1:${port}`;
    const inst: Instance = { name, port, url, child, output, exited };
    instances.push(inst);
    await waitHealthy(url, child, output);
    return inst;
  }

  return {
    env: base,
    instances,
    start: async (name, extraEnv = {}) => launch(name, await freePort(), extraEnv),
    restart: (i) => launch(i.name, i.port, {}),
    async stop() {
      for (const i of instances) if (i.child.exitCode === null && i.child.signalCode === null) i.child.kill('SIGKILL');
      await Promise.all(instances.map((i) => i.exited));
      await db.drop();
    },
  };
}

/** Registers a user on an instance; returns its token and id. */
export async function register(inst: Instance, username: string): Promise<{ token: string; id: number }> {
  const res = await fetch(`${inst.url}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'pass-phrase-for-tests' }),
  });
  if (res.status !== 201) throw new Error(`register ${username}: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { token: string; user: { id: number } };
  return { token: body.token, id: body.user.id };
}

export async function api(inst: Instance, method: string, path: string, token: string, body?: unknown): Promise<Response> {
  return fetch(`${inst.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

/** Befriends two users through the API of the given instances. */
export async function befriend(
  ia: Instance,
  a: { token: string; id: number },
  ib: Instance,
  b: { token: string; id: number },
): Promise<void> {
  const sent = await api(ia, 'POST', '/users/me/friends/requests', a.token, { user_id: b.id });
  const { request } = (await sent.json()) as { request: { id: number } };
  const ok = await api(ib, 'POST', `/users/me/friends/requests/${request.id}/accept`, b.token);
  if (ok.status !== 200) throw new Error(`accept: ${ok.status}`);
}
