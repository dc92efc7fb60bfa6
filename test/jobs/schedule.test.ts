import { describe, expect, it } from 'vitest';
import { inQuietHours, isSchedule, nextSlots, slotsBetween } from '../../src/jobs/schedule.js';

const iso = (ds: Date[]) => ds.map((d) => d.toISOString());

describe('job schedules in the workspace time zone', () => {
  it('fires the Monday 09:00 leaderboard at 09:00 local time on both sides of a DST change', () => {
    // Europe/Berlin moves from UTC+1 to UTC+2 on 2026-03-29 and back on 2026-10-25.
    expect(
      iso(
        slotsBetween(
          '0 9 * * 1',
          'Europe/Berlin',
          new Date('2026-03-20T00:00Z'),
          new Date('2026-04-07T00:00Z'),
        ),
      ),
    ).toEqual(['2026-03-23T08:00:00.000Z', '2026-03-30T07:00:00.000Z', '2026-04-06T07:00:00.000Z']);
    expect(
      iso(
        slotsBetween(
          '0 9 * * 1',
          'Europe/Berlin',
          new Date('2026-10-18T00:00Z'),
          new Date('2026-11-03T00:00Z'),
        ),
      ),
    ).toEqual(['2026-10-19T07:00:00.000Z', '2026-10-26T08:00:00.000Z', '2026-11-02T08:00:00.000Z']);
    // New York changes a week later than Europe in the autumn (2026-11-01).
    expect(iso(nextSlots('30 8 * * *', 'America/New_York', new Date('2026-10-31T00:00Z'), 3))).toEqual([
      '2026-10-31T12:30:00.000Z',
      '2026-11-01T13:30:00.000Z',
      '2026-11-02T13:30:00.000Z',
    ]);
  });

  it('a time that does not exist (clocks forward) has no slot; a repeated one (clocks back) has one', () => {
    expect(
      iso(
        slotsBetween(
          '30 2 * * *',
          'Europe/Berlin',
          new Date('2026-03-28T00:00Z'),
          new Date('2026-03-31T00:00Z'),
        ),
      ),
    ).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-30T00:30:00.000Z']);
    const back = slotsBetween(
      '30 2 * * *',
      'Europe/Berlin',
      new Date('2026-10-24T00:00Z'),
      new Date('2026-10-27T00:00Z'),
    );
    expect(iso(back)).toEqual([
      '2026-10-24T00:30:00.000Z',
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
    // However the range is cut (a tick every minute), the second 02:30 is not a slot.
    expect(
      slotsBetween(
        '30 2 * * *',
        'Europe/Berlin',
        new Date('2026-10-25T01:29Z'),
        new Date('2026-10-25T01:31Z'),
      ),
    ).toEqual([]);
  });

  it('reads only five-field cron expressions', () => {
    expect(isSchedule('0 9 * * 1')).toBe(true);
    expect(isSchedule('*/15 8-18 * * 1-5')).toBe(true);
    for (const bad of ['61 9 * * 1', '0 9 * *', '0 0 9 * * 1', 'every monday', '', '0 9 * * 1; rm -rf /'])
      expect(isSchedule(bad)).toBe(false);
  });

  it('knows quiet hours across midnight in the zone', () => {
    const quiet = { start: '20:00', end: '08:00' };
    expect(inQuietHours(new Date('2026-11-27T21:00Z'), 'UTC', quiet)).toBe(true);
    expect(inQuietHours(new Date('2026-11-27T07:59Z'), 'UTC', quiet)).toBe(true);
    expect(inQuietHours(new Date('2026-11-27T08:00Z'), 'UTC', quiet)).toBe(false);
    // 07:30 UTC is 08:30 in Berlin in winter: not quiet there.
    expect(inQuietHours(new Date('2026-11-27T07:30Z'), 'Europe/Berlin', quiet)).toBe(false);
    expect(inQuietHours(new Date('2026-11-27T12:00Z'), 'UTC', { start: '12:00', end: '13:00' })).toBe(true);
    expect(inQuietHours(new Date('2026-11-27T21:00Z'), 'UTC', null)).toBe(false);
  });
});
