/** Parses and validates client frames; every failure is an `error` frame, never a throw. */
import { Compile } from 'typebox/compile';
import {
  ActivityFrame,
  AuthFrame,
  HeartbeatFrame,
  InteractionFrame,
  SetStatusFrame,
  StillHereFrame,
  type ClientFrame,
} from '../../protocol/index.js';
import { hasNul } from '../validation.js';

/** One compiled check per frame type, so an error names the field of the frame actually sent. */
const CHECKS = new Map<string, { Check(v: unknown): boolean; Errors(v: unknown): Iterable<{ instancePath?: string; message?: string }> }>([
  ['auth', Compile(AuthFrame)],
  ['heartbeat', Compile(HeartbeatFrame)],
  ['interaction', Compile(InteractionFrame)],
  ['still_here', Compile(StillHereFrame)],
  ['set_status', Compile(SetStatusFrame)],
  ['activity', Compile(ActivityFrame)],
]);

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
  if (hasNul(value)) return { ok: false, code: 'VALIDATION_ERROR', message: 'Frame must not contain NUL (\\u0000) characters' };
  const type = (value as { type?: unknown }).type;
  const check = typeof type === 'string' ? CHECKS.get(type) : undefined;
  if (!check) {
    return { ok: false, code: 'VALIDATION_ERROR', message: `Unknown frame type ${JSON.stringify(type ?? null).slice(0, 40)}` };
  }
  if (!check.Check(value)) {
    const first = [...check.Errors(value)][0];
    const where = first?.instancePath ? ` at ${first.instancePath}` : '';
    return { ok: false, code: 'VALIDATION_ERROR', message: `Invalid ${type} frame${where}: ${first?.message ?? 'bad shape'}` };
  }
  return { ok: true, frame: value as ClientFrame };
}
