import { createTask, type ScheduledTask, validate } from 'node-cron';

const MINUTE_MS = 60_000;
/** One matcher per (schedule, zone): node-cron's own, so slots are what node-cron would fire. */
const matchers = new Map<string, ScheduledTask>();

/** A five-field cron expression (minute hour day month weekday), as node-cron reads it. */
export function isSchedule(expr: string): boolean {
  return expr.trim().split(/\s+/).length === 5 && validate(expr.trim());
}

function matcher(expr: string, timezone: string): ScheduledTask {
  const key = `${expr}|${timezone}`;
  let task = matchers.get(key);
  if (!task) {
    task = createTask(expr, () => {}, { timezone, name: `kpi-slot-matcher:${key}` });
    if (matchers.size > 500) matchers.clear();
    matchers.set(key, task);
  }
  return task;
}

/**
 * The instants (whole minutes, UTC) at which a schedule fires in a time zone, after `from` and up to and
 * including `to`. Local wall-clock times that do not exist (the hour skipped when clocks go forward) have no
 * slot; a repeated hour (clocks going back) is two instants, each its own slot.
 */
export function slotsBetween(expr: string, timezone: string, from: Date, to: Date): Date[] {
  return walk(expr, timezone, from, to.getTime(), Number.POSITIVE_INFINITY);
}

/** The next `count` slots after `after` (searched up to a year ahead). */
export function nextSlots(expr: string, timezone: string, after: Date, count = 3): Date[] {
  return walk(expr, timezone, after, after.getTime() + 366 * 24 * 60 * MINUTE_MS, count);
}

/**
 * Minute by minute from `from` (exclusive) to `end` (inclusive). When clocks go back, the repeated local time
 * is one slot (its first instant), so a daily 02:30 job runs once that night, not twice, however the range is
 * cut.
 */
function walk(expr: string, timezone: string, from: Date, end: number, count: number): Date[] {
  const task = matcher(expr, timezone);
  const local = new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const out: Date[] = [];
  for (
    let t = Math.floor(from.getTime() / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
    t <= end && out.length < count;
    t += MINUTE_MS
  ) {
    const d = new Date(t);
    if (!task.match(d)) continue;
    // The same wall-clock minute an hour ago: the repeated hour after clocks went back.
    if (local.format(d) === local.format(new Date(t - 60 * MINUTE_MS))) continue;
    out.push(d);
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
