import { TZDate } from '@date-fns/tz';
import { minorDigits } from '../reports/present.js';
import type { TInstant } from './events.js';

/**
 * Turns a source's time into an instant. Epoch milliseconds and ISO times with an offset are absolute; a date
 * (2026-11-02) or a time without an offset (2026-11-02 09:30) is local to the workspace's time zone.
 */
export function toInstant(value: TInstant, timezone: string): Date {
  if (typeof value === 'number') return new Date(value);
  const m =
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(
      value.trim(),
    );
  if (!m) throw new RangeError(`not a date or time: ${value}`);
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', offset] = m;
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  const parts = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms] as const;
  let out: Date;
  if (offset) {
    const sign = offset === 'Z' ? 0 : offset.startsWith('-') ? -1 : 1;
    const digits = offset.replace(/[^0-9]/g, '');
    const minutes = sign === 0 ? 0 : sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
    out = new Date(Date.UTC(...parts) - minutes * 60_000);
  } else {
    out = new Date(new TZDate(...parts, timezone).getTime());
  }
  // Reject dates that rolled over (2026-02-31) rather than storing a different day.
  const check = new Date(Date.UTC(parts[0], parts[1], parts[2]));
  if (Number.isNaN(out.getTime()) || check.getUTCMonth() !== parts[1] || check.getUTCDate() !== parts[2])
    throw new RangeError(`not a valid date: ${value}`);
  return out;
}

/**
 * An amount in major units ("1234.5", 1234.5) as an integer of minor units of the currency, exactly: decimal
 * strings are never parsed as floats. Digits beyond the currency's minor unit are rounded half up.
 */
export function toMinorUnits(amount: number | string, currency: string): bigint {
  const digits = minorDigits(currency);
  const textValue = typeof amount === 'number' ? amount.toFixed(Math.max(digits, 6)) : amount.trim();
  const m = /^(\d+)(?:\.(\d+))?$/.exec(textValue);
  if (!m) throw new RangeError(`not an amount: ${amount}`);
  const whole = m[1] ?? '0';
  const frac = m[2] ?? '';
  let minor =
    BigInt(whole) * 10n ** BigInt(digits) + BigInt(frac.slice(0, digits).padEnd(digits, '0') || '0');
  if (Number(frac[digits] ?? '0') >= 5) minor += 1n;
  return minor;
}
