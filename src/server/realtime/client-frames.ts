/**
 * Parses and validates client frames; every failure is an `error` frame, never a throw. A key
 * given twice in one object is refused, as in an HTTP body (duplicate-keys.ts), not read as its
 * last value.
 * Junk must cost little: TypeBox's error report walks every key of what it is given (~1 ms
 * for a frame of 1,500 keys, ~2 ms for `details` of 750), so what would make it walk far, a
 * field no frame has or an object of too many keys, is refused first by counting alone.
 */
import { Compile } from 'typebox/compile';
import type { TLiteral, TObject } from 'typebox';
import {
  ActivityFrame,
  AuthFrame,
  HeartbeatFrame,
  InteractionFrame,
  SetStatusFrame,
  StillHereFrame,
  type ClientFrame,
} from '../../protocol/index.js';
import { duplicateKey } from '../duplicate-keys.js';
import { hasNul } from '../validation.js';

interface FrameCheck {
  /** Each field a frame of this type may have (every client frame is strict), with its maxProperties if it is an object. */
  fields: ReadonlyMap<string, number | undefined>;
  Check(v: unknown): boolean;
  Errors(v: unknown): Iterable<{ instancePath?: string; message?: string }>;
}

/** One compiled check per frame type, so an error names the field of the frame actually sent. */
const CHECKS = new Map<string, FrameCheck>(
  ([AuthFrame, HeartbeatFrame, InteractionFrame, StillHereFrame, SetStatusFrame, ActivityFrame] as TObject[]).map((schema) => [
    (schema.properties.type as TLiteral<string>).const,
    Object.assign(Compile(schema), {
      fields: new Map(Object.entries(schema.properties).map(([key, field]) => [key, (field as { maxProperties?: number }).maxProperties])),
    }),
  ]),
);

export type Parsed = { ok: true; frame: ClientFrame } | { ok: false; code: 'VALIDATION_ERROR'; message: string };

export function parseClientFrame(data: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return { ok: false, code: 'VALIDATION_ERROR', message: 'Frame is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, code: 'VALIDATION_ERROR', message: 'Frame must be a JSON object' };
  }
  // Strict frames, as strict bodies (validation.ts): a key given twice would be read as its last value, unseen.
  const twice = duplicateKey(data);
  if (twice !== null) return { ok: false, code: 'VALIDATION_ERROR', message: `Frame field ${JSON.stringify(twice.slice(0, 40))} is given twice` };
  // JSON text can carry a NUL only as `\u0000`: without one, no need to walk the frame for it.
  if (data.includes('\\u0000') && hasNul(value)) return { ok: false, code: 'VALIDATION_ERROR', message: 'Frame must not contain NUL (\\u0000) characters' };
  const type = (value as { type?: unknown }).type;
  const check = typeof type === 'string' ? CHECKS.get(type) : undefined;
  if (!check) {
    return { ok: false, code: 'VALIDATION_ERROR', message: `Unknown frame type ${JSON.stringify(type ?? null).slice(0, 40)}` };
  }
  const invalid = (where: string, why: string): Parsed => ({ ok: false, code: 'VALIDATION_ERROR', message: `Invalid ${type} frame${where}: ${why}` });
  for (const key in value) {
    if (!check.fields.has(key)) return invalid(` at /${key.slice(0, 40)}`, 'unknown field');
    const max = check.fields.get(key);
    if (max !== undefined && hasMoreKeys((value as Record<string, unknown>)[key], max)) return invalid(` at /${key}`, `must not have more than ${max} properties`);
  }
  if (!check.Check(value)) {
    // The frame's objects are now small: its report is cheap.
    const first = [...check.Errors(value)][0];
    return invalid(first?.instancePath ? ` at ${first.instancePath}` : '', first?.message ?? 'bad shape');
  }
  return { ok: true, frame: value as ClientFrame };
}

/** Nesting a valid frame never exceeds (frame → `details` → value), and members it never exceeds (its fields and 16 details), with a margin. */
const SHALLOW = { depth: 4, members: 64 };

/**
 * Whether the JSON text is shallow and small in members, by one pass over its bytes without
 * parsing: what a large frame must be before it is parsed. JSON.parse of 16 KB nested 8,000
 * deep takes ~3 ms, and of 1,500 members ~0.4 ms; a valid frame of that size (long `details`
 * written with `\uXXXX` escapes, as Python's json.dumps does) is 2 levels deep with ~20 members.
 */
export function isShallow(bytes: Uint8Array): boolean {
  let depth = 0;
  let members = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === 0x5c) i++; // a backslash: the next byte is escaped
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x7b || b === 0x5b) {
      if (++depth > SHALLOW.depth) return false;
    } else if (b === 0x7d || b === 0x5d) depth--;
    else if ((b === 0x3a || b === 0x2c) && ++members > SHALLOW.members) return false;
  }
  return true;
}

/** Whether `value` is an object of more than `max` keys, counting no further than max + 1. */
function hasMoreKeys(value: unknown, max: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  let n = 0;
  for (const _ in value) if (++n > max) return true;
  return false;
}
