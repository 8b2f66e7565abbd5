/** Stable error codes of the REST API and WebSocket `error` frames. */
export const ERROR_CODES = [
  'VALIDATION_ERROR',
  'INVALID_CREDENTIALS',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
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
 * Maximum size of a client frame after `auth`, in bytes, and of the bodies of the small REST
 * changes (status, activity, settings). Only `auth` needs more (a host's JWT can be long). The
 * largest valid frames are well below: `set_status` with a 128-character message of emoji
 * sequences (at most MAX_CUSTOM_MESSAGE_RAW code points of 4 bytes) is ~4.2 KiB; `activity`
 * with 16 details, each a 32-character key and a 100-character value, all in 3-byte characters
 * (what Beacon keeps of details), ~6.5 KiB.
 */
export const MAX_CHANGE_BYTES = 8 * 1024;
/** Maximum length of a custom status message, in characters. */
export const MAX_CUSTOM_MESSAGE = 128;
/** Hard cap on a custom message's code points (128 characters as people see them can be long: emoji sequences). */
export const MAX_CUSTOM_MESSAGE_RAW = 1024;
