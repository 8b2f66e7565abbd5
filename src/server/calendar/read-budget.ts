/**
 * The time budget of one feed read (ics.ts MAX_READ_MS), counted in CPU time of the thread
 * doing the read, not on the wall clock. A wall-clock budget refused valid feeds on a busy
 * machine: a read needing a fifth of its budget of CPU took the whole budget of wall time while
 * other processes held the cores, and the user was told the calendar "takes too long to read"
 * (400), which was not true of the calendar. CPU time is what a feed costs the instance, busy or
 * not. A wall-clock cap stays (`wallCapMs`, above the budget): below the runner's hard deadline
 * (ics-runner.ts, the backstop for loops that never check this budget, which terminates the
 * worker), so that on a starved machine this budget still answers first and the worker lives on.
 *
 * CPU time comes from Linux's /proc/thread-self/stat (the calling thread's, at the kernel's
 * 10 ms tick). It is read only once the wall clock says the budget could be spent (CPU time never
 * runs ahead of wall time), so a read on a quiet machine costs no system call. Where /proc cannot
 * be read the wall clock decides, as before.
 */
import { readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ = 100 on Linux (getconf CLK_TCK)

/** CPU time (user + system) of the calling thread in ms, or null where it cannot be read. */
export function threadCpuMs(): number | null {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    // After the command name (in parentheses, may hold spaces): utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * TICK_MS : null;
  } catch {
    return null;
  }
}

export interface ReadBudgetClocks {
  /** Wall clock in ms (performance.now). */
  wallMs: () => number;
  /** The thread's CPU time in ms, or null (threadCpuMs). */
  cpuMs: () => number | null;
}

const CLOCKS: ReadBudgetClocks = { wallMs: () => performance.now(), cpuMs: threadCpuMs };

export class ReadBudget {
  readonly #ms: number;
  readonly #clocks: ReadBudgetClocks;
  readonly #cpuStart: number | null;
  /** Before this wall time the budget cannot be spent; after it the CPU time is read. */
  #checkAt: number;
  /** From this wall time on the budget is spent, whatever the CPU time. */
  readonly #wallEnd: number;

  constructor(ms: number, wallCapMs: number, clocks: ReadBudgetClocks = CLOCKS) {
    this.#ms = ms;
    this.#clocks = clocks;
    this.#cpuStart = clocks.cpuMs();
    const start = clocks.wallMs();
    this.#checkAt = start + ms;
    this.#wallEnd = start + Math.max(ms, wallCapMs);
  }

  /** Whether the read has used its budget (of CPU time where it can be read, else of wall time), or its wall-clock cap. */
  spent(): boolean {
    const wall = this.#clocks.wallMs();
    if (wall >= this.#wallEnd) return true;
    if (wall <= this.#checkAt) return false;
    const start = this.#cpuStart;
    const cpu = start === null ? null : this.#clocks.cpuMs();
    if (start === null || cpu === null) return true;
    // One tick of slack: the kernel counts whole ticks, a read started just before one is charged it.
    const used = cpu - start - TICK_MS;
    if (used >= this.#ms) return true;
    this.#checkAt = wall + (this.#ms - Math.max(0, used));
    return false;
  }
}
