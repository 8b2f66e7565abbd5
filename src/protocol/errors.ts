/** Stable error codes of the REST API and WebSocket `error` frames. */
export const ERROR_CODES = [
  'VALIDATION_ERROR',
  'INVALID_CREDENTIALS',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'PRECONDITION_FAILED',
  'RATE_LIMITED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'SERVICE_UNAVAILABLE',
  'INTERNAL_ERROR',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** WebSocket close codes. 4xxx codes are Beacon's; see docs/protocol.md for which to retry. */
export const CloseCode = {
  /** Server is going away (restart, deploy): reconnect, possibly to another instance. */
  GOING_AWAY: 1001,
  /** A frame exceeded the maximum size. */
  TOO_LARGE: 1009,
  /** Session revoked (logout): do not reconnect with this token. */
  SESSION_REVOKED: 4000,
  /** Bad, expired or revoked token: log in again. */
  UNAUTHORIZED: 4401,
  /** No `auth` frame within the auth timeout. */
  AUTH_TIMEOUT: 4408,
  /** Too many frames: back off, then reconnect. */
  RATE_LIMITED: 4429,
  /**
   * The account opened more sockets than allowed and this, its oldest, was closed: do not
   * reconnect the socket (that would close another); poll, or reconnect on user action.
   */
  TOO_MANY_SOCKETS: 4409,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Maximum size of one client frame, in bytes. */
export const MAX_FRAME_BYTES = 16 * 1024;
/**
 * Size in bytes past which a client frame after `auth` is read only if a pass over its bytes
 * finds it shallow (client-frames.ts isShallow), and the maximum body of the small REST changes
 * (status, settings). The largest valid `set_status` (a 128-character message of emoji
 * sequences, MAX_CUSTOM_MESSAGE_RAW code points of 4 bytes) is ~4.2 KiB; an `activity` with 16
 * details of 32-character keys and 100-character values in 3-byte characters ~6.5 KiB, but
 * ~13 KiB written with `\uXXXX` escapes, so activity bodies may take MAX_FRAME_BYTES.
 */
export const MAX_CHANGE_BYTES = 8 * 1024;
/** Maximum length of a custom status message, in characters. */
export const MAX_CUSTOM_MESSAGE = 128;
/** Hard cap on a custom message's code points (128 characters as people see them can be long: emoji sequences). */
export const MAX_CUSTOM_MESSAGE_RAW = 1024;
