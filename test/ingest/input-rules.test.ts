import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { minorDigits } from '../../src/domain/money.js';
import { describeZodError, instantWindowProblem, ZCanonicalEvent } from '../../src/ingest/events.js';
import { receiptProblem } from '../../src/ingest/receipt-checks.js';
import { clipText, findUnstorableText, unstorableText } from '../../src/ingest/storable-text.js';
import { amountDigitsProblem, amountText, MAX_MINOR_DIGITS, toMinorUnits } from '../../src/ingest/values.js';

/**
 * Valid Unicode: survives UTF-8 (a lone surrogate would come back as U+FFFD). `ignoreBOM`: a text that starts with
 * U+FEFF keeps it (the decoder would otherwise drop it as a byte-order mark and call valid text broken).
 */
const wellFormed = (s: string) =>
  new TextDecoder('utf-8', { ignoreBOM: true }).decode(new TextEncoder().encode(s)) === s;

/** Any UTF-16 code unit, so lone surrogates and NUL come up as often as anything else. */
const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const anyText = fc.string({ unit: anyUnit, maxLength: 30 });
const parseError = (ev: unknown) => {
  const r = ZCanonicalEvent.safeParse(ev);
  return r.success ? null : describeZodError(r.error);
};

describe('the text rule: valid Unicode without NUL', () => {
  it('refuses exactly the text with a NUL or a lone surrogate (property)', () => {
    fc.assert(
      fc.property(anyText, (s) => {
        expect(unstorableText(s) === null).toBe(!s.includes('\u0000') && wellFormed(s));
      }),
      { numRuns: 2000 },
    );
  });

  it('says what and where', () => {
    expect(unstorableText('ab\u0000c')).toBe(
      'contains a NUL character (U+0000) at character 3, which cannot be stored; remove it',
    );
    expect(unstorableText('x\uD800')).toMatch(/lone surrogate \(U\+D800\) at character 2/);
    expect(unstorableText('\uDC00y')).toMatch(/lone surrogate \(U\+DC00\) at character 1/);
    expect(unstorableText('a 😀 pair, é, 中文')).toBeNull();
    // U+FEFF (a byte-order mark) is valid text: stored as it is (fast-check found the rule's own check wrong here).
    expect(unstorableText('\uFEFF')).toBeNull();
  });

  it('finds the first bad string inside a value, with its path (object keys too)', () => {
    expect(findUnstorableText({ a: ['ok', { b: 'x\u0000' }] })?.path).toEqual(['a', 1, 'b']);
    expect(findUnstorableText({ 'k\uD800': 1 })?.path).toEqual(['k\uD800']);
    expect(findUnstorableText({ a: 1, b: [true, null, 'fine'] })).toBeNull();
  });

  it('clips without cutting a surrogate pair (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.integer({ min: 1, max: 40 }), (s, max) => {
        const out = clipText(s, max);
        expect(out.length).toBeLessThanOrEqual(max);
        expect(s.startsWith(out)).toBe(true);
        expect(wellFormed(out)).toBe(true);
        expect(out.length).toBeGreaterThanOrEqual(Math.min(s.length, max) - 1);
      }),
    );
  });

  /** Every text field of the canonical events, with an event that is valid without the poison. */
  const TEXT_FIELDS: [string, (v: string) => Record<string, unknown>, string][] = [
    ['id', (v) => ({ type: 'deal.deleted', dealId: 'd', id: `e${v}` }), 'id'],
    ['dealId', (v) => ({ type: 'deal.deleted', dealId: `d${v}` }), 'dealId'],
    ['title', (v) => ({ type: 'deal.upserted', dealId: 'd', title: v }), 'title'],
    ['account', (v) => ({ type: 'deal.upserted', dealId: 'd', account: v }), 'account'],
    ['product', (v) => ({ type: 'deal.upserted', dealId: 'd', product: v }), 'product'],
    ['pipeline', (v) => ({ type: 'deal.upserted', dealId: 'd', pipeline: v }), 'pipeline'],
    ['stage', (v) => ({ type: 'deal.stage_changed', dealId: 'd', stage: `s${v}` }), 'stage'],
    ['lostReason', (v) => ({ type: 'deal.lost', dealId: 'd', lostReason: v }), 'lostReason'],
    ['owner.name', (v) => ({ type: 'deal.upserted', dealId: 'd', owner: { name: `n${v}` } }), 'owner.name'],
    ['owner.id', (v) => ({ type: 'lead.upserted', leadId: 'l', owner: { id: `i${v}` } }), 'owner.id'],
    [
      'owner.source',
      (v) => ({ type: 'lead.qualified', leadId: 'l', owner: { source: `s${v}`, id: 1 } }),
      'owner.source',
    ],
    ['lead name', (v) => ({ type: 'lead.upserted', leadId: 'l', name: v }), 'name'],
    ['customer name', (v) => ({ type: 'customer.won', customerId: 'c', name: v }), 'name'],
    ['subject', (v) => ({ type: 'activity.logged', activityId: 'a', subject: v }), 'subject'],
    [
      'network',
      (v) => ({ type: 'social.post', owner: { name: 'D' }, postId: 'p', network: `n${v}` }),
      'network',
    ],
    [
      'course',
      (v) => ({ type: 'training.result', owner: { name: 'D' }, course: `c${v}`, score: 1 }),
      'course',
    ],
    ['rep name', (v) => ({ type: 'rep.upserted', name: `r${v}` }), 'name'],
    ['manager', (v) => ({ type: 'rep.upserted', name: 'R', manager: `m${v}` }), 'manager'],
    ['team', (v) => ({ type: 'rep.upserted', name: 'R', team: v }), 'team'],
  ];

  it('every text field of every canonical event refuses a NUL or a lone surrogate, naming the field (property)', () => {
    const poison = fc.constantFrom('\u0000', '\uD800', '\uDBFF', '\uDC00', '\uDFFF');
    const clean = fc.string({ unit: 'binary', maxLength: 12 }).filter((s) => !s.includes('\u0000'));
    fc.assert(
      fc.property(fc.constantFrom(...TEXT_FIELDS), clean, clean, poison, ([, make, path], a, b, bad) => {
        // The same event without the poison is valid: the refusal is for the poison alone.
        expect(parseError(make(`${a}${b}`.trim() || 'x'))).toBeNull();
        const error = parseError(make(`x${a}${bad}${b}`));
        expect(error).toMatch(
          new RegExp(`^${path.replace('.', '\\.')}: contains a (NUL character|lone surrogate)`),
        );
      }),
      { numRuns: 500 },
    );
  });
});

describe('the decimal rule: no more decimals than the currency has', () => {
  it('knows the currencies that are not 2 digits', () => {
    expect([minorDigits('JPY'), minorDigits('USD'), minorDigits('BHD'), minorDigits('KWD')]).toEqual([
      0, 2, 3, 3,
    ]);
  });

  it('names the field, the currency and both digit counts', () => {
    expect(amountDigitsProblem('1.005', 'USD')).toBe('USD has 2 decimal places; 1.005 has 3');
    expect(amountDigitsProblem(1.005, 'USD')).toBe('USD has 2 decimal places; 1.005 has 3');
    expect(amountDigitsProblem('12.5', 'JPY')).toBe('JPY has 0 decimal places; 12.5 has 1');
    expect(amountDigitsProblem('1.2345', 'KWD')).toBe('KWD has 3 decimal places; 1.2345 has 4');
    expect(amountDigitsProblem('1.234', 'BHD')).toBeNull();
    // Trailing zeros lose nothing.
    expect(amountDigitsProblem('1250.500', 'USD')).toBeNull();
    expect(amountDigitsProblem('100.00', 'JPY')).toBeNull();
  });

  it('reads a JSON number by its shortest round-trip text (documented): 0.1 + 0.2 is refused, exponents are written out', () => {
    expect(amountText(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(amountDigitsProblem(0.1 + 0.2, 'USD')).toBe(
      'USD has 2 decimal places; 0.30000000000000004 has 17',
    );
    expect(amountText(1e-7)).toBe('0.0000001');
    expect(amountText(1.5e-7)).toBe('0.00000015');
    expect(amountText(1e15)).toBe('1000000000000000');
    expect(amountDigitsProblem(0.29, 'USD')).toBeNull();
    expect(toMinorUnits(0.29, 'USD')).toBe(29n);
  });

  it('is exact whenever it accepts, and refuses whenever digits would be lost (property)', () => {
    const currency = fc.constantFrom('USD', 'EUR', 'JPY', 'BHD', 'KWD', 'CLP');
    fc.assert(
      fc.property(
        currency,
        fc.bigInt({ min: 0n, max: 10n ** 13n }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 3 }),
        (cur, value, scale, zeros) => {
          // value / 10^scale written out, with `zeros` extra trailing zeros.
          const s = value.toString().padStart(scale + 1, '0');
          const text = scale ? `${s.slice(0, -scale)}.${s.slice(-scale)}${'0'.repeat(zeros)}` : s;
          const significant = scale ? s.slice(-scale).replace(/0+$/, '').length : 0;
          const digits = minorDigits(cur);
          const problem = amountDigitsProblem(text, cur);
          const wholeDigits = (text.split('.')[0] ?? '').replace(/^0+/, '').length;
          if (significant > digits) {
            expect(problem).toBe(`${cur} has ${digits} decimal places; ${text} has ${significant}`);
          } else if (wholeDigits + digits > MAX_MINOR_DIGITS) {
            // Beyond what minor units (and their sums) can hold: refused, never stored.
            expect(problem).toMatch(new RegExp(`is too large \\(at most ${MAX_MINOR_DIGITS} digits`));
          } else {
            expect(problem).toBeNull();
            // Exact: the minor units times 10^scale equal the value times 10^digits.
            expect(toMinorUnits(text, cur) * 10n ** BigInt(scale)).toBe(value * 10n ** BigInt(digits));
            // The same amount as a JSON number reads the same.
            expect(amountDigitsProblem(Number(text), cur)).toBeNull();
            expect(toMinorUnits(Number(text), cur)).toBe(toMinorUnits(text, cur));
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('refuses at the schema when the event names its currency', () => {
    expect(parseError({ type: 'deal.upserted', dealId: 'd', amount: '1.005', currency: 'usd' })).toBe(
      'amount: USD has 2 decimal places; 1.005 has 3',
    );
    expect(parseError({ type: 'deal.won', dealId: 'd', amount: 12.5, currency: 'JPY' })).toBe(
      'amount: JPY has 0 decimal places; 12.5 has 1',
    );
    expect(parseError({ type: 'deal.upserted', dealId: 'd', amount: '1.005', currency: 'BHD' })).toBeNull();
    // Without a currency the schema cannot know: receipt checks it against the deal's or workspace's.
    expect(parseError({ type: 'deal.upserted', dealId: 'd', amount: '1.005' })).toBeNull();
  });
});

describe('the date window: 1970-01-01 to 100 years after now', () => {
  const now = new Date('2026-11-15T12:00:00Z');

  it('refuses dates before 1970 at the schema, in every form', () => {
    for (const v of ['0000-01-01', '1969-12-31', '1969-12-31T23:59:59Z', '0099-06-01 10:00'])
      expect(parseError({ type: 'deal.deleted', dealId: 'd', occurredAt: v })).toBe(
        `occurredAt: ${v} is before 1970-01-01 (dates from 1970-01-01 to 100 years after today are accepted)`,
      );
    expect(parseError({ type: 'deal.deleted', dealId: 'd', occurredAt: -1 })).toMatch(
      /^occurredAt: -1 is before 1970-01-01/,
    );
    expect(parseError({ type: 'lead.upserted', leadId: 'l', mqlAt: '1900-01-01' })).toMatch(/^mqlAt: /);
    expect(parseError({ type: 'deal.deleted', dealId: 'd', occurredAt: '1970-01-01' })).toBeNull();
    expect(parseError({ type: 'deal.deleted', dealId: 'd', occurredAt: 0 })).toBeNull();
  });

  it('refuses instants more than 100 years ahead of the clock at receipt, whatever their form', () => {
    expect(instantWindowProblem('2126-11-15', now)).toBeNull();
    expect(instantWindowProblem('2126-11-16', now)).toBe(
      '2126-11-16 is more than 100 years from now, after 2126-11-15 (dates from 1970-01-01 to 100 years after today are accepted)',
    );
    expect(instantWindowProblem(Date.parse('2126-11-15T23:59:59Z'), now)).toBeNull();
    expect(instantWindowProblem(Date.parse('2126-11-16T00:00:00Z'), now)).toMatch(/more than 100 years/);
    expect(instantWindowProblem('9999-12-31T00:00:00+14:00', now)).toMatch(/more than 100 years/);
    expect(instantWindowProblem('2126-11-16', new Date('2026-11-16T00:00:00Z'))).toBeNull();
  });

  it('checks every instant field of an event at receipt (property over field and day)', () => {
    const fields: [string, Record<string, unknown>][] = [
      ['occurredAt', { type: 'deal.deleted', dealId: 'd' }],
      ['openedAt', { type: 'deal.upserted', dealId: 'd' }],
      ['closedAt', { type: 'deal.upserted', dealId: 'd' }],
      ['mqlAt', { type: 'lead.upserted', leadId: 'l' }],
      ['convertedAt', { type: 'lead.upserted', leadId: 'l' }],
      ['wonAt', { type: 'customer.won', customerId: 'c' }],
      ['churnedAt', { type: 'customer.won', customerId: 'c' }],
      ['at', { type: 'activity.logged', activityId: 'a' }],
    ];
    const lastDay = Date.parse('2126-11-15T00:00:00Z') / 86_400_000;
    fc.assert(
      fc.property(
        fc.constantFrom(...fields),
        fc.integer({ min: 0, max: lastDay + 3000 }),
        fc.boolean(),
        ([field, base], day, asEpoch) => {
          const iso = new Date(day * 86_400_000).toISOString().slice(0, 10);
          const value = asEpoch ? day * 86_400_000 + 3_600_000 : iso;
          const parsed = ZCanonicalEvent.parse({ ...base, [field]: value });
          const problem = receiptProblem(parsed, { now, currencyOf: () => 'USD' });
          if (day <= lastDay) expect(problem).toBeNull();
          else
            expect(problem).toEqual({
              field,
              message: expect.stringMatching(/more than 100 years from now/),
            });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('checks an amount without a currency against the currency it will be stored in', () => {
    const ev = ZCanonicalEvent.parse({ type: 'deal.won', dealId: 'd7', amount: '10.5' });
    const asked: string[] = [];
    const currencyOf = (cur: string) => (dealId: string) => {
      asked.push(dealId);
      return cur;
    };
    expect(receiptProblem(ev, { now, currencyOf: currencyOf('USD') })).toBeNull();
    expect(receiptProblem(ev, { now, currencyOf: currencyOf('JPY') })).toEqual({
      field: 'amount',
      message: 'JPY has 0 decimal places; 10.5 has 1',
    });
    expect(asked).toEqual(['d7', 'd7']);
  });
});
