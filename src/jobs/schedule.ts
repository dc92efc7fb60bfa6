import { createTask, parse, type ScheduledTask, validate } from 'node-cron';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/** One matcher per (schedule, zone): node-cron's own, so slots are what node-cron would fire. */
const matchers = new Map<string, { task: ScheduledTask; minutes: Set<number> }>();
const formatters = new Map<string, { offset: Intl.DateTimeFormat; wall: Intl.DateTimeFormat }>();

/** A five-field cron expression (minute hour day month weekday), as node-cron reads it. */
export function isSchedule(expr: string): boolean {
  return expr.trim().split(/\s+/).length === 5 && validate(expr.trim());
}

/**
 * A schedule a job may have: five fields, firing at most once an hour (one fixed minute), so a restart never
 * replays a burst of missed posts.
 */
export function isJobSchedule(expr: string): boolean {
  return isSchedule(expr) && /^\d{1,2}$/.test(expr.trim().split(/\s+/)[0] ?? '');
}

function matcher(expr: string, timezone: string) {
  const key = `${expr}|${timezone}`;
  let m = matchers.get(key);
  if (!m) {
    if (matchers.size >= 500) {
      for (const old of matchers.values()) void old.task.destroy();
      matchers.clear();
    }
    m = {
      task: createTask(expr, () => {}, { timezone, name: `kpi-slot-matcher:${key}` }),
      minutes: new Set(parse(expr).minute),
    };
    matchers.set(key, m);
  }
  return m;
}

function formattersOf(timezone: string) {
  let f = formatters.get(timezone);
  if (!f) {
    f = {
      offset: new Intl.DateTimeFormat('en-US', { timeZone: timezone, timeZoneName: 'longOffset' }),
      wall: new Intl.DateTimeFormat('en-CA', {
        timeZone: timezone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }),
    };
    formatters.set(timezone, f);
  }
  return f;
}

/** The zone's offset from UTC in minutes at an instant ("GMT+05:30" is 330). */
function offsetMinutes(fmt: Intl.DateTimeFormat, at: number): number {
  const name = fmt.formatToParts(new Date(at)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name);
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
}

/**
 * The instants (whole minutes, UTC) at which a schedule fires in a time zone, after `from` and up to and
 * including `to`. Local wall-clock times that do not exist (the hour skipped when clocks go forward) have no
 * slot; a repeated local time (clocks going back) is one slot, its first instant, however the range is cut.
 */
export function slotsBetween(expr: string, timezone: string, from: Date, to: Date): Date[] {
  return walk(expr, timezone, from, to.getTime(), Number.POSITIVE_INFINITY);
}

/** The next `count` slots after `after` (searched up to a year ahead). */
export function nextSlots(expr: string, timezone: string, after: Date, count = 3): Date[] {
  return walk(expr, timezone, after, after.getTime() + 366 * 24 * HOUR_MS, count);
}

/** The latest slot at or before `at`, searched `withinMs` back; undefined when there is none. */
export function slotAtOrBefore(expr: string, timezone: string, at: Date, withinMs = 32 * 24 * HOUR_MS) {
  return slotsBetween(expr, timezone, new Date(at.getTime() - withinMs), at).at(-1);
}

/**
 * Hour by hour: within a UTC hour whose offset does not change, only the minutes whose local minute is in the
 * schedule are asked of node-cron (two offset look-ups an hour instead of sixty matches).
 */
function walk(expr: string, timezone: string, from: Date, end: number, count: number): Date[] {
  const { task, minutes } = matcher(expr, timezone);
  const fmt = formattersOf(timezone);
  const out: Date[] = [];
  let t = Math.floor(from.getTime() / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  while (t <= end && out.length < count) {
    const hourEnd = Math.min(end, Math.floor(t / HOUR_MS) * HOUR_MS + HOUR_MS - MINUTE_MS);
    const steady = offsetMinutes(fmt.offset, t) === offsetMinutes(fmt.offset, hourEnd);
    const offset = offsetMinutes(fmt.offset, t);
    for (let m = t; m <= hourEnd && out.length < count; m += MINUTE_MS) {
      if (steady && !minutes.has((((m / MINUTE_MS + offset) % 60) + 60) % 60)) continue;
      const d = new Date(m);
      if (!task.match(d)) continue;
      // The same wall-clock minute 30 or 60 minutes ago: a repeated time after clocks went back.
      const wall = fmt.wall.format(d);
      if (
        wall === fmt.wall.format(new Date(m - 60 * MINUTE_MS)) ||
        wall === fmt.wall.format(new Date(m - 30 * MINUTE_MS))
      )
        continue;
      out.push(d);
    }
    t = hourEnd + MINUTE_MS;
  }
  return out;
}

/** Whether a local time ("HH:MM" in the zone) falls inside [start, end), the range possibly crossing midnight. */
export function inQuietHours(
  at: Date,
  timezone: string,
  quiet: { start: string; end: string } | null | undefined,
) {
  if (!quiet || quiet.start === quiet.end) return false;
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(at);
  const local = parts.replace(/[^\d:]/g, '');
  return quiet.start < quiet.end
    ? local >= quiet.start && local < quiet.end
    : local >= quiet.start || local < quiet.end;
}
