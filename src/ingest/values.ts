import { TZDate } from '@date-fns/tz';
import { minorDigits } from '../domain/money.js';
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
 * The decimal text of an amount as given: a string as written (trimmed), a JSON number by its shortest
 * round-trip decimal text (`String(n)`, so 1.005 reads "1.005" and 0.1 + 0.2 reads "0.30000000000000004"),
 * with an exponent written out (1e-7 reads "0.0000001").
 */
export function amountText(amount: number | string): string {
  if (typeof amount === 'string') return amount.trim();
  const text = String(amount);
  const m = /^(\d+)(?:\.(\d+))?e([+-])(\d+)$/.exec(text);
  if (!m) return text;
  const [, whole = '', frac = '', sign, exp] = m;
  const digits = whole + frac;
  const point = whole.length + (sign === '-' ? -Number(exp) : Number(exp));
  if (point <= 0) return `0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return digits + '0'.repeat(point - digits.length);
  return `${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** Digits after the decimal point that matter (trailing zeros do not: "1.500" has 1). */
export function decimalPlaces(amount: number | string): number {
  const frac = /\.(\d*)$/.exec(amountText(amount))?.[1] ?? '';
  return frac.replace(/0+$/, '').length;
}

const places = (n: number) => `${n} decimal ${n === 1 ? 'place' : 'places'}`;

/**
 * Why an amount cannot be stored exactly in a currency (it has more decimals than the currency's minor unit,
 * e.g. "USD has 2 decimal places; 1.005 has 3"), or null. Such amounts are refused, never rounded.
 */
export function amountDigitsProblem(amount: number | string, currency: string): string | null {
  const digits = minorDigits(currency);
  const given = decimalPlaces(amount);
  if (given > digits) return `${currency} has ${places(digits)}; ${amountText(amount)} has ${given}`;
  // Stored as a whole number of minor units (64-bit); sums of many must still fit, so one amount stays far below.
  const whole = (amountText(amount).split('.')[0] ?? '').replace(/^0+/, '');
  if (whole.length + digits > MAX_MINOR_DIGITS)
    return `${amountText(amount)} ${currency} is too large (at most ${MAX_MINOR_DIGITS} digits in ${currency}'s smallest unit)`;
  return null;
}

/** The most digits an amount may have in minor units: below 10^14 (a trillion dollars in cents). */
export const MAX_MINOR_DIGITS = 14;

/**
 * An amount in major units ("1234.5", 1234.5) as an integer of minor units of the currency, exactly: decimal
 * strings are never parsed as floats, numbers are read by their decimal text (amountText). Amounts with more
 * decimals than the currency has are refused where they arrive (amountDigitsProblem); one that still has them
 * here (its deal's currency changed later, e.g. from USD to JPY) is rounded half up.
 */
export function toMinorUnits(amount: number | string, currency: string): bigint {
  const digits = minorDigits(currency);
  const textValue = amountText(amount);
  const m = /^(\d+)(?:\.(\d+))?$/.exec(textValue);
  if (!m) throw new RangeError(`not an amount: ${amount}`);
  const whole = m[1] ?? '0';
  const frac = m[2] ?? '';
  let minor =
    BigInt(whole) * 10n ** BigInt(digits) + BigInt(frac.slice(0, digits).padEnd(digits, '0') || '0');
  if (Number(frac[digits] ?? '0') >= 5) minor += 1n;
  return minor;
}
