import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clip, displayWidth, plain, plainOfMessage, table, toJson, wrap } from '../../src/views/terminal.js';

describe('terminal helpers', () => {
  it.each([
    ['Dana', 4],
    ['Zoë', 3],
    ['e\u0301', 1],
    ['👩🏽‍💻', 2],
    ['🚀x', 3],
    ['山田', 4],
    ['سارة', 4],
    ['a\u200bb', 2],
  ])('displayWidth(%j) is %i cells', (text, cells) => {
    expect(displayWidth(text)).toBe(cells);
  });

  it('plain() keeps a name as written on one line, and no control sequence reaches the terminal', () => {
    expect(plain('*Zoë* <!here> &amp;')).toBe('*Zoë* <!here> &amp;');
    expect(plain('Dana\nScott\u001b[31m\u0007')).toBe('Dana Scott [31m ');
  });

  it('plain() closes a right-to-left override a name leaves open, so the rest of the line keeps its order', () => {
    expect(plain('Eve \u202Egnp.exe')).toBe('Eve \u202Egnp.exe\u202C');
    expect(plain('\u2067سارة')).toBe('\u2067سارة\u2069');
    expect(plain('\u202Eab\u202C cd')).toBe('\u202Eab\u202C cd');
    expect(displayWidth(plain('Eve \u202Egnp'))).toBe(displayWidth('Eve gnp'));
  });

  it('clip() cuts at a grapheme, never inside an emoji, within the width', () => {
    expect(clip('Dana Scott', 20)).toBe('Dana Scott');
    expect(clip('👩🏽‍💻👩🏽‍💻👩🏽‍💻', 5)).toBe('👩🏽‍💻👩🏽‍💻…');
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.integer({ min: 2, max: 30 }), (s, w) => {
        expect(displayWidth(clip(s, w))).toBeLessThanOrEqual(Math.max(w, displayWidth(s) <= w ? w : 0));
      }),
    );
  });

  it('table() aligns by cells, numbers to the right, and puts an over-long cell on a line of its own', () => {
    expect(
      table(
        [
          ['Zoë 🚀', '1'],
          ['山田', '200'],
        ],
        ['left', 'right'],
      ),
    ).toEqual(['Zoë 🚀    1', '山田    200']);
    const long = 'x'.repeat(30);
    expect(
      table(
        [
          ['1.', long, '$5'],
          ['2.', 'Bo', '$10'],
        ],
        ['right', 'left', 'right'],
        { column: 1, max: 10 },
      ),
    ).toEqual([`    ${long}`, '1.       $5', '2.  Bo  $10']);
  });

  it('wrap() keeps within the width with a hanging indent, and a word longer than a line whole', () => {
    const lines = wrap('one two three four five six seven eight nine ten', 20, '  ');
    expect(lines).toEqual(['one two three four', '  five six seven', '  eight nine ten']);
    const url = `https://x.test/${'a'.repeat(90)}`;
    expect(wrap(`see ${url} now`, 40)).toEqual(['see', url, 'now']);
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z]{1,12}$/), { maxLength: 40 }), (words) => {
        for (const line of wrap(words.join(' '), 30, '    '))
          expect(displayWidth(line)).toBeLessThanOrEqual(30);
      }),
    );
  });

  it('plainOfMessage() drops the marks of literal values', () => {
    expect(plainOfMessage('Saved: schedule is now `0 9 * * 1`.')).toBe('Saved: schedule is now 0 9 * * 1.');
  });

  it('toJson() makes a value JSON-safe: no undefined, no NaN or Infinity, dates as ISO', () => {
    expect(
      toJson({
        a: undefined,
        b: Number.NaN,
        c: Number.POSITIVE_INFINITY,
        d: new Date(0),
        e: [undefined, 1],
        f: 'x',
      }),
    ).toEqual({ b: null, c: null, d: '1970-01-01T00:00:00.000Z', e: [null, 1], f: 'x' });
  });
});
