/**
 * Where a migration says what it did to existing rows: the start's logger (pino's `info`
 * fits), silent where nobody reads it (tests, the admin command).
 */
export interface MigrationLog {
  info(fields: object, message: string): void;
}

export const SILENT_MIGRATION_LOG: MigrationLog = { info: () => {} };
