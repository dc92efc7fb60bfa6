import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completedDwells, percentile, usualDwellByStage } from '../../src/metrics/dwell.js';
import { funnelStats, type TFunnelDeal, type TStageChange } from '../../src/metrics/funnel.js';
import {
  crmAccountsFrom,
  crmLink,
  findStalledDeals,
  stalledDealsByRep,
  type TStalledDeal,
  type TStalledInput,
} from '../../src/reports/stalled-deals.js';
import type { TOpenDealRow } from '../../src/store/stalled.js';
import type { TStore } from '../../src/store/store.js';
import type { Workspace } from '../../src/store/types.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';

const DAY = 86_400_000;
const NOW = new Date('2026-11-30T08:00:00Z');
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);

// ---------------------------------------------------------------------------------------------------------
// The pure parts: percentile, dwell, the rule, order independence.
// ---------------------------------------------------------------------------------------------------------

describe('percentile and dwell (pure)', () => {
  it('nearest rank: the smallest value with at least p of the list at or below it', () => {
    expect(percentile([], 0.9)).toBeNull();
    expect(percentile([7], 0.9)).toBe(7);
    expect(percentile([10, 1, 9, 2, 8, 3, 7, 4, 6, 5], 0.9)).toBe(9);
    expect(percentile([1, 2, 3, 4, 5], 0.9)).toBe(5);
    expect(percentile([1, 2, 3, 4, 5], 0.5)).toBe(3);
  });

  it('completed dwells are the funnel medians: the same stays, the same exits', () => {
    const deal = (key: string, status: TFunnelDeal['status'], opened: number, closed: number | null) => ({
      key,
      stage: status === 'open' ? 'Demo' : status === 'won' ? 'Won' : 'Lost',
      status,
      openedAt: ago(opened),
      closedAt: closed === null ? null : ago(closed),
    });
    const deals: TFunnelDeal[] = [
      deal('a', 'won', 60, 10),
      deal('b', 'lost', 50, 5),
      deal('c', 'open', 40, null),
    ];
    const ch = (dealKey: string, toStage: string, days: number): TStageChange => ({
      dealKey,
      fromStage: null,
      toStage,
      changedAt: ago(days),
    });
    const changes = [
      ch('a', 'Qualify', 60),
      ch('a', 'Demo', 45),
      ch('a', 'Demo', 40), // a repeat of the stage: one stay
      ch('a', 'Won', 10),
      ch('b', 'Qualify', 50),
      ch('b', 'Demo', 30),
      ch('c', 'Qualify', 40),
      ch('c', 'Demo', 20),
    ];
    const byDeal = new Map<string, TStageChange[]>();
    for (const c of changes) byDeal.set(c.dealKey, [...(byDeal.get(c.dealKey) ?? []), c]);
    const dwells = completedDwells(deals, byDeal, ago(365), NOW);
    expect(dwells.get('Qualify')?.sort((x, y) => x - y)).toEqual([15, 20, 20]);
    // a: 45 → 10 (35 days); b: 30 → its loss 5 days ago (25); c is still in Demo: no completed dwell.
    expect(dwells.get('Demo')?.sort((x, y) => x - y)).toEqual([25, 35]);
    const stats = funnelStats(
      deals,
      changes,
      ['Qualify', 'Demo'],
      { start: ago(365), end: NOW } as never,
      NOW,
    );
    expect(stats.exited).toEqual({ Qualify: 3, Demo: 2 });
    expect(stats.medianDaysInStage).toEqual({ Qualify: 20, Demo: 30 });
    // Exits before `since` are left out; too few samples give no usual.
    expect(
      completedDwells(deals, byDeal, ago(12), NOW)
        .get('Demo')
        ?.sort((x, y) => x - y),
    ).toEqual([25, 35]);
    expect(completedDwells(deals, byDeal, ago(8), NOW).get('Demo')).toEqual([25]);
    expect(usualDwellByStage(dwells).size).toBe(0);
    expect(usualDwellByStage(dwells, 3).get('Qualify')).toEqual({ days: 20, samples: 3 });
  });
});

/** An open deal row as the store returns it. */
function openRow(id: string, o: Partial<TOpenDealRow> = {}): TOpenDealRow {
  return {
    id,
    repId: 'rep1',
    source: 'csv',
    externalId: id,
    title: `Deal ${id}`,
    stage: 'Proposal',
    status: 'open',
    amountMinor: 100_000n,
    currency: 'USD',
    openedAt: ago(100),
    closedAt: null,
    stageEnteredAt: null,
    createdAt: ago(100),
    ...o,
  };
}

/** Ten won deals that each spent 1..10 days in Proposal (p90 = 9 days). */
function proposalHistory(): { history: TFunnelDeal[]; changes: TStageChange[] } {
  const history: TFunnelDeal[] = [];
  const changes: TStageChange[] = [];
  for (let i = 1; i <= 10; i++) {
    const key = `h${i}`;
    history.push({ key, stage: 'Won', status: 'won', openedAt: ago(150), closedAt: ago(100) });
    changes.push(
      { dealKey: key, fromStage: null, toStage: 'Proposal', changedAt: ago(150) },
      { dealKey: key, fromStage: null, toStage: 'Negotiation', changedAt: ago(150 - i) },
    );
  }
  return { history, changes };
}

function input(open: TOpenDealRow[], extra: Partial<TStalledInput> = {}): TStalledInput {
  const h = proposalHistory();
  // Each open deal's history: Qualify from its creation, then its stage since stageEnteredAt (the funnel reads a
  // first row as the stage the deal was in since its creation).
  const enter = open.flatMap((d): TStageChange[] => {
    if (!d.stageEnteredAt) return [];
    const into = { dealKey: d.id, fromStage: null, toStage: d.stage, changedAt: d.stageEnteredAt };
    return d.openedAt && d.openedAt < d.stageEnteredAt
      ? [{ dealKey: d.id, fromStage: null, toStage: 'Qualify', changedAt: d.openedAt }, into]
      : [into];
  });
  return {
    open,
    history: [
      ...h.history,
      ...open.map((d) => ({
        key: d.id,
        stage: d.stage,
        status: 'open' as const,
        openedAt: d.openedAt,
        closedAt: null,
      })),
    ],
    changes: [...h.changes, ...enter],
    activities: [],
    now: NOW,
    stalledDays: 14,
    ...extra,
  };
}

const recent = (d: TOpenDealRow, days = 1) => ({
  source: d.source,
  dealExternalId: d.externalId,
  at: ago(days),
});

describe('the stalled rule (pure)', () => {
  it('stage: more days in stage than the p90 of the completed dwells (9 days here)', () => {
    const over = openRow('over', { stageEnteredAt: ago(10) });
    const at = openRow('at', { stageEnteredAt: ago(9) });
    const out = findStalledDeals(input([over, at], { activities: [recent(over), recent(at)] }));
    expect(out.map((d) => [d.externalId, d.reason, d.daysInStage, d.usualDays, d.daysSinceActivity])).toEqual(
      [['over', 'stage', 10, 9, 1]],
    );
  });

  it('activity: none logged for stalledDays; a deal younger than that without activity is not stalled', () => {
    const rows = [
      openRow('idle14', { stage: 'Demo', stageEnteredAt: ago(2) }),
      openRow('idle13', { stage: 'Demo', stageEnteredAt: ago(2) }),
      openRow('never', { stage: 'Demo', openedAt: ago(20), stageEnteredAt: ago(2) }),
      openRow('young', { stage: 'Demo', openedAt: ago(5), createdAt: ago(5), stageEnteredAt: ago(2) }),
      // No creation date in the CRM: its age counts from when the store first held it.
      openRow('undated', { stage: 'Demo', openedAt: null, createdAt: ago(3), stageEnteredAt: ago(2) }),
    ];
    const [idle14, idle13] = rows as [TOpenDealRow, TOpenDealRow];
    const out = findStalledDeals(input(rows, { activities: [recent(idle14, 14), recent(idle13, 13)] }));
    expect(out.map((d) => [d.externalId, d.reason, d.daysSinceActivity, d.usualDays])).toEqual([
      ['never', 'activity', null, null],
      ['idle14', 'activity', 14, null],
    ]);
    // The workspace's own number of days.
    const both = [recent(idle14, 14), recent(idle13, 13)];
    expect(findStalledDeals(input(rows, { activities: both, stalledDays: 30 }))).toEqual([]);
    expect(
      findStalledDeals(input(rows, { activities: both, stalledDays: 3 })).map((d) => d.externalId),
    ).toEqual(['never', 'idle14', 'idle13', 'young', 'undated']);
  });

  it('both rules: reason both; most stalled first (by how far past its threshold)', () => {
    const rows = [
      openRow('both', { stageEnteredAt: ago(30) }),
      openRow('stage', { stageEnteredAt: ago(12) }),
      openRow('idle', { stage: 'Demo', stageEnteredAt: ago(1) }),
    ];
    const out = findStalledDeals(
      input(rows, {
        activities: [
          recent(rows[0] as TOpenDealRow, 20),
          recent(rows[1] as TOpenDealRow, 1),
          recent(rows[2] as TOpenDealRow, 15),
        ],
      }),
    );
    // both: 30/9 = 3.3; stage: 12/9 = 1.3; idle: 15/14 = 1.07.
    expect(out.map((d) => [d.externalId, d.reason])).toEqual([
      ['both', 'both'],
      ['stage', 'stage'],
      ['idle', 'activity'],
    ]);
  });

  it('too few completed dwells (under 5) in a stage: no stage rule there', () => {
    // Only four deals went through Proposal.
    const keep = new Set(['h1', 'h2', 'h3', 'h4']);
    const row = openRow('long', { openedAt: ago(300), stageEnteredAt: ago(300) });
    const base = input([row], { activities: [recent(row)] });
    const few = {
      ...base,
      history: base.history.filter((d) => !d.key.startsWith('h') || keep.has(d.key)),
      changes: base.changes.filter((c) => !c.dealKey.startsWith('h') || keep.has(c.dealKey)),
    };
    expect(findStalledDeals(few)).toEqual([]);
    expect(findStalledDeals({ ...few, minSamples: 4 }).map((d) => [d.externalId, d.usualDays])).toEqual([
      ['long', 4],
    ]);
  });

  it('only open deals with an owner are judged; future activity and history are not read', () => {
    const rows = [
      openRow('won', { status: 'won', stageEnteredAt: ago(50) }),
      openRow('nobody', { repId: null, stageEnteredAt: ago(50) }),
      openRow('future', { stage: 'Demo', stageEnteredAt: ago(1) }),
    ];
    const future = [{ source: 'csv', dealExternalId: 'future', at: new Date(NOW.getTime() + DAY) }];
    const out = findStalledDeals(input(rows, { activities: future, activitySources: ['csv'] }));
    // "future" has no activity up to now and is 100 days old: stalled for activity, with none logged.
    expect(out.map((d) => [d.externalId, d.daysSinceActivity])).toEqual([['future', null]]);
    // A future activity alone does not show that the source logs activity on deals: no activity rule then.
    expect(findStalledDeals(input(rows, { activities: future }))).toEqual([]);
  });

  it('an activity matches its deal by source and id: a HubSpot 42 is not a Pipedrive 42', () => {
    const hs = openRow('a', { source: 'hubspot', externalId: '42', stage: 'Demo', stageEnteredAt: ago(1) });
    const out = findStalledDeals(
      input([hs], {
        activities: [{ source: 'pipedrive', dealExternalId: '42', at: ago(1) }],
        activitySources: ['hubspot', 'pipedrive'],
      }),
    );
    expect(out.map((d) => [d.externalId, d.daysSinceActivity])).toEqual([['42', null]]);
  });

  it('the activity rule only for sources that log activity on deals (given, or seen in the last 90 days)', () => {
    const rows = [
      openRow('hs', { source: 'hubspot', stage: 'Demo', openedAt: ago(60), stageEnteredAt: ago(2) }),
      openRow('pd', { source: 'pipedrive', stage: 'Demo', openedAt: ago(60), stageEnteredAt: ago(2) }),
      openRow('hs-slow', { source: 'hubspot', stageEnteredAt: ago(12) }),
    ];
    // Pipedrive logs activity on deals (one, on another deal, 89 days ago); HubSpot never does.
    const pdOther = { source: 'pipedrive', dealExternalId: 'other', at: ago(89) };
    const out = findStalledDeals(input(rows, { activities: [pdOther] }));
    expect(out.map((d) => [d.externalId, d.reason, d.activityTracked])).toEqual([
      ['pd', 'activity', true], // 60 days with none logged: 60/14
      ['hs-slow', 'stage', false], // 12 days in Proposal (usual 9): the stage rule still holds
    ]);
    // The same activity 91 days ago: Pipedrive no longer counts as logging activity; only the stage rule.
    const stale = { ...pdOther, at: ago(91) };
    expect(findStalledDeals(input(rows, { activities: [stale] })).map((d) => d.externalId)).toEqual([
      'hs-slow',
    ]);
    // Told explicitly (the store's answer), the given sources win over what the activities show.
    expect(
      findStalledDeals(input(rows, { activities: [pdOther], activitySources: ['hubspot'] })).map((d) => [
        d.externalId,
        d.reason,
      ]),
    ).toEqual([
      ['hs-slow', 'both'], // 100 days old with none logged: 100/14 before 60/14
      ['hs', 'activity'],
    ]);
    expect(
      findStalledDeals(input(rows, { activities: [], activitySources: [] })).map((d) => d.externalId),
    ).toEqual(['hs-slow']);
  });

  it('the same data in any arrival order gives the same list', () => {
    let ageSeen = 0;
    const arbDeal = fc.record({
      stage: fc.constantFrom('Qualify', 'Demo', 'Proposal'),
      entered: fc.integer({ min: 0, max: 60 }),
      opened: fc.integer({ min: 0, max: 400 }),
      amount: fc.integer({ min: 0, max: 5 }),
      acts: fc.array(fc.integer({ min: -2, max: 40 }), { maxLength: 3 }),
    });
    const arbHist = fc.array(
      fc.record({
        moves: fc.array(
          fc.tuple(fc.constantFrom('Qualify', 'Demo', 'Proposal', 'Won'), fc.integer({ min: 1, max: 300 })),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        status: fc.constantFrom('won', 'lost', 'open'),
      }),
      { maxLength: 25 },
    );
    const arbTook = fc.array(fc.tuple(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 150 })), {
      maxLength: 12,
    });
    const built = fc
      .tuple(fc.array(arbDeal, { maxLength: 12 }), arbHist, arbTook)
      .map(([deals, hist, took]) => {
        const open = deals.map((d, i) =>
          openRow(`o${i}`, {
            stage: d.stage,
            openedAt: ago(Math.max(d.opened, d.entered)),
            stageEnteredAt: ago(d.entered),
            amountMinor: BigInt(d.amount * 1000),
          }),
        );
        const base = input(open);
        const history = [...base.history];
        const changes = [...base.changes];
        hist.forEach((h, i) => {
          const key = `x${i}`;
          history.push({
            key,
            stage: 'Won',
            status: h.status as TFunnelDeal['status'],
            openedAt: ago(310),
            closedAt: h.status === 'open' ? null : ago(0.5),
          });
          for (const [stage, days] of h.moves)
            changes.push({ dealKey: key, fromStage: null, toStage: stage, changedAt: ago(days) });
        });
        const activities = deals.flatMap((d, i) =>
          d.acts.map((days) => ({ source: 'csv', dealExternalId: `o${i}`, at: ago(days) })),
        );
        // Deals closed at any time (some outside the lookback), taking any time: the age rule's sample.
        const closed = took.map(([closedAgo, days], i) => ({
          key: `y${i}`,
          stage: 'Won',
          status: i % 2 ? ('lost' as const) : ('won' as const),
          openedAt: ago(closedAgo + days),
          closedAt: ago(closedAgo),
        }));
        return { ...base, history, changes, activities, closed, minSamples: 2 };
      });
    fc.assert(
      fc.property(
        built.chain((inp) =>
          fc.tuple(
            fc.constant(inp),
            fc.shuffledSubarray(inp.changes, { minLength: inp.changes.length }),
            fc.shuffledSubarray(inp.activities, { minLength: inp.activities.length }),
            fc.shuffledSubarray(inp.open, { minLength: inp.open.length }),
            fc.shuffledSubarray(inp.history, { minLength: inp.history.length }),
            fc.shuffledSubarray(inp.closed, { minLength: inp.closed.length }),
          ),
        ),
        ([inp, changes, activities, open, history, closed]) => {
          const a = findStalledDeals(inp);
          const b = findStalledDeals({ ...inp, changes, activities, open, history, closed });
          expect(b).toEqual(a);
          if (a.some((d) => d.reason === 'age')) ageSeen += 1;
        },
      ),
      { numRuns: 150 },
    );
    // The property met the age rule, not only the other two (about half the runs do).
    expect(ageSeen, `${ageSeen} of 150 runs listed a deal for its age`).toBeGreaterThan(5);
  });
});

/** Closed deals that took these many days from open to close, each closed `closedAgo` days before NOW. */
const closedTook = (days: number[], o: { closedAgo?: number; status?: 'won' | 'lost' } = {}) =>
  days.map((d, i) => ({
    key: `c${i}-${d}`,
    stage: 'Won',
    status: o.status ?? (i % 2 ? 'lost' : 'won'),
    openedAt: ago((o.closedAgo ?? 10) + d),
    closedAt: ago(o.closedAgo ?? 10),
  })) satisfies TFunnelDeal[];

describe("a manager's review: no history, the age rule (pure)", () => {
  it('no history for the current stage: time counts from the open date (its age, said so); the stage rule is not applied to it', () => {
    // A CSV row: opened 185 days ago in the CRM, stored (and its stage "entered") at the import, yesterday.
    const imported = openRow('imp', {
      stage: 'Proposal',
      openedAt: ago(185),
      createdAt: ago(1),
      stageEnteredAt: ago(1),
    });
    // The same without an open date: from when the store recorded it there, a lower bound.
    const undated = openRow('undated', {
      stage: 'Proposal',
      openedAt: null,
      createdAt: ago(12),
      stageEnteredAt: ago(12),
    });
    const base = input([imported, undated], { activitySources: [] });
    // input() gives a deal history only from stageEnteredAt: take it away, as an import has none.
    const noHistory = { ...base, changes: base.changes.filter((c) => c.dealKey.startsWith('h')) };
    const out = findStalledDeals(noHistory);
    // Proposal's usual is 9 days: 185 days open is not known to be 185 days in Proposal (no stage rule); the
    // undated one has been in Proposal at least 12 days by the store's own record (stage rule).
    expect(out.map((d) => [d.externalId, d.reason, d.daysInStage, d.stageSince, d.ageDays])).toEqual([
      ['undated', 'stage', 12, 'recorded', null],
    ]);
    // With a history row of its move into the stage, it counts from there.
    const moved = findStalledDeals({
      ...noHistory,
      changes: [
        ...noHistory.changes,
        { dealKey: 'imp', fromStage: 'Qualify', toStage: 'Proposal', changedAt: ago(30) },
      ],
    });
    expect(moved.map((d) => [d.externalId, d.daysInStage, d.stageSince, d.ageDays])).toEqual([
      ['imp', 30, 'history', 185],
      ['undated', 12, 'recorded', null],
    ]);
    // Not stalled or stalled, it says its age: findStalledDeals with the age rule (below) lists it as 185 days.
    const aged = findStalledDeals({
      ...noHistory,
      closed: closedTook([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]),
    });
    expect(aged.find((d) => d.externalId === 'imp')).toMatchObject({
      reason: 'age',
      rules: ['age'],
      daysInStage: 185,
      stageSince: 'opened',
      ageDays: 185,
      usualCloseDays: 90,
    });
  });

  it('age rule: open longer than the p90 of the open→close days of deals closed in the last 365 days (5 or more)', () => {
    const rows = [
      openRow('old', { stage: 'Demo', openedAt: ago(91), stageEnteredAt: ago(2) }),
      openRow('at', { stage: 'Demo', openedAt: ago(90), stageEnteredAt: ago(2) }),
      openRow('young', { stage: 'Demo', openedAt: ago(20), stageEnteredAt: ago(2) }),
      openRow('undated', { stage: 'Demo', openedAt: null, createdAt: ago(400), stageEnteredAt: ago(2) }),
    ];
    const base = input(rows, { activitySources: [] });
    // Ten closed deals, won and lost, 10..100 days each: p90 (nearest rank, the 9th) = 90 days.
    const closed = closedTook([100, 10, 90, 20, 80, 30, 70, 40, 60, 50]);
    const run = (c: TFunnelDeal[], extra: Partial<TStalledInput> = {}) =>
      findStalledDeals({ ...base, closed: c, ...extra }).map((d) => [
        d.externalId,
        d.reason,
        d.ageDays,
        d.usualCloseDays,
      ]);
    expect(run(closed)).toEqual([['old', 'age', 91, 90]]);
    // Closed more than 365 days ago, in the future, before it opened, open, or without an open date: not read.
    const noise: TFunnelDeal[] = [
      ...closedTook([1000, 1000, 1000, 1000, 1000], { closedAgo: 366 }),
      {
        key: 'future',
        stage: 'Won',
        status: 'won',
        openedAt: ago(500),
        closedAt: new Date(NOW.getTime() + DAY),
      },
      { key: 'backwards', stage: 'Won', status: 'lost', openedAt: ago(5), closedAt: ago(500) },
      { key: 'open', stage: 'Demo', status: 'open', openedAt: ago(900), closedAt: null },
      { key: 'undated', stage: 'Won', status: 'won', openedAt: null, closedAt: ago(1) },
    ];
    expect(run([...closed, ...noise])).toEqual(run(closed));
    // Four closed deals: no usual, no age rule; five: the rule holds (p90 of 10..50 = 50).
    expect(run(closed.slice(0, 4).map((c, i) => ({ ...c, key: `f${i}` })))).toEqual([]);
    expect(run(closedTook([10, 20, 30, 40, 50]))).toEqual([
      ['old', 'age', 91, 50],
      ['at', 'age', 90, 50],
    ]);
    // Lost deals count as much as won ones.
    expect(run(closedTook([10, 20, 30, 40, 50], { status: 'lost' }))).toHaveLength(2);
    // No closed deals given: no age rule.
    expect(findStalledDeals(base)).toEqual([]);
  });

  it('several rules: reason keeps its meaning, rules lists each; most stalled first across the three, ties by amount', () => {
    const closed = closedTook([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]); // usual close: 90 days
    const rows = [
      // 180 days open (2x the 90), 2 days in Demo, active: age only.
      openRow('age2x', { stage: 'Demo', openedAt: ago(180), stageEnteredAt: ago(2), amountMinor: 1n }),
      // 30 days in Proposal (3.3x the 9), 95 days open: stage and age; reason stage.
      openRow('stage', { openedAt: ago(95), stageEnteredAt: ago(30) }),
      // Never touched for 42 days (3x the 14), 42 days old, tracked source: activity only.
      openRow('idle', { stage: 'Demo', openedAt: ago(42), stageEnteredAt: ago(2), amountMinor: 5n }),
      // The same as age2x with a larger amount: before it.
      openRow('age2x-big', { stage: 'Demo', openedAt: ago(180), stageEnteredAt: ago(2), amountMinor: 9n }),
    ];
    const activities = [
      recent(rows[0] as TOpenDealRow),
      recent(rows[1] as TOpenDealRow),
      recent(rows[3] as TOpenDealRow),
    ];
    const out = findStalledDeals(input(rows, { activities, activitySources: ['csv'], closed }));
    expect(out.map((d) => [d.externalId, d.reason, d.rules])).toEqual([
      ['stage', 'stage', ['stage', 'age']], // 30/9 = 3.33
      ['idle', 'activity', ['activity']], // 42/14 = 3
      ['age2x-big', 'age', ['age']], // 180/90 = 2, larger amount first
      ['age2x', 'age', ['age']],
    ]);
  });
});

describe('CRM links', () => {
  it('HubSpot from the portal id, Pipedrive from the company host; ids of digits only; else none', () => {
    const accounts = crmAccountsFrom({
      hubspotPortalIds: [undefined, 'x', 62515, 33],
      pipedriveHosts: ['evil.example.com', 'acme.pipedrive.com.evil.io', 'Acme-Sales.pipedrive.com'],
    });
    expect(accounts).toEqual({ hubspotPortalId: '62515', pipedriveHost: 'acme-sales.pipedrive.com' });
    expect(crmLink('hubspot', '9001', accounts)).toBe(
      'https://app.hubspot.com/contacts/62515/record/0-3/9001',
    );
    expect(crmLink('pipedrive', '17', accounts)).toBe('https://acme-sales.pipedrive.com/deal/17');
    expect(crmLink('hubspot', '9001/../../x', accounts)).toBeNull();
    expect(crmLink('pipedrive', '17|<!channel>', accounts)).toBeNull();
    expect(crmLink('csv', '17', accounts)).toBeNull();
    expect(crmLink('generic', '17', accounts)).toBeNull();
    const none = crmAccountsFrom({
      hubspotPortalIds: [-1, 1.5, '12 34', '', null, { id: 1 }],
      pipedriveHosts: ['pipedrive.com', 'a.b.pipedrive.com', 'x.pipedrive.com/', 42],
    });
    expect(none).toEqual({ hubspotPortalId: null, pipedriveHost: null });
    expect(crmLink('hubspot', '1', none)).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------------------
// Through the store (SQLite and PostgreSQL).
// ---------------------------------------------------------------------------------------------------------

let store: TStore;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
});
afterAll(async () => {
  await cleanup();
});

let teams = 0;
type TDealSpec = {
  ext: string;
  rep: string;
  stage?: string;
  status?: 'open' | 'won' | 'lost';
  opened?: number;
  closed?: number;
  /** Stage moves: [stage, days ago]. */
  moves?: [string, number][];
  source?: string;
  title?: string;
  amount?: number;
  deleted?: boolean;
  createdAgo?: number;
};

async function world(opts: { settings?: unknown; reps?: { name: string; active?: boolean }[] } = {}) {
  const { db } = store;
  teams += 1;
  const ws = await db.workspace.create({
    data: { slackTeamId: `TSTALL${teams}`, settings: JSON.stringify(opts.settings ?? {}) },
  });
  const reps: Record<string, string> = {};
  for (const r of opts.reps ?? [{ name: 'Dana' }, { name: 'Lee' }])
    reps[r.name] = (
      await db.rep.create({
        data: {
          workspaceId: ws.id,
          name: r.name,
          slackUserId: `U${teams}${r.name}`,
          active: r.active ?? true,
        },
      })
    ).id;
  const deal = async (d: TDealSpec) => {
    const status = d.status ?? 'open';
    // Created when it entered its first stage, unless said otherwise (the funnel starts a first stay there).
    const opened = d.opened ?? d.moves?.[0]?.[1] ?? 100;
    const row = await db.deal.create({
      data: {
        workspaceId: ws.id,
        repId: reps[d.rep] as string,
        source: d.source ?? 'csv',
        externalId: d.ext,
        title: d.title ?? `Deal ${d.ext}`,
        stage: d.stage ?? d.moves?.[d.moves.length - 1]?.[0] ?? 'Proposal',
        status,
        amountMinor: BigInt((d.amount ?? 1000) * 100),
        openedAt: ago(opened),
        closedAt: d.closed === undefined ? null : ago(d.closed),
        deletedAt: d.deleted ? ago(1) : null,
        createdAt: ago(d.createdAgo ?? opened),
      },
    });
    for (const [toStage, days] of d.moves ?? [])
      await db.dealStageChange.create({
        data: { workspaceId: ws.id, dealId: row.id, toStage, changedAt: ago(days) },
      });
    return row;
  };
  let acts = 0;
  const activity = (dealExternalId: string, days: number, o: { source?: string; deleted?: boolean } = {}) =>
    db.activity.create({
      data: {
        workspaceId: ws.id,
        source: o.source ?? 'csv',
        externalId: `a${++acts}`,
        kind: 'call',
        occurredAt: ago(days),
        dealExternalId,
        deletedAt: o.deleted ? ago(0.5) : null,
      },
    });
  /** `n` won deals of a rep that each spent 1..n days in `stage` (ending 150 - i days ago). */
  const history = async (rep: string, stage: string, n: number, prefix = 'h') => {
    for (let i = 1; i <= n; i++)
      await deal({
        ext: `${prefix}${i}`,
        rep,
        status: 'won',
        opened: 150,
        closed: 100,
        moves: [
          [stage, 150],
          ['Negotiation', 150 - i],
        ],
      });
  };
  const run = async () => stalledDealsByRep(db, ws as Workspace, NOW);
  return { ws, reps, deal, activity, history, run };
}

const brief = (m: Map<string, TStalledDeal[]>, reps: Record<string, string>) => {
  const names = new Map(Object.entries(reps).map(([n, id]) => [id, n]));
  return Object.fromEntries(
    [...m].map(([id, deals]) => [names.get(id), deals.map((d) => `${d.externalId}:${d.reason}`)]),
  );
};

describe(`stalledDealsByRep (${TEST_PROVIDER})`, () => {
  it('stage rule from the workspace p90, activity rule, both; each with days, usual, activity and reason', async () => {
    const w = await world();
    await w.history('Lee', 'Proposal', 10); // p90 = 9 days
    await w.deal({ ext: 'over', rep: 'Dana', moves: [['Proposal', 10]] });
    await w.deal({ ext: 'within', rep: 'Dana', moves: [['Proposal', 9]] });
    await w.deal({
      ext: 'idle',
      rep: 'Lee',
      moves: [
        ['Qualify', 30],
        ['Demo', 3],
      ],
    });
    await w.deal({ ext: 'both', rep: 'Lee', moves: [['Proposal', 40]] });
    await w.activity('over', 2);
    await w.activity('within', 2);
    await w.activity('idle', 20);
    await w.activity('idle', 16);
    await w.activity('both', 30);
    const m = await w.run();
    expect(brief(m, w.reps)).toEqual({ Dana: ['over:stage'], Lee: ['both:both', 'idle:activity'] });
    const over = m.get(w.reps.Dana as string)?.[0];
    expect(over).toMatchObject({
      title: 'Deal over',
      source: 'csv',
      externalId: 'over',
      link: null,
      stage: 'Proposal',
      amountMinor: 100_000n,
      currency: 'USD',
      daysInStage: 10,
      usualDays: 9,
      daysSinceActivity: 2,
    });
    expect(m.get(w.reps.Lee as string)?.[1]).toMatchObject({
      daysInStage: 3,
      usualDays: null,
      daysSinceActivity: 16,
    });
  });

  it('an export without history or activity: the age rule from the workspace’s own closed deals; product and account carried', async () => {
    const a = await world();
    const b = await world();
    // A's closed deals (won and lost, no stage history): 10..100 days from open to close, closed 10 days ago.
    for (let i = 1; i <= 10; i++)
      await a.deal({
        ext: `c${i}`,
        rep: i % 2 ? 'Lee' : 'Dana',
        status: i % 3 ? 'won' : 'lost',
        stage: 'Won',
        opened: 10 + i * 10,
        closed: 10,
      });
    // What must not count: B's deals, A's deleted ones and those closed 400 days ago, all closing within a day
    // (counted, they would bring the usual down to 80 days or less and 'mid' would stall).
    for (let i = 1; i <= 10; i++) {
      await b.deal({ ext: `c${i}`, rep: 'Dana', status: 'won', stage: 'Won', opened: 11, closed: 10 });
      await a.deal({
        ext: `del${i}`,
        rep: 'Dana',
        status: 'won',
        stage: 'Won',
        opened: 11,
        closed: 10,
        deleted: true,
      });
      await a.deal({ ext: `old${i}`, rep: 'Dana', status: 'lost', stage: 'Won', opened: 401, closed: 400 });
    }
    // Open rows as an import stores them: engaged long ago, in the store since today, no history.
    const row = { rep: 'Dana', stage: 'Engaging', createdAgo: 0 };
    await a.deal({ ...row, ext: 'dead', opened: 185, title: '' });
    await a.deal({ ...row, ext: 'mid', opened: 85 });
    await store.db.deal.updateMany({
      where: { workspaceId: a.ws.id, externalId: 'dead' },
      data: { product: 'GTX Pro', account: 'Acme Corp' },
    });
    await b.deal({ ...row, ext: 'dead', opened: 185 });
    const m = await a.run();
    expect(brief(m, a.reps)).toEqual({ Dana: ['dead:age'] });
    expect(m.get(a.reps.Dana as string)?.[0]).toMatchObject({
      title: '',
      product: 'GTX Pro',
      account: 'Acme Corp',
      daysInStage: 185,
      stageSince: 'opened',
      ageDays: 185,
      usualCloseDays: 90,
      rules: ['age'],
      activityTracked: false,
    });
    // B's team closes within a day: by its own deals, its 185-day-old one stalls (usual 1 day), A's not mixed in.
    const inB = await b.run();
    expect(brief(inB, b.reps)).toEqual({ Dana: ['dead:age'] });
    expect(inB.get(b.reps.Dana as string)?.[0]).toMatchObject({ usualCloseDays: 1, ageDays: 185 });
  });

  it('a few queries, as many for 400 deals as for 4 (the age rule adds none)', async () => {
    const counted = async (n: number) => {
      const w = await world();
      await store.db.deal.createMany({
        data: Array.from({ length: n }, (_, i) => ({
          workspaceId: w.ws.id,
          repId: w.reps[i % 2 ? 'Dana' : 'Lee'] as string,
          source: 'csv',
          externalId: `${i % 3 ? 'open' : 'closed'}-${i}`,
          stage: i % 3 ? 'Engaging' : 'Won',
          status: i % 3 ? 'open' : 'won',
          openedAt: ago(20 + (i % 200)),
          closedAt: i % 3 ? null : ago(10),
          createdAt: ago(1),
        })),
      });
      let queries = 0;
      const db = store.db.$extends({
        query: {
          $allModels: {
            async $allOperations({ args, query }) {
              queries += 1;
              return query(args);
            },
          },
        },
      }) as unknown as typeof store.db;
      const m = await stalledDealsByRep(db, w.ws as Workspace, NOW);
      return { queries, stalled: [...m.values()].flat().length };
    };
    const few = await counted(4);
    const many = await counted(400);
    expect(many.stalled).toBeGreaterThan(20); // the age rule held for the oldest of them
    expect(many.queries).toBe(few.queries);
    expect(many.queries).toBeLessThanOrEqual(7);
  });

  it('too few samples: no stage rule; young deals without activity are not stalled; the setting counts', async () => {
    const w = await world({ settings: { stalledDays: 30 } });
    await w.history('Lee', 'Proposal', 4);
    await w.deal({ ext: 'long', rep: 'Dana', moves: [['Proposal', 200]] });
    await w.activity('long', 1);
    await w.deal({ ext: 'young', rep: 'Dana', opened: 20, moves: [['Demo', 20]] });
    await w.deal({ ext: 'old', rep: 'Dana', opened: 31, moves: [['Demo', 31]] });
    // A CSV row without history, in the store 40 days and never touched.
    await w.deal({ ext: 'csvrow', rep: 'Dana', stage: 'Demo', opened: 40 });
    const m = await w.run();
    expect(brief(m, w.reps)).toEqual({ Dana: ['csvrow:activity', 'old:activity'] });
    expect(m.get(w.reps.Dana as string)?.[0]).toMatchObject({
      daysInStage: 40,
      usualDays: null,
      daysSinceActivity: null,
    });
  });

  it("the team's usual learns from dwells that ended in the last 365 days only", async () => {
    const w = await world();
    // Ten deals through Proposal more than a year ago (closed long ago, or recently after a long Negotiation).
    for (let i = 1; i <= 10; i++)
      await w.deal({
        ext: `old${i}`,
        rep: 'Lee',
        status: 'won',
        opened: 500,
        closed: i % 2 ? 450 : 30,
        moves: [
          ['Proposal', 500],
          ['Negotiation', 500 - i],
        ],
      });
    await w.deal({ ext: 'now', rep: 'Dana', moves: [['Proposal', 20]] });
    await w.activity('now', 1);
    expect(brief(await w.run(), w.reps)).toEqual({});
    // Five more that left Proposal this year: now there is a usual (p90 of 1..5 = 5 days).
    await w.history('Lee', 'Proposal', 5, 'new');
    const m = await w.run();
    expect(brief(m, w.reps)).toEqual({ Dana: ['now:stage'] });
    expect(m.get(w.reps.Dana as string)?.[0]?.usualDays).toBe(5);
  });

  it('a bad stalledDays setting reads as the default (14 days)', async () => {
    for (const stalledDays of ['20', -3, 0, 10_000, 2.5, null, { days: 1 }]) {
      const w = await world({ settings: { stalledDays } });
      await w.activity('elsewhere', 5); // CSV logs activity on deals here: the activity rule applies
      await w.deal({ ext: 'd13', rep: 'Dana', opened: 13, moves: [['Demo', 13]] });
      await w.deal({ ext: 'd14', rep: 'Dana', opened: 14, moves: [['Demo', 14]] });
      expect(brief(await w.run(), w.reps), JSON.stringify(stalledDays)).toEqual({ Dana: ['d14:activity'] });
    }
    const corrupt = await world();
    await store.db.workspace.update({ where: { id: corrupt.ws.id }, data: { settings: '{not json' } });
    await corrupt.activity('elsewhere', 5);
    await corrupt.deal({ ext: 'd14', rep: 'Dana', opened: 14, moves: [['Demo', 14]] });
    const ws = await store.db.workspace.findUniqueOrThrow({ where: { id: corrupt.ws.id } });
    expect(
      [...(await stalledDealsByRep(store.db, ws, NOW)).values()].flat().map((d) => d.externalId),
    ).toEqual(['d14']);
  });

  it('activity rule only where the source logs activity on deals in this workspace (last 90 days)', async () => {
    const a = await world();
    const b = await world();
    const act = (
      w: typeof a,
      source: string,
      dealExternalId: string | null,
      days: number,
      o: { deleted?: boolean } = {},
    ) =>
      store.db.activity.create({
        data: {
          workspaceId: w.ws.id,
          source,
          externalId: `${source}-${dealExternalId}-${days}-${Math.random()}`,
          kind: 'call',
          occurredAt: ago(days),
          dealExternalId,
          deletedAt: o.deleted ? ago(0.5) : null,
        },
      });
    // In A, every open deal is 49 days old, in Demo for 2 days, with nothing logged on it (younger than the 50
    // days the team's deals took to close, so the age rule holds for none of them).
    await a.history('Lee', 'Proposal', 10); // p90 of Proposal = 9 days
    for (const source of ['csv', 'hubspot', 'pipedrive', 'generic'])
      await a.deal({ ext: `${source}-1`, rep: 'Dana', source, opened: 49, moves: [['Demo', 2]] });
    await a.deal({ ext: 'hs-slow', rep: 'Dana', source: 'hubspot', moves: [['Proposal', 30]] });
    // Nobody logs activity on deals: only the stage rule, a deal's missing activity is not shown as a fault.
    let m = await a.run();
    expect(brief(m, a.reps)).toEqual({ Dana: ['hs-slow:stage'] });
    expect(m.get(a.reps.Dana as string)?.[0]).toMatchObject({
      activityTracked: false,
      daysSinceActivity: null,
    });
    // HubSpot activity that names no deal (its webhooks), a deleted or 91-day-old HubSpot activity on a deal,
    // a future one, and another workspace's HubSpot activity on a deal: HubSpot still does not count.
    await act(a, 'hubspot', null, 1);
    await act(a, 'hubspot', 'hubspot-1', 1, { deleted: true });
    await act(a, 'hubspot', 'x', 91);
    await act(a, 'hubspot', 'x', -1);
    await act(b, 'hubspot', 'hubspot-1', 1);
    expect(brief(await a.run(), a.reps)).toEqual({ Dana: ['hs-slow:stage'] });
    // Pipedrive logs an activity on one of its deals (another deal than Dana's): the activity rule applies to
    // Pipedrive's deals, not to HubSpot's, CSV's or the JSON API's.
    await act(a, 'pipedrive', 'someone-elses', 89);
    m = await a.run();
    expect(brief(m, a.reps)).toEqual({ Dana: ['pipedrive-1:activity', 'hs-slow:stage'] });
    expect(m.get(a.reps.Dana as string)?.[0]).toMatchObject({
      activityTracked: true,
      daysSinceActivity: null,
    });
    // Now HubSpot too (an activity on hubspot-1 10 days ago): that deal is fresh (10 < 14 days), the slow one
    // (30 days old, none logged on it) stalls for both rules: 30/9 in stage, after Pipedrive's 49/14 idle.
    await act(a, 'hubspot', 'hubspot-1', 10);
    m = await a.run();
    expect(brief(m, a.reps)).toEqual({ Dana: ['pipedrive-1:activity', 'hs-slow:both'] });
    expect(m.get(a.reps.Dana as string)?.[1]).toMatchObject({
      activityTracked: true,
      daysSinceActivity: null,
    });
    // B holds only that HubSpot activity and a 60-day-old deal of its own source without any: not stalled.
    await b.deal({ ext: 'csv-1', rep: 'Dana', opened: 60, moves: [['Demo', 2]] });
    expect(brief(await b.run(), b.reps)).toEqual({});
  });

  it('won, lost, deleted deals and inactive people are never listed; deleted activity does not count', async () => {
    const w = await world({ reps: [{ name: 'Dana' }, { name: 'Gone', active: false }] });
    await w.deal({
      ext: 'won',
      rep: 'Dana',
      status: 'won',
      closed: 50,
      opened: 200,
      moves: [['Proposal', 199]],
    });
    await w.deal({ ext: 'lost', rep: 'Dana', status: 'lost', closed: 50, opened: 200 });
    await w.deal({ ext: 'deleted', rep: 'Dana', deleted: true });
    await w.deal({ ext: 'theirs', rep: 'Gone' });
    await w.deal({
      ext: 'touched',
      rep: 'Dana',
      moves: [
        ['Qualify', 30],
        ['Demo', 5],
      ],
    });
    await w.activity('touched', 1, { deleted: true });
    await w.activity('touched', 20);
    const m = await w.run();
    expect(brief(m, w.reps)).toEqual({ Dana: ['touched:activity'] });
    expect(m.get(w.reps.Dana as string)?.[0]?.daysSinceActivity).toBe(20);
  });

  it("another workspace's deals, history and activities are never mixed in", async () => {
    const a = await world();
    const b = await world();
    // B: lots of short Proposal dwells (would make A's deal stalled), an activity on A's deal id, its own deals.
    await b.history('Dana', 'Proposal', 10);
    await b.activity('mine', 1);
    await b.deal({ ext: 'b-stalled', rep: 'Dana', moves: [['Proposal', 90]] });
    await a.deal({ ext: 'mine', rep: 'Dana', moves: [['Proposal', 20]] });
    await a.activity('mine', 15);
    const ma = await a.run();
    // In A: no Proposal history (no stage rule), and B's fresh activity on the same id does not count.
    expect(brief(ma, a.reps)).toEqual({ Dana: ['mine:activity'] });
    expect(ma.get(a.reps.Dana as string)?.[0]).toMatchObject({ usualDays: null, daysSinceActivity: 15 });
    const mb = await b.run();
    expect(brief(mb, b.reps)).toEqual({ Dana: ['b-stalled:both'] });
    const ids = [...ma.values(), ...mb.values()].flat().map((d) => d.dealId);
    const owners = await store.db.deal.findMany({
      where: { id: { in: ids } },
      select: { id: true, workspaceId: true },
    });
    for (const d of [...ma.values()].flat())
      expect(owners.find((o) => o.id === d.dealId)?.workspaceId).toBe(a.ws.id);
  });

  it('links from what the inbox holds: HubSpot portal id, Pipedrive host; the source and id otherwise', async () => {
    const w = await world();
    const inbox = (source: string, payload: unknown, n: number) =>
      store.db.inboxEvent.create({
        data: {
          workspaceId: w.ws.id,
          source,
          dedupeKey: `${source}:${w.ws.id}:${n}`,
          payload: JSON.stringify(payload),
          receivedAt: ago(n),
        },
      });
    await inbox(
      'hubspot',
      { eventId: 1, portalId: 62515, occurredAt: 1, subscriptionType: 'deal.creation', objectId: 9001 },
      3,
    );
    await inbox('pipedrive', { meta: { host: 'acme.pipedrive.com', version: '2.0' }, data: null }, 4);
    // The latest Pipedrive event says something hostile: ignored, the older good host is used.
    await inbox('pipedrive', { meta: { host: 'evil.example/<!channel>' } }, 2);
    // No source logs activity on deals here: they are stalled in their stage (p90 of Demo = 9 days).
    await w.history('Lee', 'Demo', 10);
    await w.deal({ ext: '9001', rep: 'Dana', source: 'hubspot', moves: [['Demo', 40]] });
    await w.deal({ ext: '17', rep: 'Dana', source: 'pipedrive', moves: [['Demo', 30]] });
    await w.deal({ ext: 'D-1', rep: 'Dana', source: 'generic', moves: [['Demo', 20]] });
    const deals = (await w.run()).get(w.reps.Dana as string) ?? [];
    expect(deals.map((d) => [d.source, d.externalId, d.link])).toEqual([
      ['hubspot', '9001', 'https://app.hubspot.com/contacts/62515/record/0-3/9001'],
      ['pipedrive', '17', 'https://acme.pipedrive.com/deal/17'],
      ['generic', 'D-1', null],
    ]);
    // Another workspace's inbox gives nothing to this one.
    const other = await world();
    await other.history('Lee', 'Demo', 10);
    await other.deal({ ext: '9001', rep: 'Dana', source: 'hubspot', moves: [['Demo', 40]] });
    expect((await other.run()).get(other.reps.Dana as string)?.[0]?.link).toBeNull();
  });

  it('the same rows stored in any order give the same list', async () => {
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], { minLength: 12 }),
        fc.shuffledSubarray([0, 1, 2, 3, 4, 5], { minLength: 6 }),
        async (changeOrder, activityOrder) => {
          round += 1;
          const w = await world();
          // Six won deals through Demo (dwells 2..7) and two open ones; rows inserted in the drawn order.
          const moves: { ext: string; stage: string; days: number }[] = [];
          for (let i = 0; i < 6; i++)
            moves.push(
              { ext: `w${i}`, stage: 'Demo', days: 60 },
              { ext: `w${i}`, stage: 'Won', days: 58 - i },
            );
          const ids = new Map<string, string>();
          for (let i = 0; i < 6; i++)
            ids.set(
              `w${i}`,
              (await w.deal({ ext: `w${i}`, rep: 'Lee', status: 'won', opened: 60, closed: 58 - i })).id,
            );
          for (const ext of ['o1', 'o2'])
            ids.set(ext, (await w.deal({ ext, rep: 'Dana', stage: 'Demo', opened: 60 })).id);
          for (const k of changeOrder) {
            const m = moves[k];
            if (m)
              await store.db.dealStageChange.create({
                data: {
                  workspaceId: w.ws.id,
                  dealId: ids.get(m.ext) as string,
                  toStage: m.stage,
                  changedAt: ago(m.days),
                },
              });
          }
          const enter = [
            { ext: 'o1', stage: 'Qualify', days: 60 },
            { ext: 'o1', stage: 'Demo', days: 9 },
            { ext: 'o2', stage: 'Qualify', days: 60 },
            { ext: 'o2', stage: 'Demo', days: 30 },
          ];
          for (const e of enter)
            await store.db.dealStageChange.create({
              data: {
                workspaceId: w.ws.id,
                dealId: ids.get(e.ext) as string,
                toStage: e.stage,
                changedAt: ago(e.days),
              },
            });
          const acts = [
            ['o1', 3],
            ['o1', 20],
            ['o2', 16],
            ['o2', 40],
            ['o1', 1],
            ['o2', 15],
          ] as const;
          for (const k of activityOrder) {
            const [ext, days] = acts[k] as (typeof acts)[number];
            await w.activity(ext, days);
          }
          const m = await w.run();
          const got = [...m.values()].flat().map((d) => ({ ...d, dealId: '', repId: '' }));
          expect(
            got.map((d) => [d.externalId, d.reason, d.daysInStage, d.usualDays, d.daysSinceActivity]),
          ).toEqual([
            ['o2', 'both', 30, 7, 15],
            ['o1', 'stage', 9, 7, 1],
          ]);
          void round;
        },
      ),
      { numRuns: 6 },
    );
  });
});
