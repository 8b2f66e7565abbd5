// The checkpointer's interface, apart from its implementation (sqlite-checkpointer.ts) and
// in a module that does not import better-sqlite3: it reaches the published declarations
// (Database), and a declaration module that imports better-sqlite3 would have every host
// that checks declarations (skipLibCheck off) need @types/better-sqlite3 for a type it
// never sees.

/** What one PASSIVE checkpoint reported: frames in the log, and how many of them are now in the database file. */
export interface CheckpointResult {
  busy: boolean;
  logFrames: number;
  checkpointedFrames: number;
}

export interface Checkpointer {
  /** True while the worker checkpoints; false once it failed or was closed (commits checkpoint again). */
  readonly running: boolean;
  /** Runs a checkpoint now (tests, shutdown) and resolves with its result. */
  checkpointNow(): Promise<CheckpointResult>;
  /** Stops the worker; the main connection checkpoints on commit again. */
  close(): Promise<void>;
}
