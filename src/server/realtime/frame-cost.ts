/**
 * What a client frame costs its socket's rate limit. Parsing and validating a frame costs the
 * server time in proportion to its bytes (a 14 KB frame of 1,500 keys took ~1 ms, a valid
 * frame microseconds), so a frame takes one token of the per-socket bucket plus one per whole
 * KiB: 20 small frames a second as before, but only ~20 KiB a second of large ones.
 */
import type { RawData } from 'ws';

const TOKEN_BYTES = 1024;

/** The frame's size in bytes, in whichever form ws hands it over. */
export function frameBytes(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data.byteLength;
}

/** Tokens a frame of `bytes` takes from its socket's bucket. */
export function frameTokens(bytes: number): number {
  return 1 + Math.floor(bytes / TOKEN_BYTES);
}

/** The frame's bytes as one array (ws hands a text frame over as one Buffer unless told otherwise). */
export function asBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}
