/** Client frame validation: every bad frame is a VALIDATION_ERROR naming what is wrong, never a throw. */
import { describe, expect, it } from 'vitest';
import { parseClientFrame } from '../../../src/server/realtime/client-frames.js';

const error = (data: string): string => {
  const r = parseClientFrame(data);
  if (r.ok) throw new Error(`accepted ${data}`);
  expect(r.code).toBe('VALIDATION_ERROR');
  return r.message;
};

describe('parseClientFrame', () => {
  it('accepts each valid client frame as it is', () => {
    for (const frame of [
      { type: 'auth', token: 'abc' },
      { type: 'heartbeat' },
      { type: 'interaction' },
      { type: 'still_here' },
      { type: 'set_status', status: 'busy', custom_message: 'brb', expires_at: null },
      { type: 'activity', activity: 'playing_pong' },
    ]) {
      expect(parseClientFrame(JSON.stringify(frame))).toEqual({ ok: true, frame });
    }
  });

  it('rejects text that is not JSON', () => {
    expect(error('{"type":')).toBe('Frame is not valid JSON');
  });

  it('rejects JSON that is not an object', () => {
    for (const data of ['null', '[]', '[{"type":"heartbeat"}]', '"heartbeat"', '7']) {
      expect(error(data)).toBe('Frame must be a JSON object');
    }
  });

  it('names an unknown or missing type, cut short so a huge one is not echoed back', () => {
    expect(error('{"type":"dance"}')).toBe('Unknown frame type "dance"');
    expect(error('{}')).toBe('Unknown frame type null');
    expect(error('{"type":5}')).toBe('Unknown frame type 5');
    expect(error(JSON.stringify({ type: 'x'.repeat(500) }))).toBe(`Unknown frame type "${'x'.repeat(39)}`);
    // Inherited names are not frame types.
    expect(error('{"type":"constructor"}')).toBe('Unknown frame type "constructor"');
  });

  it('names the frame type and the field at fault', () => {
    expect(error('{"type":"activity","activity":"dancing"}')).toMatch(/^Invalid activity frame at \/activity: \S/);
    expect(error('{"type":"heartbeat","extra":1}')).toMatch(/^Invalid heartbeat frame at \/extra: \S/);
    // A missing field is reported at the frame itself.
    expect(error('{"type":"auth"}')).toBe('Invalid auth frame: must have required properties token');
    expect(error('{"type":"set_status","status":"invisible"}')).toMatch(/^Invalid set_status frame at \/status: /);
  });
});
