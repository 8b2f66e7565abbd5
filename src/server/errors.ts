/**
 * The error catalogue and the one error handler. Every error leaves as
 * `{code, message}` with a stable code; 5xx never say more than "internal error".
 */
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorCode } from '../protocol/index.js';
import { DISPLAY_NAME_PATTERN, MAX_CUSTOM_MESSAGE, MAX_CUSTOM_MESSAGE_RAW, TIME_OF_DAY_PATTERN, UNSAFE_TEXT_RULE, USERNAME_PATTERN } from '../protocol/index.js';
import { HOST_ID_PATTERN, MAX_HOST_ID_IN_PATH } from '../protocol/integration.js';
import { failedToConnect } from './db/error-tags.js';

const STATUS_OF: Record<ErrorCode, number> = {
  VALIDATION_ERROR: 400,
  INVALID_CREDENTIALS: 401,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
};

/** An expected failure with a catalogue code; its message is safe to show users. */
export class AppError extends Error {
  readonly statusCode: number;
  /** For a 429: how long until asking again can succeed, sent as `Retry-After` (whole seconds, at least 1). */
  readonly retryAfterMs: number | undefined;
  constructor(
    readonly code: ErrorCode,
    message: string,
    opts: { retryAfterMs?: number } = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.statusCode = STATUS_OF[code];
    this.retryAfterMs = opts.retryAfterMs;
  }
}

const KIB = 1024;
const MIB = 1024 * KIB;

/**
 * A byte count in plain units: `8 KiB`, `1 MiB`, `64 KiB`; `100,000 bytes` when it is not a
 * whole number of either.
 */
function bytesInWords(bytes: number): string {
  if (bytes >= MIB && bytes % MIB === 0) return `${bytes / MIB} MiB`;
  if (bytes >= KIB && bytes % KIB === 0) return `${bytes / KIB} KiB`;
  return `${bytes.toLocaleString('en-US')} bytes`;
}

/**
 * The 413 of a body past its route's limit, naming that limit: the limits differ by route (a
 * status change 8 KiB, the service API 1 MiB), and "too large" alone does not say by how much.
 * `limit`: the route's bodyLimit, or the server's (Fastify's routeOptions say whichever holds).
 */
function tooLarge(limit: number | undefined): AppError {
  const said = limit === undefined ? '' : `: this request takes at most ${bytesInWords(limit)}`;
  return new AppError('PAYLOAD_TOO_LARGE', `Request body is too large${said}`);
}

/** Maps Fastify's own error codes to ours. */
function fromFastify(error: FastifyError, request: FastifyRequest): AppError | null {
  if (error.validation) return new AppError('VALIDATION_ERROR', validationMessage(error));
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return tooLarge(request.routeOptions.bodyLimit);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send JSON with Content-Type: application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('VALIDATION_ERROR', 'This request needs a JSON body, and the body was empty');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      // Fastify's parser refuses prototype keys (secure-json-parse) with the same error as broken JSON.
      return new AppError('VALIDATION_ERROR', 'Body is not valid JSON, or it has a "__proto__" or "constructor" key, which is refused');
  }
  if (error.statusCode === 429) return new AppError('RATE_LIMITED', 'Too many requests, slow down');
  // A path the static files refuse (traversal, NUL) is simply not there.
  if (error.code === 'FST_STATIC_FORBIDDEN_PATH' || error.statusCode === 404) return new AppError('NOT_FOUND', 'Not found');
  // Every foreign key refers to an account (users.id): one deleted while the request ran.
  if (isForeignKeyViolation(error)) return new AppError('NOT_FOUND', 'That account no longer exists');
  // Two requests that met on the same rows at the same moment (PostgreSQL undid one): safe to try again.
  if (error.code === '40P01' || error.code === '40001') return new AppError('CONFLICT', 'Another change to the same data happened at the same moment; try again');
  if (isDatabaseUnreachable(error)) return new AppError('SERVICE_UNAVAILABLE', 'The database is unreachable; try again shortly');
  if (error.statusCode === 401) return new AppError('UNAUTHORIZED', 'Not authenticated');
  if (error.statusCode === 403) return new AppError('FORBIDDEN', 'Forbidden');
  if (error instanceof SyntaxError || (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500)) {
    return new AppError('VALIDATION_ERROR', 'Malformed request');
  }
  return null;
}

/** A write that referred to a row deleted meanwhile (PostgreSQL 23503, SQLite's foreign key constraint). */
export function isForeignKeyViolation(error: { code?: string }): boolean {
  return error.code === '23503' || error.code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/**
 * The database cannot serve Beacon now, whatever the request (not query errors, which are bugs):
 * the network or the server is down, or PostgreSQL refuses the connection. Refusals by SQLSTATE:
 * shutting down or crashed (57P01, 57P02), starting or recovering (57P03), too many connections
 * (53300), the database not accepting connections (55000: ALLOW_CONNECTIONS false, maintenance;
 * Beacon's queries raise no other 55000), gone (3D000: dropped or renamed), the credentials or
 * pg_hba.conf refused (28P01, 28000: a password rotated under a running instance), and the
 * connection exceptions (08xxx). So is a server refusing the TLS the URL asks for (pg's "The
 * server does not support SSL connections": it answered the SSLRequest 'N', as one restarted
 * with `ssl = off` does; "There was an error establishing an SSL connection": any other answer).
 * And so is any other failure to get a connection (db/error-tags.ts), whatever its words: the TLS
 * certificate refused (expired, another one), the host unknown, a socket error.
 * API routes answer 503, /readyz too, the write-behind retries.
 */
const UNREACHABLE_CODES = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', '57P01', '57P02', '57P03', '53300', '55000', '3D000', '28P01', '28000', '08000', '08001', '08003', '08004', '08006'];

export function isDatabaseUnreachable(error: { code?: string; message?: string }): boolean {
  const code = error.code ?? '';
  return (
    failedToConnect(error) ||
    UNREACHABLE_CODES.includes(code) ||
    /Connection terminated|timeout exceeded when trying to connect|Query read timeout|does not support SSL connections|error establishing an SSL connection/i.test(error.message ?? '')
  );
}

/**
 * What a refused request part says (`body.player_ids must NOT have more than 64 items`): a route's
 * and the in-process API's (validation.ts checkBody). `fieldNames` names a field as its caller
 * wrote it where that differs (`setStatus`'s `customMessage` is the route's `custom_message`).
 */
export function validationMessage(error: Pick<FastifyError, 'validation' | 'validationContext'>, fieldNames: Readonly<Record<string, string>> = {}): string {
  const first = error.validation?.[0];
  if (!first) return 'Invalid request';
  const where = error.validationContext ?? 'body';
  const field = first.instancePath ? first.instancePath.replace(/^\//, '').replace(/\//g, '.') : '';
  const path = Object.hasOwn(fieldNames, field) ? fieldNames[field]! : field;
  if (first.keyword === 'additionalProperties') {
    const extra = (first.params as { additionalProperty?: string }).additionalProperty;
    return `${where}: unknown field "${extra ?? '?'}"`;
  }
  // A value matching no branch of a union (a host id: an integer or a string) fails on the first
  // branch first; saying only that ("must be integer") misleads a caller who sent a string.
  const union = error.validation?.find((e) => e.keyword === 'anyOf' && e.instancePath === first.instancePath && first.schemaPath.startsWith(`${e.schemaPath}/`));
  const said = union
    ? [...new Set(error.validation!.filter((e) => e.instancePath === union.instancePath && e.schemaPath.startsWith(`${union.schemaPath}/`)).map(wordsOf))].join(' or ')
    : wordsOf(first);
  return `${where}${path ? `.${path}` : ''} ${said}`;
}

/**
 * A schema's pattern in words: Ajv's own message shows the regular expression
 * (`must match pattern "^[^\u0000-…]+$"`), which tells a person nothing.
 */
const PATTERN_WORDS = new Map<unknown, string>([
  [HOST_ID_PATTERN, UNSAFE_TEXT_RULE],
  [DISPLAY_NAME_PATTERN, UNSAFE_TEXT_RULE],
  [USERNAME_PATTERN, 'may hold only letters A–Z and a–z, digits and _'],
  [TIME_OF_DAY_PATTERN, 'must be a time of day as HH:MM, 00:00 to 23:59'],
]);

/** What a failed check says; a pattern in words rather than as the pattern. */
function wordsOf(e: { keyword: string; params: unknown; message?: string | undefined }): string {
  if (e.keyword === 'pattern') return PATTERN_WORDS.get((e.params as { pattern?: unknown }).pattern) ?? 'holds characters it may not';
  // A status message's schema caps its code points (MAX_CUSTOM_MESSAGE_RAW, a bound on the cost of
  // counting); its rule is MAX_CUSTOM_MESSAGE characters as people see them, said by the server's
  // own check for a shorter message. "must NOT have more than 1024 characters" named a limit
  // that is not the message's.
  if (e.keyword === 'maxLength' && (e.params as { limit?: unknown }).limit === MAX_CUSTOM_MESSAGE_RAW) return `must be at most ${MAX_CUSTOM_MESSAGE} characters`;
  // Which values: "one of the allowed values" alone does not say what to send.
  const allowed = e.keyword === 'enum' ? (e.params as { allowedValues?: unknown }).allowedValues : undefined;
  if (Array.isArray(allowed)) return `${e.message ?? 'must be one of the allowed values'}: ${allowed.map(String).join(', ')}`;
  return e.message ?? 'is invalid';
}

/** Whether a Content-Type says JSON (`application/json`, `application/…+json`, with parameters or not). */
function isJson(contentType: string | undefined): boolean {
  return /^application\/([\w.-]+\+)?json\s*(;|$)/i.test(contentType ?? '');
}

/** Installs the one error handler and (unless `notFound` is false) the 404 handler. */
export function installErrorHandler(app: FastifyInstance, { notFound = true } = {}): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    // JSON sent as text (fetch with a string body and no Content-Type sends text/plain): the body
    // arrived as a string, and "body must be object" would not say what to change.
    const bodyRefused = err.validation !== undefined && err.validationContext === 'body';
    const asText = bodyRefused && typeof request.body === 'string' && !isJson(request.headers['content-type']);
    // No body at all (no Content-Type, nothing sent) where one is needed: said as for an empty
    // JSON body (FST_ERR_CTP_EMPTY_JSON_BODY), not "body must be object".
    const missing = bodyRefused && request.body === undefined;
    const known = asText
      ? new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send JSON with Content-Type: application/json')
      : missing
        ? new AppError('VALIDATION_ERROR', 'This request needs a JSON body, and none was sent')
        : err instanceof AppError
          ? err
          : fromFastify(err, request);
    // A web-app path with a segment too long for a file name (the static files answer 404).
    if (known?.statusCode === 404 && hasTooLongSegment(pathOf(request.url))) return reply.status(414).send(PARAM_TOO_LONG);
    if (known) {
      if (known.statusCode === 429 && err.statusCode === 429) {
        const retry = reply.getHeader('retry-after');
        if (retry !== undefined) reply.header('retry-after', retry);
      }
      if (known.retryAfterMs !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(known.retryAfterMs / 1000))));
      return reply.status(known.statusCode).send({ code: known.code, message: known.message });
    }
    request.log.error({ err }, 'unhandled error');
    return reply.status(500).send({ code: 'INTERNAL_ERROR', message: 'Internal error' });
  });
  if (!notFound) return;
  app.setNotFoundHandler((request, reply) => {
    // The router matches no route when a parameter inside the path is past its length limit
    // (one at the end gets FST_ERR_MAX_PARAM_LENGTH, frameworkErrors): the same 414 for both.
    const path = pathOf(request.url);
    if (hasTooLongSegment(path)) return reply.status(414).send(PARAM_TOO_LONG);
    const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path;
    return reply.status(404).send({ code: 'NOT_FOUND', message: `No route ${request.method} ${shown}` });
  });
}

const PARAM_TOO_LONG = { code: 'VALIDATION_ERROR', message: 'A path parameter is too long' };

const pathOf = (url: string): string => url.split('?')[0] ?? '';

/** Whether a segment of the path is longer than any path parameter may be. */
function hasTooLongSegment(path: string): boolean {
  return path.split('/').some((segment) => segment.length > MAX_HOST_ID_IN_PATH);
}

/**
 * Fastify's `frameworkErrors`: a URL that cannot be decoded (`%ff`) or a path parameter past
 * its length limit is answered `{code, message}` like every other bad request.
 */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
  void reply.status(tooLong ? 414 : 400).send(tooLong ? PARAM_TOO_LONG : { code: 'VALIDATION_ERROR', message: 'The URL is malformed' });
}

/**
 * Fastify's `clientErrorHandler`: requests Node's parser refuses before any route sees them
 * (a malformed request line, a control character in a header, headers too large, a request
 * that took too long) get `{code, message}` too, then the connection is closed.
 */
export function clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, message] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request Timeout', 'The request took too long to arrive']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'The request headers are too large']
        : [400, 'Bad Request', 'Malformed request'];
  this.log.debug({ err: { code: err.code, message: err.message } }, 'malformed request refused');
  refuseOnSocket(socket, status, reason, message);
}

/**
 * Answers `{code, message}` on the bare socket, before any route answered, and closes the
 * connection: at once, or with `linger` once the answer had a second to leave (a client still
 * sending would otherwise get a reset for the bytes left unread, and never read the answer).
 */
export function refuseOnSocket(socket: Socket, status: number, reason: string, message: string, opts: { linger?: boolean } = {}): void {
  const body = JSON.stringify({ code: 'VALIDATION_ERROR', message });
  const answer = `HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`;
  if (!opts.linger) {
    if (socket.writable) socket.write(answer);
    socket.destroy();
    return;
  }
  if (socket.writable) socket.end(answer);
  setTimeout(() => socket.destroy(), 1000).unref();
}
