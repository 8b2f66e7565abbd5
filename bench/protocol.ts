/** Messages between the bench parent (run.ts) and its generator workers (worker.ts), over IPC. */

export const STATUSES = ['online', 'away', 'busy'] as const;
/** Activities used by the churn; none of them is a game, so the status never turns in_game. */
export const ACTIVITIES = ['browsing', 'chatting', 'watching_match', 'managing_profile'] as const;
/** Code for "activity not one of ACTIVITIES" (null, idle, a game...). */
export const OTHER_ACTIVITY = 255;

export interface ClientSpec {
  /** Graph index of the user (0-based). */
  index: number;
  userId: number;
  token: string;
  url: string;
  localAddress: string;
}

export type ToWorker =
  | { type: 'init'; clients: ClientSpec[]; compression: boolean; concurrency: number; seed: number }
  | { type: 'connect'; timeoutMs: number }
  | { type: 'phase'; name: string }
  /** Change `ids[k]` is made by user `indexes[k]`: kind 0 = set_status, 1 = activity. */
  | { type: 'changes'; ids: Int32Array; indexes: Int32Array; kinds: Uint8Array }
  | { type: 'storm'; windowMs: number; timeoutMs: number }
  | { type: 'flush'; token: number }
  | { type: 'stop' };

/** Counters a worker keeps per phase (reset by `phase`). */
export interface WorkerCounters {
  frames: number;
  payloadBytes: number;
  wireBytes: number;
  /** friend_status_change frames saying `offline`. */
  offline: number;
  /** friend_status_change frames without a churn message (presence on connect, ...). */
  otherChanges: number;
  errors: number;
  unexpectedCloses: number;
  closeCodes: Record<string, number>;
  skippedSends: number;
}

export interface ConnectReport {
  type: 'connected';
  ready: number;
  failed: number;
  /** Per socket: ms from the start of its connect to its `ready`. */
  latencies: Float64Array;
  /** Monotonic ms of the last `ready`. */
  lastReadyAt: number;
}

export type FromWorker =
  | { type: 'ready-to-work' }
  | ConnectReport
  | {
      type: 'storm-done';
      ready: number;
      failed: number;
      latencies: Float64Array;
      lastReadyAt: number;
    }
  | {
      type: 'data';
      /** Receipts: the change id read from the message, activity code, monotonic receive ms. */
      recvIds: Int32Array;
      recvActs: Uint8Array;
      recvTimes: Float64Array;
      /** Sends: change id, resulting activity code, monotonic send ms. */
      sendIds: Int32Array;
      sendActs: Uint8Array;
      sendTimes: Float64Array;
    }
  | { type: 'flushed'; token: number; counters: WorkerCounters }
  | { type: 'fatal'; message: string };

/** Monotonic milliseconds, comparable across processes on one machine (CLOCK_MONOTONIC). */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
