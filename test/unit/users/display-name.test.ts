import { describe, expect, it } from 'vitest';
import { displayNameFault, trimName } from '../../../src/protocol/text.js';
import { AppError } from '../../../src/server/errors.js';
import { displayNameFrom, hasVisibleCharacter, HOST_NAME_READ, hostDisplayName } from '../../../src/server/users/display-name.js';

/** Names a friend would see as nothing at all (the tester's list, and a few more of the kind). */
const INVISIBLE_NAMES: ReadonlyArray<[string, string]> = [
  ['zero width space', '\u200b'],
  ['word joiner', '\u2060'],
  ['Hangul filler', '\u3164'],
  ['Braille pattern blank', '\u2800'],
  ['Hangul choseong filler', '\u115f'],
  ['Hangul jungseong filler', '\u1160'],
  ['halfwidth Hangul filler', '\uffa0'],
  ['combining grapheme joiner', '\u034f'],
  ['soft hyphen', '\u00ad'],
  ['Mongolian vowel separator', '\u180e'],
  ['three zero width joiners', '\u200d\u200d\u200d'],
  ['byte order mark', '\ufeff'],
  ['a combining accent on nothing', '\u0301'],
  ['variation selector and a tag', '\ufe0f\u{E0041}'],
  ['ideographic spaces with fillers', '\u3000\u3164\u3000'],
];

describe('display names', () => {
  it.each(INVISIBLE_NAMES)('finds nothing visible in a %s', (_what, name) => {
    expect(hasVisibleCharacter(name)).toBe(false);
    expect(hasVisibleCharacter(`  ${name}  `)).toBe(false);
  });

  it('finds something visible in names of every script, emoji sequences and names with invisible characters inside', () => {
    for (const name of ['a', 'Zoë', '李小龙', 'محمد', 'שלום', '🏓', '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}', 'می\u200cخواهم', '_', 'ـ', 'Bob\u3164']) {
      expect(hasVisibleCharacter(name), JSON.stringify(name)).toBe(true);
    }
  });

  it('refuses a name with nothing visible as a blank one is refused, and trims one that shows something', () => {
    const refusal = (name: string) => {
      try {
        displayNameFrom(name);
      } catch (e) {
        return e;
      }
      return null;
    };
    const blank = refusal('   ');
    expect(blank).toBeInstanceOf(AppError);
    expect(blank).toMatchObject({ code: 'VALIDATION_ERROR', message: 'body/display_name must not be blank' });
    for (const [, name] of INVISIBLE_NAMES) expect(refusal(name), JSON.stringify(name)).toEqual(blank);
    expect(displayNameFrom('  Zoë 🏓  ')).toBe('Zoë 🏓');
    expect(refusal('x'.repeat(41))).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(refusal('bob\u202e')).toMatchObject({ code: 'VALIDATION_ERROR' });
  });

  it('shows "?" for a host name with nothing visible, and cleans and clips the others', () => {
    for (const [, name] of INVISIBLE_NAMES) expect(hostDisplayName(name), JSON.stringify(name)).toBe('?');
    expect(hostDisplayName('')).toBe('?');
    expect(hostDisplayName('\n\u202e\u0007')).toBe('?');
    expect(hostDisplayName('Bob\nYour session expired\u202e\u0007')).toBe('Bob Your session expired');
    expect(hostDisplayName('A very long name that goes well beyond forty characters')).toBe('A very long name that goes well beyond f');
  });

  /*
   * "\u200bbob" and "bob\u3164" showed as "bob" but were kept as they came: only spaces were
   * trimmed. Now what draws nothing is trimmed from both ends, as spaces are, in a person's
   * names and a host's alike; a mark or variation selector on a visible character stays.
   */
  it('trims characters that draw nothing from both ends of a name, as spaces are', () => {
    for (const padded of ['\u200bbob', 'bob\u200b', '\u2060 bob \ufeff', 'bob\u3164', '\u115f\u00adbob\u2800', '\u200dbob', '\u180ebob\u034f', 'bob\u200d', 'bob\u3000\u3164']) {
      expect(displayNameFrom(padded), JSON.stringify(padded)).toBe('bob');
      expect(hostDisplayName(padded), JSON.stringify(padded)).toBe('bob');
    }
    // What draws something is kept whole: an emoji's variation selector, a subdivision flag's tags, an accent on a letter, a joined emoji, a non-joiner inside.
    for (const name of ['\u2764\ufe0f', '\u{1F3F4}\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}', 'Jose\u0301', '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}', 'می\u200cخواهم', 'b\u200bob']) {
      expect(displayNameFrom(` ${name}\u200b`), JSON.stringify(name)).toBe(name);
      expect(hostDisplayName(`\u200b${name} `), JSON.stringify(name)).toBe(name);
    }
    // A host's name clipped to 40 characters loses what its end then shows nothing of.
    expect(hostDisplayName(`${'x'.repeat(39)}\u200b\u200b\u200by`)).toBe('x'.repeat(39));
  });

  /*
   * Finding (outside audit): "Alice\u{E0041}" and "Alice\u{E007F}" were stored as they came and
   * showed as a second "Alice": a tag character joins the cluster before it, so the trim kept it.
   * Tag characters draw something only as an emoji tag sequence on the black flag (a
   * subdivision flag: 🏴, tags, then the cancel tag U+E007F); any others at a name's end go.
   */
  const ENGLAND = '\u{1F3F4}\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}';
  const SCOTLAND = '\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}';
  it('trims tag characters from a name’s end unless they finish a flag’s tag sequence on the black flag', () => {
    const trimmed: ReadonlyArray<[string, string]> = [
      ['Alice\u{E0041}', 'Alice'],
      ['\u{E0041}Alice', 'Alice'],
      ['Alice\u{E007F}', 'Alice'],
      ['Alice\u{E0001}', 'Alice'],
      ['Alice\u{E0020}\u{E007E}', 'Alice'],
      ['Alice\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}', 'Alice'],
      ['Alice\u{E0041}\u200d', 'Alice'],
      ['Alice\u200d\u{E0041}', 'Alice'],
      ['Alice \u{E0041}', 'Alice'],
      ['\u{1F3F4}\u{E0041}', '\u{1F3F4}'],
      ['\u{1F3F4}\u{E007F}', '\u{1F3F4}'],
      [`${ENGLAND}\u{E0041}`, ENGLAND],
      [`Alice ${SCOTLAND}\u{E007F}`, `Alice ${SCOTLAND}`],
    ];
    for (const [raw, name] of trimmed) {
      expect(trimName(raw), JSON.stringify(raw)).toBe(name);
      expect(displayNameFrom(raw), JSON.stringify(raw)).toBe(name);
      expect(hostDisplayName(raw), JSON.stringify(raw)).toBe(name);
    }
    for (const name of [ENGLAND, SCOTLAND, `Alice ${ENGLAND}`, `${SCOTLAND} Bob`, `${ENGLAND}${SCOTLAND}`]) {
      expect(trimName(name), JSON.stringify(name)).toBe(name);
      expect(displayNameFrom(` ${name}\u200b`), JSON.stringify(name)).toBe(name);
    }
    expect(displayNameFault('\u{E0020}')).toBe('blank');
    // A host's name clipped inside a flag keeps the black flag, not half its tags.
    expect(hostDisplayName(`${'x'.repeat(36)}${ENGLAND}`)).toBe(`${'x'.repeat(36)}\u{1F3F4}`);
  });

  it('refuses a bidi control or control character at either end of a person’s name (not trimmed away), and makes it a space in a host’s', () => {
    for (const name of ['bob\u2067', '\u2067bob', 'bob\u202e', '\u200ebob', 'bob\u200f', 'bob\u0007']) {
      expect(() => displayNameFrom(name), JSON.stringify(name)).toThrow(expect.objectContaining({ code: 'VALIDATION_ERROR', message: 'body/display_name may not hold line breaks, control characters, bidi controls or half a character (an unpaired surrogate)' }));
      expect(hostDisplayName(name), JSON.stringify(name)).toBe('bob');
    }
  });
});

describe('a host name of any length', () => {
  // Unbounded before: splitting 40,000 flag-and-tag pairs into characters took ~60 s here, a
  // minute of a frozen server for one host user's name. Only the name's head is read now.
  it('is read only up to HOST_NAME_READ units, so a huge one costs no more than a long one', { timeout: 5_000 }, () => {
    // 40 characters, the last one's stray tag trimmed (trimName).
    expect(hostDisplayName('\u{1F3F4}\u{E0041}'.repeat(40_000))).toBe(`${'\u{1F3F4}\u{E0041}'.repeat(19)}\u{1F3F4}`);
    expect(hostDisplayName(`Bob ${'x'.repeat(1_000_000)}`)).toBe(`Bob ${'x'.repeat(36)}`);
  });

  it('keeps a visible name after padding within the head, shows ? past it, and never cuts a surrogate pair in two', () => {
    expect(hostDisplayName(`${'\u200b'.repeat(100)}bob`)).toBe('bob');
    expect(hostDisplayName(`${'\u200b'.repeat(HOST_NAME_READ)}bob`)).toBe('?');
    const cutInPair = `${'\u200b'.repeat(HOST_NAME_READ - 1)}\u{1F600}${'x'.repeat(10)}`;
    expect(hostDisplayName(cutInPair)).toBe('?');
  });
});
