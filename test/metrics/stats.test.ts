import { describe, expect, it } from 'vitest';
import { median } from '../../src/metrics/stats.js';

describe('median', () => {
  it.each([
    [[], null],
    [[5], 5],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[-1, 10, 10], 10],
  ])('%j -> %s', (xs, expected) => {
    expect(median(xs)).toBe(expected);
  });

  it('does not reorder its input', () => {
    const xs = [3, 1, 2];
    median(xs);
    expect(xs).toEqual([3, 1, 2]);
  });
});
