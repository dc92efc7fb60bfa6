import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  findBottleneck,
  funnelOrder,
  funnelStats,
  inferStageOrder,
  type TFunnelDeal,
  type TStageChange,
} from '../../src/metrics/funnel.js';
import { parsePeriod, type TCalendar } from '../../src/metrics/periods.js';

const UTC: TCalendar = { timezone: 'UTC', fiscalYearStartMonth: 1, weekStartsOn: 1 };
const d = (s: string) => new Date(s);
const now = d('2017-07-10T00:00:00Z');
const june = parsePeriod('2017-06', now, UTC);
const ORDER = ['Prospecting', 'Engaging', 'Proposal'];

/** A history row as the store writes it now: the stage an event saw the deal enter, and when. */
const row = (dealKey: string, toStage: string, at: string): TStageChange => ({
  dealKey,
  fromStage: null,
  toStage,
  changedAt: d(at),
});

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
    // Open in Prospecting since May: counts as open, not as entered in June.
    { key: 'e', stage: 'Prospecting', status: 'open', openedAt: d('2017-05-20T00:00:00Z'), closedAt: null },
  ];
  const changes: TStageChange[] = [
    row('a', 'Prospecting', '2017-06-01T00:00:00Z'),
    row('a', 'Engaging', '2017-06-05T00:00:00Z'),
    row('a', 'Proposal', '2017-06-15T00:00:00Z'),
    row('b', 'Prospecting', '2017-06-02T00:00:00Z'),
    row('b', 'Engaging', '2017-06-12T00:00:00Z'),
    row('c', 'Prospecting', '2017-06-03T00:00:00Z'),
    row('e', 'Prospecting', '2017-05-20T00:00:00Z'),
  ];
  const stats = funnelStats(deals, changes, ORDER, june, now);

  it('counts the deals open at the end of the period, per stage', () => {
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

  it('gives the same figures for rows stored in any order, repeated, or with a stage seen again', () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray(changes, { minLength: changes.length, maxLength: changes.length }),
        fc.array(fc.constantFrom(...changes), { maxLength: 4 }),
        (shuffled, repeats) => {
          // A snapshot seeing b in Engaging again later is the same stay.
          const extra = [...repeats, row('b', 'Engaging', '2017-06-20T00:00:00Z')];
          expect(funnelStats(deals, [...shuffled, ...extra], ORDER, june, now)).toEqual(stats);
        },
      ),
    );
  });

  it('reads rows written before history was kept per move (the stage left on the earliest row)', () => {
    const legacy: TStageChange[] = [
      { dealKey: 'a', fromStage: 'Prospecting', toStage: 'Engaging', changedAt: d('2017-06-05T00:00:00Z') },
      { dealKey: 'a', fromStage: 'Engaging', toStage: 'Proposal', changedAt: d('2017-06-15T00:00:00Z') },
      { dealKey: 'b', fromStage: 'Prospecting', toStage: 'Engaging', changedAt: d('2017-06-12T00:00:00Z') },
      { dealKey: 'c', fromStage: null, toStage: 'Prospecting', changedAt: d('2017-06-03T00:00:00Z') },
      { dealKey: 'e', fromStage: null, toStage: 'Prospecting', changedAt: d('2017-05-20T00:00:00Z') },
    ];
    expect(funnelStats(deals, legacy, ORDER, june, now)).toEqual(stats);
  });

  it('says no data for stages nothing entered or left', () => {
    const empty = funnelStats([], [], ORDER, june, now);
    expect(empty.stageConversion).toEqual({ Prospecting: null, Engaging: null, Proposal: null });
    expect(empty.medianDaysInStage.Engaging).toBeNull();
  });
});

describe('a period is read as of its end', () => {
  // f: created June 20 in Prospecting, moved to Engaging July 3 (after June), won July 8.
  // g: created June 22 in Prospecting, won July 2.
  const deals: TFunnelDeal[] = [
    {
      key: 'f',
      stage: 'Engaging',
      status: 'won',
      openedAt: d('2017-06-20T00:00:00Z'),
      closedAt: d('2017-07-08T00:00:00Z'),
    },
    {
      key: 'g',
      stage: 'Prospecting',
      status: 'won',
      openedAt: d('2017-06-22T00:00:00Z'),
      closedAt: d('2017-07-02T00:00:00Z'),
    },
  ];
  const changes = [
    row('f', 'Prospecting', '2017-06-20T00:00:00Z'),
    row('f', 'Engaging', '2017-07-03T00:00:00Z'),
    row('g', 'Prospecting', '2017-06-22T00:00:00Z'),
  ];
  const s = funnelStats(deals, changes, ORDER, june, now);

  it('counts a move or a win after the end as no exit (one rule for every exit)', () => {
    expect(s.entered.Prospecting).toBe(2);
    expect(s.stageConversion.Prospecting).toBe(0);
    expect(s.exited.Prospecting).toBe(0);
  });

  it('counts a deal as open in the stage it had at the end of the period, not the one it has now', () => {
    expect(s.openByStage).toEqual({ Prospecting: 2, Engaging: 0, Proposal: 0 });
  });

  it('counts the same exits in July, where they happened', () => {
    const july = parsePeriod('2017-07', now, UTC);
    const j = funnelStats(deals, changes, ORDER, july, now);
    // f left Prospecting on July 3 (13 days), g on July 2 by its win (10 days); f left Engaging by its win.
    expect(j.exited).toEqual({ Prospecting: 2, Engaging: 1, Proposal: 0 });
    expect(j.medianDaysInStage.Prospecting).toBe(11.5);
    expect(j.entered).toEqual({ Prospecting: 0, Engaging: 1, Proposal: 0 });
    expect(j.stageConversion.Engaging).toBe(1);
    expect(j.openByStage).toEqual({ Prospecting: 0, Engaging: 0, Proposal: 0 });
  });

  it('counts nothing after now in the current period', () => {
    const july = parsePeriod('2017-07', now, UTC);
    const early = funnelStats(deals, changes, ORDER, july, d('2017-07-05T00:00:00Z'));
    // By July 5, f sits in Engaging (moved July 3) and g is won (July 2); f's win on July 8 has not happened.
    expect(early.openByStage).toEqual({ Prospecting: 0, Engaging: 1, Proposal: 0 });
    expect(early.stageConversion.Engaging).toBe(0);
  });
});

describe('deals without stage history (a CSV row with only its current stage)', () => {
  const deals: TFunnelDeal[] = [
    { key: 'p', stage: 'Engaging', status: 'open', openedAt: d('2017-06-10T00:00:00Z'), closedAt: null },
    {
      key: 'q',
      stage: 'Engaging',
      status: 'won',
      openedAt: d('2017-06-11T00:00:00Z'),
      closedAt: d('2017-06-20T00:00:00Z'),
    },
    // Won after June: where it was at the end of June is unknown, so it is not counted open anywhere.
    {
      key: 'r',
      stage: 'Proposal',
      status: 'won',
      openedAt: d('2017-06-12T00:00:00Z'),
      closedAt: d('2017-07-02T00:00:00Z'),
    },
  ];
  it('count as open in their stage, never as entering, going further or dwelling', () => {
    const s = funnelStats(deals, [], ORDER, june, now);
    expect(s.openByStage).toEqual({ Prospecting: 0, Engaging: 1, Proposal: 0 });
    expect(s.entered).toEqual({ Prospecting: 0, Engaging: 0, Proposal: 0 });
    expect(s.stageConversion.Engaging).toBeNull();
    expect(s.exited).toEqual({ Prospecting: 0, Engaging: 0, Proposal: 0 });
  });
});

describe('deals open at a past period end in a stage not known', () => {
  it('are counted apart (no history, closed since), never as 0 open', () => {
    const deals: TFunnelDeal[] = [
      // Opened in June, won in August, no history: open at the end of June, stage unknown.
      {
        key: 'u',
        stage: 'Won',
        status: 'won',
        openedAt: d('2017-06-05T00:00:00Z'),
        closedAt: d('2017-08-01T00:00:00Z'),
      },
      // Opened in June, still open: counted in its current stage.
      { key: 'o', stage: 'Engaging', status: 'open', openedAt: d('2017-06-06T00:00:00Z'), closedAt: null },
      // Closed in June: not open at its end.
      {
        key: 'c',
        stage: 'Lost',
        status: 'lost',
        openedAt: d('2017-06-01T00:00:00Z'),
        closedAt: d('2017-06-20T00:00:00Z'),
      },
      // Opened in July: did not exist at the end of June.
      {
        key: 'j',
        stage: 'Won',
        status: 'won',
        openedAt: d('2017-07-02T00:00:00Z'),
        closedAt: d('2017-08-02T00:00:00Z'),
      },
    ];
    const s = funnelStats(deals, [], ORDER, june, now);
    expect(s.openStageUnknown).toBe(1);
    expect(s.openByStage).toEqual({ Prospecting: 0, Engaging: 1, Proposal: 0 });
  });
});

describe('funnelOrder', () => {
  const deals: TFunnelDeal[] = [
    {
      key: '1',
      stage: 'Prospecting',
      status: 'open',
      openedAt: null,
      closedAt: null,
      seenAt: d('2026-01-01T00:00:00Z'),
    },
    {
      key: '2',
      stage: 'Engaging',
      status: 'open',
      openedAt: null,
      closedAt: null,
      seenAt: d('2026-01-01T00:00:01Z'),
    },
    {
      key: '3',
      stage: 'Won',
      status: 'won',
      openedAt: null,
      closedAt: null,
      seenAt: d('2026-01-01T00:00:02Z'),
    },
  ];
  it("keeps an admin's order, drops closed-only stages from it, and appends stages it leaves out", () => {
    expect(funnelOrder(['Engaging', 'Won'], deals, [])).toEqual(['Engaging', 'Prospecting']);
    // A misspelt stage stays (it shows 0, and the settings reply says no deal has been in it); none drops out.
    expect(funnelOrder(['Prospectng', 'Engaging'], deals, [])).toEqual([
      'Prospectng',
      'Engaging',
      'Prospecting',
    ]);
    expect(funnelOrder(undefined, deals, [])).toEqual(['Prospecting', 'Engaging']);
  });
});

describe('inferStageOrder', () => {
  it('orders stages by their place in histories, whatever order the rows come in', () => {
    const deals: TFunnelDeal[] = ['a', 'b'].map((key) => ({
      key,
      stage: 'Closing',
      status: 'open',
      openedAt: d('2017-06-01T00:00:00Z'),
      closedAt: null,
    }));
    const changes = [
      row('a', 'Zeta first', '2017-06-01T00:00:00Z'),
      row('a', 'Alpha second', '2017-06-02T00:00:00Z'),
      row('a', 'Closing', '2017-06-03T00:00:00Z'),
      row('b', 'Alpha second', '2017-06-01T00:00:00Z'),
      row('b', 'Closing', '2017-06-05T00:00:00Z'),
    ];
    expect(inferStageOrder(deals, changes)).toEqual(['Zeta first', 'Alpha second', 'Closing']);
    expect(inferStageOrder(deals, [...changes].reverse())).toEqual(['Zeta first', 'Alpha second', 'Closing']);
  });

  it('orders stages of CSV-only deals by first appearance, never alphabetically, leaving out closed-only ones', () => {
    const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);
    const deal = (key: string, stage: string, status: TFunnelDeal['status'], seen: number): TFunnelDeal => ({
      key,
      stage,
      status,
      openedAt: null,
      closedAt: null,
      seenAt: at(seen),
    });
    const deals = [
      deal('1', 'Prospecting', 'open', 0),
      deal('2', 'Won', 'won', 1),
      deal('3', 'Engaging', 'open', 2),
      deal('4', 'Prospecting', 'open', 3),
      deal('5', 'Lost', 'lost', 4),
    ];
    expect(inferStageOrder(deals, [])).toEqual(['Prospecting', 'Engaging']);
    expect(inferStageOrder([...deals].reverse(), [])).toEqual(['Prospecting', 'Engaging']);
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
    changes.push({ dealKey: key, fromStage: null, toStage: 'Prospecting', changedAt: opened });
    changes.push({ dealKey: key, fromStage: null, toStage: 'Engaging', changedAt: engaged });
    const advances = i % advanceEvery === 0;
    if (advances) {
      changes.push({
        dealKey: key,
        fromStage: null,
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
  it('count in their stage now (not at the end of a past period), but never as entering or dwelling', () => {
    const deals: TFunnelDeal[] = [
      { key: 'x', stage: 'Prospecting', status: 'open', openedAt: null, closedAt: null },
      // Unknown creation, moved to Engaging on June 10: entered Engaging in June, no dwell in Prospecting.
      { key: 'y', stage: 'Engaging', status: 'open', openedAt: null, closedAt: null },
    ];
    const changes: TStageChange[] = [
      { dealKey: 'y', fromStage: 'Prospecting', toStage: 'Engaging', changedAt: d('2017-06-10T00:00:00Z') },
    ];
    const s = funnelStats(deals, changes, ORDER, june, now);
    // x has no date at all: known only as it is now, so not open at the end of June; y is known from June 10.
    expect(s.openByStage).toEqual({ Prospecting: 0, Engaging: 1, Proposal: 0 });
    expect(s.entered).toEqual({ Prospecting: 0, Engaging: 1, Proposal: 0 });
    expect(s.exited).toEqual({ Prospecting: 0, Engaging: 0, Proposal: 0 });
    const july = funnelStats(deals, changes, ORDER, parsePeriod('2017-07', now, UTC), now);
    expect(july.openByStage).toEqual({ Prospecting: 1, Engaging: 1, Proposal: 0 });
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
