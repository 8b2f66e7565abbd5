/**
 * Promoted garbage by allocation site: the difference of two sampling heap profiles written
 * by bench/heap-census.ts, one with HEAP_CENSUS_SAMPLE_DEAD=1 (live objects and those that
 * died after promotion) and one without (live objects only), per socket. Sites are grouped
 * by the innermost frame of Beacon's own code (src/) on the allocating stack, and the package
 * or Node module that allocated, which is robust to the two runs inlining differently.
 * Usage: node --import tsx bench/heap-sample-diff.ts DEAD.json LIVE.json [sockets=5000] [top=40]
 */
import { readFileSync } from 'node:fs';
import { where } from './code-location.js';

interface SampleNode {
  callFrame: { functionName: string; url: string };
  selfSize: number;
  children?: SampleNode[];
}

const [deadFile, liveFile, socketsArg, topArg] = process.argv.slice(2);
if (!deadFile || !liveFile) {
  console.error('usage: heap-sample-diff DEAD.json LIVE.json [sockets=5000] [top=40]');
  process.exit(2);
}
const sockets = Number(socketsArg ?? 5000);
const top = Number(topArg ?? 40);

function bySite(file: string): { sites: Map<string, number>; total: number } {
  const head = (JSON.parse(readFileSync(file, 'utf8')) as { head: SampleNode }).head;
  const sites = new Map<string, number>();
  let total = 0;
  const walk = (n: SampleNode, own: string | null): void => {
    const { functionName, url } = n.callFrame;
    const mine = url.includes('/src/') ? `${functionName || '(anonymous)'} ${url.slice(url.indexOf('/src/') + 1)}` : own;
    if (n.selfSize > 0) {
      const key = `${mine ?? '(no Beacon frame)'} [${where(url)}]`;
      sites.set(key, (sites.get(key) ?? 0) + n.selfSize);
      total += n.selfSize;
    }
    for (const c of n.children ?? []) walk(c, mine);
  };
  walk(head, null);
  return { sites, total };
}

const dead = bySite(deadFile);
const live = bySite(liveFile);
const perSocket = (b: number) => (b / sockets).toFixed(0).padStart(7);
console.log(`sampled per socket: ${perSocket(dead.total)} B with promoted garbage, ${perSocket(live.total)} B live; difference ${((dead.total - live.total) / sockets / 1024).toFixed(2)} KiB`);
console.log('promoted garbage   with    live  site [allocated by]');
const rows = [...new Set([...dead.sites.keys(), ...live.sites.keys()])].map((k) => [k, dead.sites.get(k) ?? 0, live.sites.get(k) ?? 0] as const);
rows.sort((a, b) => b[1] - b[2] - (a[1] - a[2]));
for (const [k, d, l] of rows.slice(0, top)) console.log(`${perSocket(d - l)} B ${perSocket(d)} ${perSocket(l)}  ${k}`);
