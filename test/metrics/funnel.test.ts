import { describe, expect, it } from 'vitest';
import {
  findBottleneck,
  funnelStats,
  type TFunnelDeal,
  type TStageChange,
} from '../../src/metrics/funnel.js';
import { parsePeriod, type TCalendar } from '../../src/metrics/periods.js';

const UTC: TCalendar = { timezone: 'UTC', fiscalYearStartMonth: 1, weekStartsOn: 1 };
const d = (s: string) => new Date(s);
const now = d('2017-07-10T00:00:00Z');
const june = parsePeriod('2017-06', now, UTC);
const ORDER = ['Prospecting', 'Engaging', 'Proposal'];

describe('funnelStats (hand-computed)', () => {
  const deals: TFunnelDeal[] = [
    // Created in Prospecting June 1, Engaging June 5, Proposal June 15, won June 25.
    {
      key: 'a',
      stage: 'Proposal',
      status: 'won',
      openedAt: d('2017-06-01T00:00:00Z'),
      closedAt: d('2017-06-25T00:00:00Z'),
    },
    // Created June 2, Engaging June 12, still there.
    { key: 'b', stage: 'Engaging', status: 'open', openedAt: d('2017-06-02T00:00:00Z'), closedAt: null },
    // Created June 3 in Prospecting, lost June 6 without moving.
    {
      key: 'c',
      stage: 'Prospecting',
      status: 'lost',
      openedAt: d('2017-06-03T00:00:00Z'),
      closedAt: d('2017-06-06T00:00:00Z'),
    },
    // Open in Prospecting since May: counts as open now, not as entered in June.
    { key: 'e', stage: 'Prospecting', status: 'open', openedAt: d('2017-05-20T00:00:00Z'), closedAt: null },
  ];
  const changes: TStageChange[] = [
    { dealKey: 'a', fromStage: 'Prospecting', toStage: 'Engaging', changedAt: d('2017-06-05T00:00:00Z') },
    { dealKey: 'a', fromStage: 'Engaging', toStage: 'Proposal', changedAt: d('2017-06-15T00:00:00Z') },
    { dealKey: 'b', fromStage: 'Prospecting', toStage: 'Engaging', changedAt: d('2017-06-12T00:00:00Z') },
  ];
  const stats = funnelStats(deals, changes, ORDER, june, now);

  it('counts open deals per stage now', () => {
    expect(stats.openByStage).toEqual({ Prospecting: 1, Engaging: 1, Proposal: 0 });
  });

  it('converts stage to stage among deals that entered each stage in the window', () => {
    // Prospecting: a, b, c entered; a and b moved on. Engaging: a, b; only a. Proposal: a, won.
    expect(stats.entered).toEqual({ Prospecting: 3, Engaging: 2, Proposal: 1 });
    expect(stats.stageConversion).toEqual({ Prospecting: 2 / 3, Engaging: 0.5, Proposal: 1 });
  });

  it('takes the median days in each stage over the exits in the window', () => {
    // Prospecting exits: a 4 days, b 10 days, c (lost) 3 days -> median 4. Engaging: a 10. Proposal: a 10.
    expect(stats.medianDaysInStage).toEqual({ Prospecting: 4, Engaging: 10, Proposal: 10 });
    expect(stats.exited).toEqual({ Prospecting: 3, Engaging: 1, Proposal: 1 });
  });

  it('says no data for stages nothing entered or left', () => {
    const empty = funnelStats([], [], ORDER, june, now);
    expect(empty.stageConversion).toEqual({ Prospecting: null, Engaging: null, Proposal: null });
    expect(empty.medianDaysInStage.Engaging).toBeNull();
  });
});

function synthetic(
  n: number,
  engagingDays: number,
  advanceEvery: number,
): { deals: TFunnelDeal[]; changes: TStageChange[] } {
  const deals: TFunnelDeal[] = [];
  const changes: TStageChange[] = [];
  for (let i = 0; i < n; i++) {
    const opened = new Date(Date.UTC(2017, 5, 1 + (i % 5)));
    const engaged = new Date(opened.getTime() + 2 * 86_400_000);
    const key = `k${n}-${engagingDays}-${i}`;
    changes.push({ dealKey: key, fromStage: 'Prospecting', toStage: 'Engaging', changedAt: engaged });
    const advances = i % advanceEvery === 0;
    if (advances) {
      changes.push({
        dealKey: key,
        fromStage: 'Engaging',
        toStage: 'Proposal',
        changedAt: new Date(engaged.getTime() + engagingDays * 86_400_000),
      });
    }
    deals.push({
      key,
      stage: advances ? 'Proposal' : 'Engaging',
      status: 'open',
      openedAt: opened,
      closedAt: null,
    });
  }
  return { deals, changes };
}

describe('deals whose creation date is unknown', () => {
  it('count in their stage now, but never as entering a stage or dwelling in it', () => {
    const deals: TFunnelDeal[] = [
      { key: 'x', stage: 'Prospecting', status: 'open', openedAt: null, closedAt: null },
      // Unknown creation, moved to Engaging on June 10: entered Engaging in June, no dwell in Prospecting.
      { key: 'y', stage: 'Engaging', status: 'open', openedAt: null, closedAt: null },
    ];
    const changes: TStageChange[] = [
      { dealKey: 'y', fromStage: 'Prospecting', toStage: 'Engaging', changedAt: d('2017-06-10T00:00:00Z') },
    ];
    const s = funnelStats(deals, changes, ORDER, june, now);
    expect(s.openByStage).toEqual({ Prospecting: 1, Engaging: 1, Proposal: 0 });
    expect(s.entered).toEqual({ Prospecting: 0, Engaging: 1, Proposal: 0 });
    expect(s.exited).toEqual({ Prospecting: 0, Engaging: 0, Proposal: 0 });
  });
});

describe('findBottleneck', () => {
  const team = synthetic(40, 5, 2); // half move from Engaging to Proposal after 5 days
  const teamStats = funnelStats(team.deals, team.changes, ORDER, june, now);

  it('names the stage where the rep converts far less than the team', () => {
    const rep = synthetic(10, 5, 5); // a fifth move on
    const b = findBottleneck(funnelStats(rep.deals, rep.changes, ORDER, june, now), teamStats, ORDER);
    expect(b).toMatchObject({ stage: 'Engaging', reason: 'conversion', rep: 0.2, team: 0.5, sample: 10 });
    expect(b?.shortfall).toBeCloseTo(0.6, 9);
  });

  it('names the stage where the rep dwells far longer than the team', () => {
    const rep = synthetic(10, 12, 1); // all move on, but after 12 days instead of 5
    const b = findBottleneck(funnelStats(rep.deals, rep.changes, ORDER, june, now), teamStats, ORDER);
    expect(b).toMatchObject({ stage: 'Engaging', reason: 'dwell', rep: 12, team: 5 });
  });

  it('names nothing on a sample too small to mean anything, or when the rep is in line with the team', () => {
    const few = synthetic(4, 30, 4);
    expect(
      findBottleneck(funnelStats(few.deals, few.changes, ORDER, june, now), teamStats, ORDER),
    ).toBeNull();
    const same = synthetic(10, 5, 2);
    expect(
      findBottleneck(funnelStats(same.deals, same.changes, ORDER, june, now), teamStats, ORDER),
    ).toBeNull();
  });
});
