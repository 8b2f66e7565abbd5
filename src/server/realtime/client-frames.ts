/** Parses and validates client frames; every failure is an `error` frame, never a throw. */
import { Compile } from 'typebox/compile';
import { ClientFrame } from '../../protocol/index.js';

const check = Compile(ClientFrame);
const KNOWN = new Set(['auth', 'heartbeat', 'interaction', 'still_here', 'set_status', 'activity']);

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
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !KNOWN.has(type)) {
    return { ok: false, code: 'VALIDATION_ERROR', message: `Unknown frame type ${JSON.stringify(type ?? null).slice(0, 40)}` };
  }
  if (!check.Check(value)) {
    const first = [...check.Errors(value)][0];
    const where = first?.instancePath ? ` at ${first.instancePath}` : '';
    return { ok: false, code: 'VALIDATION_ERROR', message: `Invalid ${type} frame${where}: ${first?.message ?? 'bad shape'}` };
  }
  return { ok: true, frame: value as ClientFrame };
}
