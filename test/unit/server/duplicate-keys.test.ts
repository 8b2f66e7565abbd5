import { describe, expect, it } from 'vitest';
import { duplicateKey } from '../../../src/server/duplicate-keys.js';

describe('duplicateKey', () => {
  it('finds a key given twice in one object, at any depth, however it is written', () => {
    expect(duplicateKey('{"user_id":1,"user_id":2}')).toBe('user_id');
    expect(duplicateKey('{"a":{"b":1,"c":[{"d":1}, {"d":2, "d" : 3}]}}')).toBe('d');
    expect(duplicateKey('{ "a" : 1 ,\n\t"\\u0061": 2 }')).toBe('a');
    expect(duplicateKey('{"é":1,"\\u00e9":2}')).toBe('é');
    expect(duplicateKey('{"a\\"b":1,"a\\"b":2}')).toBe('a"b');
    expect(duplicateKey('[{"x":1},{"y":{"x":1,"x":{}}}]')).toBe('x');
    // Strings are skipped to their closing quote: one after an even run of backslashes ends it, after an odd run it does not.
    expect(duplicateKey('{"a\\\\":1,"b":"\\\\","a\\\\":2}')).toBe('a\\');
    expect(duplicateKey('{"a":"x\\",\\"a\\":1","b":1,"a":2}')).toBe('a');
    expect(duplicateKey('{"t":"\\n","k":"long text with no backslash after the first one","k":1}')).toBe('k');
  });

  it('finds none where each object names each key once', () => {
    for (const json of [
      '{}',
      '[]',
      '"x"',
      'null',
      '{"user_id":1}',
      '{"a":1,"b":{"a":1},"c":[{"a":1},{"a":2}]}',
      '{"a":"a","b":"a:","c":["a","a"]}',
      '{"a\\\\":1,"a":2}',
      '{"a":"\\"a\\":1","b":{"a":{"a":1}}}',
      '{"":1,"\\u0000x":2,"x":3}',
    ]) {
      expect(duplicateKey(json), json).toBeNull();
    }
  });

  it('scans a large body in one pass', () => {
    const wide = `{${Array.from({ length: 20_000 }, (_, i) => `"k${i}":[${i}]`).join(',')}}`;
    const deep = `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`;
    expect(duplicateKey(wide)).toBeNull();
    expect(duplicateKey(deep)).toBeNull();
    expect(duplicateKey(`${wide.slice(0, -1)},"k19999":0}`)).toBe('k19999');
  });
});
