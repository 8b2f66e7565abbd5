/** Client frame validation: every bad frame is a VALIDATION_ERROR naming what is wrong, never a throw. */
import { Validator } from 'typebox/compile';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isShallow, parseClientFrame } from '../../../src/server/realtime/client-frames.js';

const error = (data: string): string => {
  const r = parseClientFrame(data);
  if (r.ok) throw new Error(`accepted ${data}`);
  expect(r.code).toBe('VALIDATION_ERROR');
  return r.message;
};

describe('parseClientFrame', () => {
  afterEach(() => vi.restoreAllMocks());

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

  it('refuses junk at its first unknown field or its object of too many keys, without the error report that walks every key', () => {
    // TypeBox's report walked all 1,500 keys of such a frame (~1 ms), 750 of `details` ~2 ms.
    const errors = vi.spyOn(Validator.prototype, 'Errors');
    const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 1]));
    expect(error(JSON.stringify({ type: 'heartbeat', ...keys(700) }))).toBe('Invalid heartbeat frame at /k0: unknown field');
    expect(error(`{"type":"heartbeat","x":${'['.repeat(3000)}${']'.repeat(3000)}}`)).toBe('Invalid heartbeat frame at /x: unknown field');
    expect(error(JSON.stringify({ type: 'activity', activity: 'chatting', details: keys(700) }))).toBe(
      'Invalid activity frame at /details: must not have more than 16 properties',
    );
    expect(errors).not.toHaveBeenCalled();
    // A frame with only its own fields, and objects of their size, gets TypeBox's report (cheap then).
    expect(error('{"type":"activity","activity":"dancing"}')).toMatch(/^Invalid activity frame at \/activity: \S/);
    expect(errors).toHaveBeenCalledTimes(1);
  });

  it('refuses a frame that gives a field twice, in any object of it, naming the field, as an HTTP body is refused', () => {
    // JSON.parse keeps the last: this frame was applied as `online`.
    expect(error('{"type":"set_status","status":"busy","status":"online"}')).toBe('Frame field "status" is given twice');
    expect(error('{"type":"activity","activity":"chatting","details":{"room":"a","ro\\u006fm":"b"}}')).toBe('Frame field "room" is given twice');
    expect(error('{"type":"auth","token":"a","token":"b"}')).toBe('Frame field "token" is given twice');
    // The same key in two objects, or as a value, is no repeat.
    expect(parseClientFrame('{"type":"activity","activity":"chatting","details":{"activity":"type"}}').ok).toBe(true);
  });

  it('still finds a NUL wherever it is', () => {
    expect(error('{"type":"set_status","status":"busy","custom_message":"a\\u0000b"}')).toBe('Frame must not contain NUL (\\u0000) characters');
    expect(error('{"type":"activity","activity":"chatting","details":{"a\\u0000":1}}')).toBe('Frame must not contain NUL (\\u0000) characters');
    // An escaped backslash before `u0000` is no NUL.
    expect(parseClientFrame('{"type":"set_status","status":"busy","custom_message":"a\\\\u0000b"}').ok).toBe(true);
  });
});


describe('isShallow (the pass over a large frame before it is parsed)', () => {
  const bytes = (text: string) => new TextEncoder().encode(text);
  it('takes frames as deep and as many-membered as valid ones, whatever their strings hold', () => {
    const details = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, `a value with "quotes", {braces} [and] : commas \\ ${i}`]));
    expect(isShallow(bytes(JSON.stringify({ type: 'activity', activity: 'chatting', details })))).toBe(true);
    expect(isShallow(bytes('{"type":"heartbeat","x":[[["deep enough"]]]}'))).toBe(true);
  });
  it('refuses more than 4 levels of nesting or more than 64 members', () => {
    expect(isShallow(bytes('{"type":"heartbeat","x":[[[["too deep"]]]]}'))).toBe(false);
    expect(isShallow(bytes(`{${Array.from({ length: 65 }, (_, i) => `"k${i}":1`).join(',')}}`))).toBe(false);
    expect(isShallow(bytes(`{${Array.from({ length: 32 }, (_, i) => `"k${i}":1`).join(',')}}`))).toBe(true);
  });
});
