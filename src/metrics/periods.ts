import { TZDate } from '@date-fns/tz';
import { BoundedMap } from '../bounded-map.js';
import { AppError } from '../errors.js';
import { DAY_MS } from './stats.js';

/**
 * Reporting periods, cut in a workspace's time zone. Pure: `now` is always a parameter.
 *
 * A period is the half-open interval [start, end) of UTC instants. Its bounds are local midnights in the
 * workspace zone, so a month in Europe/Berlin starts at 22:00 or 23:00 UTC of the day before, and a week that
 * contains a daylight-saving change is 167 or 169 hours long. Quarters and years are fiscal: they start in the
 * workspace's fiscal-year start month, and a fiscal year is named after the calendar year in which it starts
 * (with an April start, FY2017 runs from April 2017 to March 2018). With a January start they are calendar
 * quarters and years.
 */

export type TCalendar = {
  /** IANA zone, e.g. Europe/Berlin. */
  timezone: string;
  /** 1 = January ... 12 = December. */
  fiscalYearStartMonth: number;
  /** 0 = Sunday ... 6 = Saturday. */
  weekStartsOn: number;
};

export type TPeriodKind = 'day' | 'week' | 'month' | 'quarter' | 'year' | 'custom';

export type TPeriod = {
  kind: TPeriodKind;
  /** First instant in the period. */
  start: Date;
  /** First instant after the period (exclusive). */
  end: Date;
  /** Stable key, e.g. 2017-06, FY2017-Q4, FY2017, 2017-06-05/week, 2017-06-01..2017-06-15. */
  key: string;
  /** For people, e.g. "June 2017", "Q4 FY2017", "week of Jun 5, 2017". */
  label: string;
};

export const DEFAULT_CALENDAR: TCalendar = { timezone: 'UTC', fiscalYearStartMonth: 1, weekStartsOn: 1 };

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

type TLocalDate = { y: number; m: number; d: number };

/** The local calendar date of an instant in a zone (month 0-11). */
export function localDateOf(instant: Date, timezone: string): TLocalDate & { weekday: number } {
  const t = new TZDate(instant.getTime(), timezone);
  return { y: t.getFullYear(), m: t.getMonth(), d: t.getDate(), weekday: t.getDay() };
}

/** Local midnights already worked out (a zone's rules do not change while the process runs; few dates recur). */
const midnights = new BoundedMap<string, number>(4096);

/** The first instant of a local date in a zone; out-of-range months and days roll over (month 12 = next January). */
export function localMidnight(y: number, m: number, d: number, timezone: string): Date {
  const key = `${y}|${m}|${d}|${timezone}`;
  let ms = midnights.get(key);
  if (ms === undefined) {
    ms = new TZDate(y, m, d, timezone).getTime();
    midnights.set(key, ms);
  }
  return new Date(ms);
}

/**
 * A date-only value (YYYY-MM-DD, as CSV exports carry) as the instant it stands for: local midnight of that
 * date in the workspace zone. Throws on anything that is not a real calendar date.
 *
 * @example instantOfLocalDate('2017-03-01', 'America/New_York') // 2017-03-01T05:00:00.000Z
 */
export function instantOfLocalDate(date: string, timezone: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date.trim());
  if (!m) throw new AppError('bad_request', `"${date}" is not a date like 2017-06-30`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]) - 1, Number(m[3])];
  const check = new Date(Date.UTC(y, mo, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo || check.getUTCDate() !== d) {
    throw new AppError('bad_request', `"${date}" is not a calendar date`);
  }
  return localMidnight(y, mo, d, timezone);
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const isoDate = (l: TLocalDate) => {
  const norm = new Date(Date.UTC(l.y, l.m, l.d));
  return `${norm.getUTCFullYear()}-${pad(norm.getUTCMonth() + 1)}-${pad(norm.getUTCDate())}`;
};
const shortDate = (l: TLocalDate) => {
  const norm = new Date(Date.UTC(l.y, l.m, l.d));
  return `${MONTHS[norm.getUTCMonth()]?.slice(0, 3)} ${norm.getUTCDate()}, ${norm.getUTCFullYear()}`;
};

/** The fiscal year (named by its starting calendar year) and its 0-based month index of a local date. */
function fiscalPosition(l: TLocalDate, cal: TCalendar): { fy: number; fiscalMonth: number } {
  const startMonth = cal.fiscalYearStartMonth - 1;
  const fiscalMonth = (l.m - startMonth + 12) % 12;
  return { fy: l.m >= startMonth ? l.y : l.y - 1, fiscalMonth };
}

function fiscalLabel(fy: number, cal: TCalendar): { key: string; label: string } {
  return cal.fiscalYearStartMonth === 1
    ? { key: `${fy}`, label: `${fy}` }
    : { key: `FY${fy}`, label: `FY${fy}` };
}

/** The day, week, month, fiscal quarter or fiscal year that contains an instant. */
export function periodContaining(
  kind: Exclude<TPeriodKind, 'custom'>,
  instant: Date,
  cal: TCalendar,
): TPeriod {
  const tz = cal.timezone;
  const l = localDateOf(instant, tz);
  switch (kind) {
    case 'day':
      return {
        kind,
        start: localMidnight(l.y, l.m, l.d, tz),
        end: localMidnight(l.y, l.m, l.d + 1, tz),
        key: isoDate(l),
        label: shortDate(l),
      };
    case 'week': {
      const back = (l.weekday - cal.weekStartsOn + 7) % 7;
      const first = { y: l.y, m: l.m, d: l.d - back };
      return {
        kind,
        start: localMidnight(first.y, first.m, first.d, tz),
        end: localMidnight(first.y, first.m, first.d + 7, tz),
        key: `${isoDate(first)}/week`,
        label: `week of ${shortDate(first)}`,
      };
    }
    case 'month':
      return monthPeriod(l.y, l.m, tz);
    case 'quarter': {
      const { fy, fiscalMonth } = fiscalPosition(l, cal);
      return fiscalQuarter(fy, Math.floor(fiscalMonth / 3) + 1, cal);
    }
    case 'year': {
      const { fy } = fiscalPosition(l, cal);
      return fiscalYear(fy, cal);
    }
  }
}

function monthPeriod(y: number, m: number, tz: string): TPeriod {
  const norm = new Date(Date.UTC(y, m, 1));
  const [ny, nm] = [norm.getUTCFullYear(), norm.getUTCMonth()];
  return {
    kind: 'month',
    start: localMidnight(ny, nm, 1, tz),
    end: localMidnight(ny, nm + 1, 1, tz),
    key: `${ny}-${pad(nm + 1)}`,
    label: `${MONTHS[nm]} ${ny}`,
  };
}

/** Quarter 1-4 of a fiscal year. */
export function fiscalQuarter(fy: number, quarter: number, cal: TCalendar): TPeriod {
  const startMonth = cal.fiscalYearStartMonth - 1 + (quarter - 1) * 3;
  const name = fiscalLabel(fy, cal);
  return {
    kind: 'quarter',
    start: localMidnight(fy, startMonth, 1, cal.timezone),
    end: localMidnight(fy, startMonth + 3, 1, cal.timezone),
    key: `${name.key}-Q${quarter}`,
    label: `Q${quarter} ${name.label}`,
  };
}

/** A whole fiscal year. */
export function fiscalYear(fy: number, cal: TCalendar): TPeriod {
  const startMonth = cal.fiscalYearStartMonth - 1;
  const name = fiscalLabel(fy, cal);
  return {
    kind: 'year',
    start: localMidnight(fy, startMonth, 1, cal.timezone),
    end: localMidnight(fy, startMonth + 12, 1, cal.timezone),
    key: name.key,
    label: name.label,
  };
}

/** A custom range of whole local days, both dates included. */
export function dateRange(from: TLocalDate, toInclusive: TLocalDate, tz: string): TPeriod {
  return {
    kind: 'custom',
    start: localMidnight(from.y, from.m, from.d, tz),
    end: localMidnight(toInclusive.y, toInclusive.m, toInclusive.d + 1, tz),
    key: `${isoDate(from)}..${isoDate(toInclusive)}`,
    label: `${shortDate(from)} – ${shortDate(toInclusive)}`,
  };
}

/** The period of the same kind just before (a custom range: the same number of days just before). */
export function previousPeriod(p: TPeriod, cal: TCalendar): TPeriod {
  if (p.kind === 'custom') {
    const from = localDateOf(p.start, cal.timezone);
    const lastDay = localDateOf(new Date(p.end.getTime() - 1), cal.timezone);
    const days =
      Math.round((Date.UTC(lastDay.y, lastDay.m, lastDay.d) - Date.UTC(from.y, from.m, from.d)) / DAY_MS) + 1;
    return dateRange(
      { y: from.y, m: from.m, d: from.d - days },
      { y: from.y, m: from.m, d: from.d - 1 },
      cal.timezone,
    );
  }
  return periodContaining(p.kind, new Date(p.start.getTime() - 1), cal);
}

/** The period of the same kind just after (kinds other than custom). */
export function nextPeriod(p: TPeriod, cal: TCalendar): TPeriod {
  if (p.kind === 'custom') throw new Error('a custom range has no next period');
  return periodContaining(p.kind, p.end, cal);
}

/** What `parsePeriod` understands, for help texts and error replies. */
export const PERIOD_EXAMPLES = [
  'this month',
  'last month',
  'this week',
  'last week',
  'this quarter',
  'q3',
  'this year',
  'ytd',
  'today',
  'last 30 days',
  '2017-06',
  '2017-Q4',
  '2017',
  '2017-06-01..2017-06-15',
];

const UNITS: Record<string, Exclude<TPeriodKind, 'custom'>> = {
  day: 'day',
  today: 'day',
  week: 'week',
  month: 'month',
  quarter: 'quarter',
  year: 'year',
};

function badPeriod(text: string): AppError {
  return new AppError(
    'bad_request',
    `"${shownAsTyped(text)}" is not a period I know. Try one of: ${PERIOD_EXAMPLES.join(', ')}.`,
    { field: 'period' },
  );
}

function parseDate(s: string): TLocalDate | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return undefined;
  const l = { y: Number(m[1]), m: Number(m[2]) - 1, d: Number(m[3]) };
  const check = new Date(Date.UTC(l.y, l.m, l.d));
  return check.getUTCMonth() === l.m && check.getUTCDate() === l.d ? l : undefined;
}

/**
 * Reads a period as people type it, relative to `now`, in the workspace calendar. Empty text means this month.
 * `q1`..`q4` are quarters of the current fiscal year; `2017`, `2017-Q4` and `FY2017` are fiscal; `last N days`
 * and `ytd` run to the end of today; `A..B` (or `A to B`) is a range of whole days, both included.
 *
 * @example parsePeriod('last month', new Date('2017-07-04T12:00:00Z'), DEFAULT_CALENDAR).key // '2017-06'
 */
/**
 * A period given either as people write it (parsed) or already made (a job's slot, a dashboard's month): reports
 * take both, so code never builds a sentence for a report to read back.
 */
export function resolvePeriod(period: string | TPeriod, now: Date, cal: TCalendar): TPeriod {
  return typeof period === 'string' ? parsePeriod(period, now, cal) : period;
}

export function parsePeriod(text: string, now: Date, cal: TCalendar): TPeriod {
  const raw = text.trim();
  const t = raw.toLowerCase().replace(/\s+/g, ' ');
  const tz = cal.timezone;
  // Years before 1970 are refused (as at receipt); JavaScript would also read 0099 as 1999.
  // (Only in texts that name dates: "last 1000 days" counts days, checked below.)
  const counting = /^(last|past) \d{1,4} (day|days|week|weeks)$/.test(t);
  for (const year of counting ? [] : t.matchAll(/(?<!\d)(\d{4})(?!\d)/g))
    if (Number(year[1]) < 1970)
      throw new AppError(
        'bad_request',
        `"${shownAsTyped(raw)}" is before 1970; KPI Bot keeps dates from 1970-01-01 on. Try one of: ${PERIOD_EXAMPLES.join(', ')}.`,
        { field: 'period' },
      );
  if (t === '' || t === 'this month' || t === 'mtd') return periodContaining('month', now, cal);
  if (t === 'today') return periodContaining('day', now, cal);
  if (t === 'yesterday') return previousPeriod(periodContaining('day', now, cal), cal);

  let m = /^(this|last|previous) (day|week|month|quarter|year)$/.exec(t);
  if (m) {
    const current = periodContaining(UNITS[m[2] as string] as Exclude<TPeriodKind, 'custom'>, now, cal);
    return m[1] === 'this' ? current : previousPeriod(current, cal);
  }
  m = /^(last|past) (\d{1,4}) (day|days|week|weeks)$/.exec(t);
  if (m) {
    const n = Number(m[2]) * (m[3]?.startsWith('week') ? 7 : 1);
    if (n < 1) throw badPeriod(raw);
    const today = localDateOf(now, tz);
    const range = dateRange({ y: today.y, m: today.m, d: today.d - n + 1 }, today, tz);
    if (range.start.getTime() < 0)
      throw new AppError(
        'bad_request',
        `"${shownAsTyped(raw)}" reaches back before 1970; KPI Bot keeps dates from 1970-01-01 on.`,
        {
          field: 'period',
        },
      );
    return range;
  }
  if (t === 'ytd' || t === 'year to date') {
    const year = periodContaining('year', now, cal);
    const from = localDateOf(year.start, tz);
    return { ...dateRange(from, localDateOf(now, tz), tz), label: `${year.label} to date` };
  }
  if (t === 'qtd' || t === 'quarter to date') {
    const quarter = periodContaining('quarter', now, cal);
    return {
      ...dateRange(localDateOf(quarter.start, tz), localDateOf(now, tz), tz),
      label: `${quarter.label} to date`,
    };
  }
  m = /^q([1-4])(?: (?:fy)?(\d{4}))?$/.exec(t);
  if (m) {
    const fy = m[2] ? Number(m[2]) : fiscalPosition(localDateOf(now, tz), cal).fy;
    return fiscalQuarter(fy, Number(m[1]), cal);
  }
  m = /^(?:fy)?(\d{4})-?q([1-4])$/.exec(t);
  if (m) return fiscalQuarter(Number(m[1]), Number(m[2]), cal);
  m = /^(?:fy)?(\d{4})$/.exec(t);
  if (m) return fiscalYear(Number(m[1]), cal);
  m = /^(\d{4})-(\d{2})$/.exec(t);
  if (m && Number(m[2]) >= 1 && Number(m[2]) <= 12) return monthPeriod(Number(m[1]), Number(m[2]) - 1, tz);
  m = /^(\d{4}-\d{2}-\d{2})(?:\s*\.\.\s*|\s+to\s+)(\d{4}-\d{2}-\d{2})$/.exec(t);
  if (m) {
    const [from, to] = [parseDate(m[1] as string), parseDate(m[2] as string)];
    if (!from || !to) throw badPeriod(raw);
    if (Date.UTC(to.y, to.m, to.d) < Date.UTC(from.y, from.m, from.d)) {
      throw new AppError('bad_request', `the range "${raw}" ends before it starts`, { field: 'period' });
    }
    return dateRange(from, to, tz);
  }
  const day = parseDate(t);
  if (day) return dateRange(day, day, tz);
  const monthName = MONTHS.findIndex(
    (name) => t === name.toLowerCase() || t === name.slice(0, 3).toLowerCase(),
  );
  if (monthName >= 0) {
    // The most recent such month that has begun.
    const today = localDateOf(now, tz);
    return monthPeriod(monthName <= today.m ? today.y : today.y - 1, monthName, tz);
  }
  throw badPeriod(raw);
}

/** The share of a period that has elapsed at `now`, from 0 to 1 (for pace against target). */
export function elapsedFraction(p: TPeriod, now: Date): number {
  const total = p.end.getTime() - p.start.getTime();
  const done = Math.min(Math.max(now.getTime() - p.start.getTime(), 0), total);
  return total > 0 ? done / total : 1;
}

/** What someone typed, echoed in a refusal: marks that would format, link or mention in chat left out. */
export function shownAsTyped(text: string): string {
  // An underscore inside a word (sales.won_total) formats nothing and stays.
  return text
    .replace(/[<>&*~`\n\r]/g, '')
    .replace(/_(?![\p{L}\p{N}])|(?<![\p{L}\p{N}])_/gu, '')
    .slice(0, 80);
}
