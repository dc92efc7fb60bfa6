/** Milliseconds in a day of 24 hours (for durations; calendar days come from periods.ts). */
export const DAY_MS = 86_400_000;

/**
 * The median of a list of numbers (the mean of the middle two for an even count); null for an empty list.
 *
 * @example median([3, 1, 2]) // 2
 */
export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}
