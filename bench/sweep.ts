/**
 * The rate sweep after the steady phase: which rates are tried, and where it stops. Up from the
 * steady rate while steps keep p99 ≤ 100 ms with nothing lost; or, when the steady rate itself
 * missed that (a slow hour, a server that cannot keep up), down until a step makes it. The best
 * passing step is the highest delivery rate at p99 ≤ 100 ms, so the throughput ratio between
 * the two targets (tried at the same rates) is judged either way.
 */
/** What the sweep reads of a phase (ChurnFigures has it). */
export interface StepFigures {
  latencyMs: { p99: number };
  lost: number;
  deliveriesPerSec: number;
}

/** Whether a phase kept p99 ≤ 100 ms with nothing lost. */
export const passes = (c: Pick<StepFigures, 'latencyMs' | 'lost'>): boolean => c.latencyMs.p99 <= 100 && c.lost === 0;

export interface SweepResult<T> {
  steps: T[];
  /** The passing step with the most deliveries per second, with its rate; null when none passed. */
  best: { rate: number; deliveriesPerSec: number } | null;
}

export async function sweep<T extends StepFigures>(
  steadyPassed: boolean,
  up: readonly number[],
  down: readonly number[],
  step: (rate: number) => Promise<T>,
): Promise<SweepResult<T>> {
  const [rates, stopAtPass] = steadyPassed ? [up, false] : [down, true];
  const out: SweepResult<T> = { steps: [], best: null };
  for (const rate of rates) {
    const s = await step(rate);
    out.steps.push(s);
    const pass = passes(s);
    if (pass && s.deliveriesPerSec > (out.best?.deliveriesPerSec ?? 0)) out.best = { rate, deliveriesPerSec: s.deliveriesPerSec };
    if (pass === stopAtPass) break;
  }
  return out;
}
