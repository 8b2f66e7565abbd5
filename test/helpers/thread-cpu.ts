/**
 * CPU time of this process's main thread (the event loop's), from Linux's
 * /proc/self/task/<pid>/stat, in ms at the kernel's tick (10 ms): what the loop itself spent,
 * unlike the wall clock, which also counts the time other processes held the core, and unlike
 * process.cpuUsage(), which also counts worker threads. Null where /proc cannot be read.
 * (Node 23.9's process.threadCpuUsage() would replace it.)
 */
import { readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ = 100 on Linux (getconf CLK_TCK)

export function mainThreadCpuMs(): number | null {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return null;
  }
}
