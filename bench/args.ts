/** Command-line options of `npm run bench -- ...`, with the full-run and smoke defaults. */
import { parseArgs } from 'node:util';

export interface BenchOptions {
  users: number;
  friends: number;
  rate: number;
  duration: number;
  instances: number;
  workers: number;
  seed: number;
  smoke: boolean;
  compression: boolean;
  targets: ('beacon' | 'baseline')[];
  sweep: boolean;
  small: boolean;
  /** Changes/s of scenario (b), the ejabberd workload (the target is set at 2,000; lower it to study a machine that cannot run that). */
  smallRate: number;
  /** Run scenario (a), the main 10,000-user run; off with --no-main (to look at the other scenarios alone). */
  main: boolean;
  /** Scenario (c): two Beacon instances over Redis at 500 changes/s (full runs with one instance only). */
  two: boolean;
  profile: boolean;
  outDir: string;
  /** Run the multi-instance Beacon runs on a local three-primary Redis Cluster instead of the Redis on :6379. */
  redisCluster: boolean;
  /** Run Beacon from `git archive <ref>` instead of the working tree. */
  beaconRef: string | null;
  /** Run Beacon's compiled build (dist/server/main.js, what `npm start` runs; the default) rather than its sources through tsx (--tsx). */
  compiled: boolean;
  command: string;
}

const USAGE = `usage: npm run bench -- [--users 10000] [--friends 50] [--rate 1000] [--duration 60]
  [--instances 1|2] [--target beacon|baseline|both] [--workers 2] [--seed 42]
  [--smoke] [--compression] [--no-main] [--no-sweep] [--no-small] [--no-two] [--profile] [--out bench/results]
  [--small-rate 2000]        changes/s of the ejabberd workload (its target is judged only at 2,000)
  [--redis-cluster]          run --instances 2 on a local 3-primary Redis Cluster (sharded pub/sub);
                             a full run (no --smoke, no --no-two) adds the 2-instance run on a cluster
  [--beacon-ref <git ref>]   run Beacon from a snapshot of that commit instead of the working tree
  [--tsx]                    run Beacon's TypeScript sources through tsx instead of its compiled build
                             (dist/server/main.js, what \`npm start\` runs; built first when missing or stale)`;

/** The ejabberd workload's rate, as the issue sets it. */
export const SMALL_RATE = 2000;

function num(v: string | undefined, name: string, fallback: number, min: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}\n${USAGE}`);
  return n;
}

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      users: { type: 'string' },
      friends: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      instances: { type: 'string' },
      workers: { type: 'string' },
      seed: { type: 'string' },
      target: { type: 'string', default: 'both' },
      smoke: { type: 'boolean', default: false },
      compression: { type: 'boolean', default: false },
      'no-sweep': { type: 'boolean', default: false },
      'no-small': { type: 'boolean', default: false },
      'small-rate': { type: 'string' },
      'no-main': { type: 'boolean', default: false },
      'no-two': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'redis-cluster': { type: 'boolean', default: false },
      out: { type: 'string', default: 'bench/results' },
      'beacon-ref': { type: 'string' },
      tsx: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const smoke = values.smoke;
  const target = values.target;
  if (target !== 'beacon' && target !== 'baseline' && target !== 'both') throw new Error(`--target must be beacon, baseline or both\n${USAGE}`);
  const users = num(values.users, 'users', smoke ? 200 : 10_000, 2);
  const instances = num(values.instances, 'instances', 1, 1);
  if (instances > 2) throw new Error('--instances must be 1 or 2');
  return {
    users,
    friends: num(values.friends, 'friends', smoke ? 10 : 50, 1),
    rate: num(values.rate, 'rate', smoke ? 50 : instances > 1 ? 500 : 1000, 1),
    duration: num(values.duration, 'duration', smoke ? 4 : 60, 1),
    instances,
    // 5,000 sockets per worker keeps each well under the 20,000 open files limit.
    workers: num(values.workers, 'workers', Math.max(2, Math.ceil(users / 5000)), 1),
    seed: num(values.seed, 'seed', 42, 0),
    smoke,
    compression: values.compression,
    targets: target === 'both' ? ['baseline', 'beacon'] : [target],
    sweep: !smoke && !values['no-sweep'],
    small: !smoke && !values['no-small'],
    smallRate: num(values['small-rate'], 'small-rate', SMALL_RATE, 1),
    main: !values['no-main'],
    two: !smoke && !values['no-two'] && instances === 1 && target !== 'baseline',
    profile: values.profile,
    redisCluster: values['redis-cluster'],
    outDir: values.out,
    beaconRef: values['beacon-ref'] ?? null,
    compiled: !values.tsx,
    command: `npm run bench -- ${argv.join(' ')}`.trim(),
  };
}
