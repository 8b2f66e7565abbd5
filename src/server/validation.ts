/**
 * Strict request validation. Fastify's default Ajv coerces types everywhere, so
 * `{"user_id": true}` became 1 and `/users/Infinity/status` reached the database as
 * Infinity. Here JSON bodies are never coerced; path and query strings (always strings
 * on the wire) are converted only when they are written exactly as the type expects
 * (`^\d+$` for integers, `true|false` for booleans). No string anywhere may carry a NUL
 * character, which PostgreSQL cannot store: refused at the edge, on every dialect alike.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { Ajv, type ValidateFunction } from 'ajv';
import type { TSchema } from 'typebox';
import addFormatsPlugin from 'ajv-formats';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema, FastifySchemaCompiler, FastifySchemaValidationError, RouteOptions } from 'fastify';
import { duplicateKey } from './duplicate-keys.js';
import { AppError, validationMessage } from './errors.js';

const addFormats = addFormatsPlugin as unknown as (ajv: Ajv) => Ajv;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's body has only optional fields, and may be left out (`withOptionalBody`). */
    optionalBody?: boolean;
  }
}

const base = { removeAdditional: false, useDefaults: true, allErrors: false, strict: false } as const;
const bodyAjv = addFormats(new Ajv({ ...base, coerceTypes: false }));
const stringsAjv = addFormats(new Ajv({ ...base, coerceTypes: 'array' }));

type Validator = ((data: unknown) => boolean) & { errors?: FastifySchemaValidationError[] | null };

/** True when some string in `value` (keys included) contains U+0000. */
export function hasNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (depth > 32 || value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((v) => hasNul(v, depth + 1));
  for (const [k, v] of Object.entries(value)) if (k.includes('\u0000') || hasNul(v, depth + 1)) return true;
  return false;
}

/** A path/query value that Ajv may convert to the type its schema asks for. */
function convertible(type: unknown, raw: unknown): boolean {
  if (typeof raw !== 'string') return true;
  if (type === 'integer') return /^\d{1,15}$/.test(raw);
  if (type === 'number') return /^-?\d{1,15}(\.\d{1,15})?$/.test(raw);
  if (type === 'boolean') return raw === 'true' || raw === 'false';
  return true;
}

function fail(validator: Validator, instancePath: string, message: string): boolean {
  validator.errors = [{ keyword: 'strict', instancePath, schemaPath: '#', message, params: {} }];
  return false;
}

/** Fastify's validator compiler: strict bodies, exact path/query conversions, no NUL. */
export const strictValidatorCompiler: FastifySchemaCompiler<FastifySchema> = ({ schema, httpPart }) => {
  const fromStrings = httpPart === 'params' || httpPart === 'querystring' || httpPart === 'headers';
  const compiled: ValidateFunction = (fromStrings ? stringsAjv : bodyAjv).compile(schema as object);
  const props = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {};
  const validator: Validator = (data: unknown) => {
    validator.errors = null;
    if (httpPart !== 'headers' && hasNul(data)) return fail(validator, '', 'must not contain NUL (\\u0000) characters');
    if (fromStrings && data && typeof data === 'object') {
      for (const [key, prop] of Object.entries(props)) {
        const raw = (data as Record<string, unknown>)[key];
        if (!convertible(prop.type, raw)) return fail(validator, `/${key}`, `must be written plainly as ${prop.type === 'integer' ? 'an integer' : `a ${String(prop.type)}`}`);
      }
    }
    const ok = compiled(data);
    if (!ok) validator.errors = (compiled.errors as FastifySchemaValidationError[] | null | undefined) ?? null;
    return ok;
  };
  return validator;
};

const BODY_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * A route that declares no body (logout, accept, unhide…) refuses one with fields, as every
 * other route refuses unknown fields (the contract): `{"admin": true}` sent to it is a client's
 * mistake to be told of, not something silently ignored. No body, `{}`, `null` or an empty text
 * body are fine. Installed for every route of the API by an `onRoute` hook (plugin.ts).
 */
export function refuseUndeclaredBody(route: RouteOptions): void {
  if (route.schema?.body !== undefined || ![route.method].flat().some((m) => BODY_METHODS.has(m))) return;
  route.preValidation = [...[route.preValidation ?? []].flat(), noBody];
}

function noBody(request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void): void {
  const body: unknown = request.body;
  // Keys of an array are its indices: `[]` passes as `{}` does.
  if (body === undefined || body === null || body === '' || (typeof body === 'object' && Object.keys(body).length === 0)) return done();
  const field = typeof body === 'object' && !Array.isArray(body) ? Object.keys(body)[0]! : null;
  done(new AppError('VALIDATION_ERROR', field === null ? 'This request takes no body' : `This request takes no body: unknown field ${JSON.stringify(field.slice(0, 64))}`));
}

/**
 * Beacon's JSON body parser: Fastify's own (prototype keys refused), except that an empty body
 * sent with a JSON content type counts as no body on a route that takes none. A host's HTTP
 * helper that always sets `Content-Type: application/json` sends its sign-out or DELETE so, and
 * Fastify's parser answered "not valid JSON" (the sign-out never happened). A route that needs
 * a body still refuses an empty one (errors.ts says the body is missing).
 *
 * JSON bodies are UTF-8 (RFC 8259 §8.1). Read as a string, a bad byte became U+FFFD unseen, so
 * `{"u\xff":1}` was answered "must have required property 'user_id'" and a name could be stored
 * with U+FFFD; a body declared `charset=utf-16` was read as UTF-8. The bytes are now checked
 * first: not UTF-8 is `400` saying so, another declared charset `415` (but an ASCII-only body
 * labelled us-ascii or latin1, as some Java and .NET clients send, is read: it is UTF-8 too). A key given twice in
 * one object is `400` too (duplicate-keys.ts), not read as its last value. A body sent with a
 * Content-Encoding (gzip, br…) is `415` saying to send it uncompressed: none is ever inflated.
 */
export function parseJsonBodies(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    // Bodies are never decompressed (nor is a compressed one read as text): refused as such, not as "not valid UTF-8".
    const encoding = contentCoding(request.headers['content-encoding']);
    if (encoding !== null && bytes.length > 0) {
      return done(new AppError('UNSUPPORTED_MEDIA_TYPE', `Request bodies are read as sent: send this one without Content-Encoding (it says ${JSON.stringify(encoding.slice(0, 40))})`));
    }
    const charset = declaredCharset(request.headers['content-type']);
    // An ASCII body is the same text in UTF-8: some clients label it us-ascii or latin1.
    if (charset === 'other' || (charset === 'ascii-compatible' && !isAscii(bytes))) return done(new AppError('UNSUPPORTED_MEDIA_TYPE', NOT_UTF8_CHARSET));
    if (bytes.length === 0 && (request.routeOptions.schema?.body === undefined || request.routeOptions.config.optionalBody === true)) return done(null, undefined);
    if (!isUtf8(bytes)) return done(new AppError('VALIDATION_ERROR', 'Request body is not valid UTF-8'));
    const text = bytes.toString('utf8');
    parse(request, text, (err: Error | null, value?: unknown) => {
      if (err) return done(err);
      // Strict bodies: a key given twice would have been read as its last value, unseen.
      const twice = value !== null && typeof value === 'object' ? duplicateKey(text) : null;
      if (twice !== null) return done(new AppError('VALIDATION_ERROR', `body: field ${JSON.stringify(twice.slice(0, 64))} is given twice`));
      done(null, value);
    });
  });
}

/**
 * Route options for a route whose body has only optional fields (the service API's single pair
 * and lookup): no body, or an empty one (`content-length: 0`, sent as JSON or not), is taken as
 * `{}` instead of refused as missing, as a caller with nothing to say sends it. Anything else in
 * the body is validated as ever (`null` is still no object).
 */
export function withOptionalBody<O extends { config?: object }>(options: O): O & { config: { optionalBody: true }; preValidation: typeof leftOutIsEmpty } {
  return { ...options, config: { ...options.config, optionalBody: true }, preValidation: leftOutIsEmpty };
}

async function leftOutIsEmpty(request: FastifyRequest): Promise<void> {
  if (request.body === undefined) request.body = {};
}

/** The Content-Encoding a request declares, or null for none (absent, empty or `identity`). */
function contentCoding(header: string | undefined): string | null {
  const coding = header?.trim() ?? '';
  return coding === '' || coding.toLowerCase() === 'identity' ? null : coding;
}

const NOT_UTF8_CHARSET = 'Send JSON encoded as UTF-8 (Content-Type: application/json or application/json; charset=utf-8)';

/** Charsets whose first 128 bytes are ASCII: a body of ASCII only is the same text in UTF-8. */
const ASCII_COMPATIBLE = new Set(['us-ascii', 'ascii', 'iso-8859-1', 'latin1', 'windows-1252']);

/**
 * The charset a JSON content type declares: none or UTF-8 (any case, quoted or not; `utf8` too,
 * as some clients write it), one of ASCII_COMPATIBLE (accepted for a body of ASCII only), or
 * another (415).
 */
function declaredCharset(contentType: string | undefined): 'utf8' | 'ascii-compatible' | 'other' {
  if (contentType === undefined) return 'utf8';
  let declared: 'utf8' | 'ascii-compatible' | 'other' = 'utf8';
  for (const param of contentType.split(';').slice(1)) {
    const eq = param.indexOf('=');
    if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
    const value = param.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1').toLowerCase();
    if (value === 'utf-8' || value === 'utf8') continue;
    if (!ASCII_COMPATIBLE.has(value)) return 'other';
    declared = 'ascii-compatible';
  }
  return declared;
}

const inProcess = new WeakMap<object, Validator>();

/**
 * A body given in process (`app.beacon.*`) checked as its route checks it: the route's schema,
 * the same validator (strictValidatorCompiler), the same message, with `where` naming the
 * argument (`report.player_ids must NOT have more than 64 items`) and `argumentNames` a field the
 * caller passed as an argument of another name (`{ custom_message: 'customMessage' }`). Throws
 * AppError VALIDATION_ERROR.
 */
export function checkBody<T>(schema: TSchema, data: unknown, where: string, argumentNames: Readonly<Record<string, string>> = {}): T {
  let validator = inProcess.get(schema);
  if (validator === undefined) {
    validator = strictValidatorCompiler({ schema, httpPart: 'body', method: 'POST', url: where }) as Validator;
    inProcess.set(schema, validator);
  }
  if (!validator(data)) throw new AppError('VALIDATION_ERROR', validationMessage({ validation: validator.errors ?? [], validationContext: where as 'body' }, argumentNames));
  return data as T;
}
