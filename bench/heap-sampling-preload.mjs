/**
 * Preload for bench/heap-census.ts (HEAP_CENSUS_SAMPLE): the first SIGUSR1 starts V8's
 * sampling heap profiler, the second writes its profile to HEAP_SAMPLE_OUT. With
 * HEAP_SAMPLE_DEAD=1 the profile also keeps objects that died in a major GC, i.e. objects that
 * were promoted to the old generation and then became garbage; objects that died young are
 * never kept. Two runs, one with and one without, differ by the promoted garbage. With
 * HEAP_SAMPLE_DEAD=all it keeps every sampled allocation (what the connects allocate in all).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const session = new Session();
session.connect();
let sampling = false;
process.on('SIGUSR1', () => {
  if (!sampling) {
    sampling = true;
    // HEAP_SAMPLE_DEAD=all also keeps objects that died young: every allocation sampled.
    const dead = process.env.HEAP_SAMPLE_DEAD === '1' || process.env.HEAP_SAMPLE_DEAD === 'all';
    const young = process.env.HEAP_SAMPLE_DEAD === 'all';
    session.post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: dead, includeObjectsCollectedByMinorGC: young });
    return;
  }
  session.post('HeapProfiler.stopSampling', (err, result) => {
    if (err) console.error('heap sampling failed', err);
    else writeFileSync(process.env.HEAP_SAMPLE_OUT, JSON.stringify(result.profile));
  });
});
