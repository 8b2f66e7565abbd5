/**
 * Summarises a V8 .cpuprofile (from `npm run bench -- --profile`, which starts Beacon
 * with `node --cpu-prof`): self time by function and by package/file.
 * Usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [top=25] [--from MS --to MS]
 * --from/--to keep only samples in that window of the monotonic clock (ms); the bench log
 * prints each phase's window (`bench: phase steady monotonic A..B ms`).
 */
import { readFileSync } from 'node:fs';
import { where } from './code-location.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const argv = process.argv.slice(2);
const opt = (name: string): number | null => {
  const i = argv.indexOf(name);
  if (i < 0) return null;
  const v = Number(argv[i + 1]);
  argv.splice(i, 2);
  return v;
};
const fromMs = opt('--from') ?? -Infinity;
const toMs = opt('--to') ?? Infinity;
const [file, topArg] = argv;
if (!file) {
  console.error('usage: profile-summary <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
let atUs = profile.startTime;
profile.samples.forEach((id, i) => {
  atUs += profile.timeDeltas[i] ?? 0;
  if (atUs / 1000 < fromMs || atUs / 1000 > toMs) return;
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);


const byFn = new Map<string, number>();
const byPkg = new Map<string, number>();
for (const [id, us] of selfUs) {
  const n = byId.get(id);
  if (!n) continue;
  const { functionName, url, lineNumber } = n.callFrame;
  const key = `${functionName || '(anonymous)'} ${where(url)}${url ? `:${lineNumber + 1}` : ''}`;
  byFn.set(key, (byFn.get(key) ?? 0) + us);
  byPkg.set(where(url), (byPkg.get(where(url)) ?? 0) + us);
}
const print = (title: string, m: Map<string, number>) => {
  console.log(`\n${title} (total ${(total / 1e6).toFixed(2)} s sampled)`);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1e6).toFixed(2).padStart(7)} s  ${k}`);
};
print('self time by package / file', byPkg);
print('self time by function', byFn);
