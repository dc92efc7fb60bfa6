import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tokenize } from '../../src/commands/tokenize.js';
import { closestMatch, editDistance } from '../../src/domain/closest.js';

describe('tokenize', () => {
  it.each([
    ['help', ['help']],
    ['  rep   <@U123|dana>  last month ', ['rep', '<@U123|dana>', 'last', 'month']],
    ['quiz "Product 101" 8/10', ['quiz', 'Product 101', '8/10']],
    ['quiz “Product 101” 8/10', ['quiz', 'Product 101', '8/10']],
    ['quiz ‘Pitch deck’ 7', ['quiz', 'Pitch deck', '7']],
    ['quiz "unterminated words', ['quiz', 'unterminated words']],
    ['', []],
  ])('%j -> %j', (text, words) => {
    expect(tokenize(text)).toEqual(words);
  });

  it('never throws on any input and yields only strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        const words = tokenize(s);
        for (const w of words) expect(typeof w).toBe('string');
      }),
    );
  });
});

describe('closestMatch', () => {
  const names = [
    'help',
    'me',
    'rep',
    'team',
    'leaderboard',
    'funnel',
    'why',
    'log',
    'quiz',
    'target',
    'link',
    'settings',
    'export',
  ];

  it.each([
    ['hlep', 'help'],
    ['halp', 'help'],
    ['leaderbord', 'leaderboard'],
    ['funel', 'funnel'],
    ['lead', 'leaderboard'],
    ['sett', 'settings'],
    ['zzzzzz', undefined],
    ['', undefined],
  ])('%s -> %s', (word, expected) => {
    expect(closestMatch(word, names)).toBe(expected);
  });

  it('returns an exact name itself, whatever its case', () => {
    fc.assert(fc.property(fc.constantFrom(...names), (n) => closestMatch(n.toUpperCase(), names) === n));
  });

  it('edit distance is a metric on small strings (symmetric, zero only for equal)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), (a, b) => {
        expect(editDistance(a, b)).toBe(editDistance(b, a));
        expect(editDistance(a, b) === 0).toBe(a.toLowerCase() === b.toLowerCase());
      }),
    );
  });
});
