import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LINKEDIN_METRICS } from '../../src/domain/social.js';
import { NO_FACTS } from '../../src/metrics/facts.js';
import { resolvePeriod } from '../../src/metrics/periods.js';
import {
  NO_TOTALS,
  periodTotalsFromFacts,
  SCALAR_METRICS,
  type TPeriodTotals,
} from '../../src/metrics/scalar.js';
import { leaderboardReport } from '../../src/reports/leaderboard.js';
import { periodTotalsByRep, TOTALS_IN_SQL } from '../../src/store/rankings.js';
import { insertTarget } from '../../src/store/targets.js';
import type { Workspace } from '../../src/store/types.js';
import { useTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';

/**
 * A ranking by a metric that is a formula of period totals gets those totals from the database
 * (store/rankings.ts); computing the metric from each rep's loaded facts must give the same board. Random facts
 * of every kind for a few reps, inserted in random order, at instants on and around the period's boundaries,
 * with ties, zero denominators, reps without facts and hostile names: the two ways must agree for every metric.
 */
const store = useTestStore();

const ms = (iso: string) => new Date(iso).getTime();
const CAL = { timezone: 'UTC', fiscalYearStartMonth: 1, weekStartsOn: 1 } as const;
/** June 2017 is ranked (UTC workspace); May is the previous period. */
const EDGES = [
  '2017-05-01T00:00:00Z',
  '2017-06-01T00:00:00Z',
  '2017-07-01T00:00:00Z',
  '2017-06-20T12:00:00Z', // one of the "now"s
].map(ms);
const SPAN = { from: ms('2017-03-15T00:00:00Z'), to: ms('2017-07-20T00:00:00Z') };
/** An instant: a boundary, a millisecond either side of one, or anywhere from mid-March to late July. */
const instant = fc
  .oneof(
    fc.tuple(fc.constantFrom(...EDGES), fc.constantFrom(-1, 0, 1)).map(([t, d]) => t + d),
    fc.integer({ min: SPAN.from, max: SPAN.to }),
  )
  .map((t) => new Date(t));
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });

const hostileName = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('Robert\'); DROP TABLE "Deal";--', 'Ann', 'ann', 'Zoë', '👩‍💼 Ann', '%_\\', ' '),
);

const deal = fc.record({
  rep: fc.nat(3),
  status: fc.constantFrom('open', 'won', 'lost'),
  amount: fc.constantFrom(0n, 1n, 500n, 123_456n, 10n ** 12n),
  currency: fc.constantFrom('USD', 'USD', 'EUR', 'usd'),
  openedAt: maybe(instant),
  closedAt: maybe(instant),
  deleted: fc.boolean(),
});
const activity = fc.record({
  rep: fc.nat(3),
  kind: fc.constantFrom('call', 'email', 'linkedin_message', 'meeting', 'other'),
  personalized: fc.constantFrom(true, false, null),
  count: fc.nat(3),
  occurredAt: instant,
  deleted: fc.boolean(),
});
const snapshot = fc.record({
  rep: fc.nat(3),
  network: fc.constantFrom('linkedin', 'linkedin', 'linkedin', 'twitter'),
  metric: fc.constantFrom(...LINKEDIN_METRICS),
  value: fc.integer({ min: -5, max: 60 }),
  at: instant,
});
const post = fc.record({
  rep: fc.nat(3),
  postedAt: instant,
  shares: fc.nat(5),
  comments: fc.nat(5),
  likes: fc.nat(9),
});
const lead = fc.record({ rep: fc.nat(3), mqlAt: maybe(instant), convertedAt: maybe(instant) });
const training = fc.record({
  rep: fc.nat(3),
  kind: fc.constantFrom('quiz', 'mock_pitch'),
  score: fc.constantFrom(0, 1, 33.3, 50, 66.7, 99.9, 100, 1e-9),
  maxScore: fc.constantFrom(100, 100, 3, 7, 0),
  at: instant,
});
const customer = fc.record({ rep: fc.nat(3), wonAt: instant, churnedAt: maybe(instant) });

const world = fc.record({
  // Rep 3 is inactive or a manager now and then; a rep index past the reps made means "no rep".
  names: fc.array(hostileName, { minLength: 1, maxLength: 3 }),
  deals: fc.array(deal, { maxLength: 14 }),
  activities: fc.array(activity, { maxLength: 12 }),
  snapshots: fc.array(snapshot, { maxLength: 16 }),
  posts: fc.array(post, { maxLength: 6 }),
  leads: fc.array(lead, { maxLength: 6 }),
  training: fc.array(training, { maxLength: 8 }),
  customers: fc.array(customer, { maxLength: 6 }),
  now: fc.constantFrom('2017-06-20T12:00:00Z', '2017-07-10T00:00:00Z'),
  withTargets: fc.boolean(),
});

type TWorld = typeof world extends fc.Arbitrary<infer T> ? T : never;

let made = 0;
/** A workspace of its own holding one random world; its reps' ids, in the world's order. */
async function plant(w: TWorld): Promise<{ ws: Workspace; repIds: string[] }> {
  const { db } = store();
  made += 1;
  const ws = await db.workspace.create({
    data: { slackTeamId: `TPROP${made}`, timezone: 'UTC', currency: 'USD' },
  });
  const repIds: string[] = [];
  for (const name of w.names) repIds.push((await db.rep.create({ data: { workspaceId: ws.id, name } })).id);
  // Two reps with the same name as the first (ties broken by id), one of them without any fact.
  repIds.push((await db.rep.create({ data: { workspaceId: ws.id, name: w.names[0] ?? '' } })).id);
  await db.rep.create({ data: { workspaceId: ws.id, name: w.names[0] ?? '' } });
  const rep = (i: number) => repIds[i % repIds.length] as string;
  let n = 0;
  const key = () => `p${made}-${n++}`;
  await db.deal.createMany({
    data: w.deals.map((d) => ({
      workspaceId: ws.id,
      repId: rep(d.rep),
      source: 'csv',
      externalId: key(),
      stage: d.status,
      status: d.status,
      amountMinor: d.amount,
      currency: d.currency,
      openedAt: d.openedAt,
      closedAt: d.closedAt,
      deletedAt: d.deleted ? new Date(ms('2017-06-02T00:00:00Z')) : null,
    })),
  });
  await db.activity.createMany({
    data: w.activities.map((a) => ({
      workspaceId: ws.id,
      repId: rep(a.rep),
      source: 'csv',
      externalId: key(),
      kind: a.kind,
      personalized: a.personalized,
      count: a.count,
      occurredAt: a.occurredAt,
      deletedAt: a.deleted ? new Date(ms('2017-06-02T00:00:00Z')) : null,
    })),
  });
  await db.socialSnapshot.createMany({
    data: w.snapshots.map(({ rep: r, ...s }) => ({ workspaceId: ws.id, repId: rep(r), ...s })),
  });
  await db.socialPost.createMany({
    data: w.posts.map((p) => ({
      workspaceId: ws.id,
      repId: rep(p.rep),
      network: 'linkedin',
      postId: key(),
      postedAt: p.postedAt,
      shares: p.shares,
      comments: p.comments,
      likes: p.likes,
    })),
  });
  await db.lead.createMany({
    data: w.leads.map((l) => ({
      workspaceId: ws.id,
      repId: rep(l.rep),
      source: 'csv',
      externalId: key(),
      mqlAt: l.mqlAt,
      convertedAt: l.convertedAt,
    })),
  });
  await db.trainingResult.createMany({
    data: w.training.map((t) => ({
      workspaceId: ws.id,
      repId: rep(t.rep),
      course: 'product',
      kind: t.kind,
      score: t.score,
      maxScore: t.maxScore,
      at: t.at,
      externalId: key(),
    })),
  });
  await db.customer.createMany({
    data: w.customers.map((c) => ({
      workspaceId: ws.id,
      repId: rep(c.rep),
      source: 'csv',
      externalId: key(),
      wonAt: c.wonAt,
      churnedAt: c.churnedAt,
    })),
  });
  if (w.withTargets) {
    const target = (metricId: string, amount: number, repId: string | null) =>
      insertTarget(db, {
        workspaceId: ws.id,
        scope: repId ? 'rep' : 'workspace',
        repId,
        metricId,
        periodKind: 'month',
        amount,
        effectiveFrom: new Date(ms('2017-01-01T00:00:00Z')),
        setBySlackId: null,
      });
    await target('sales.won_total', 100_000, null);
    await target('outreach.total', 4, null);
    await target('personalization.personalized', 2, rep(0));
  }
  return { ws, repIds };
}

const BY_TOTALS = SCALAR_METRICS.filter((m) => m.totals);

describe(`leaderboard by totals in SQL = from loaded facts (${TEST_PROVIDER})`, () => {
  it('every metric but first-year churn is a formula of totals', () => {
    expect(SCALAR_METRICS.filter((m) => !m.totals).map((m) => m.id)).toEqual([
      'churn.first_year_churned',
      'churn.first_year_churn_rate',
    ]);
  });

  it('the store computes every total, each by one query', () => {
    expect([...TOTALS_IN_SQL].sort()).toEqual(Object.keys(NO_TOTALS).sort());
  });

  it('no facts give the totals of nobody (what a rep without rows in the store gets)', () => {
    const period = resolvePeriod('2017-06', new Date('2017-07-10T00:00:00Z'), {
      timezone: 'UTC',
      fiscalYearStartMonth: 1,
      weekStartsOn: 1,
    });
    const needs = Object.keys(NO_TOTALS) as (keyof TPeriodTotals)[];
    const fromFacts = periodTotalsFromFacts(
      { facts: NO_FACTS, period, previous: period, now: period.end, targets: {} },
      needs,
    );
    expect(fromFacts).toEqual(NO_TOTALS);
  });

  it('random facts for a few reps give the same board by totals in SQL and from facts (property)', async () => {
    await fc.assert(
      fc.asyncProperty(world, async (w) => {
        const { ws, repIds } = await plant(w);
        const now = new Date(w.now);
        for (const m of BY_TOTALS) {
          const sql = await leaderboardReport(store().db, ws, m.id, '2017-06', now);
          const facts = await leaderboardReport(store().db, ws, m.id, '2017-06', now, undefined, {
            factsOnly: true,
          });
          expect(
            sql.rows.map((r) => [r.rank, r.rep.id, r.value]),
            m.id,
          ).toEqual(facts.rows.map((r) => [r.rank, r.rep.id, r.value]));
          expect([sql.ranked, sql.unranked], m.id).toEqual([facts.ranked, facts.unranked]);
        }
        // A scorecard asks the totals of a rep's teammates only: each named rep gets what it gets among all,
        // and no one else is in the answer (whatever reps are named: some, none, one not of the workspace).
        const period = resolvePeriod('2017-06', now, CAL);
        const window = { period, previous: resolvePeriod('2017-05', now, CAL), now };
        const everyone = await periodTotalsByRep(store().db, ws.id, TOTALS_IN_SQL, window);
        // A rep of another workspace with a win, a deal opened and outreach in June: named, it gets nothing here.
        const other = await store().db.workspace.create({
          data: { slackTeamId: `TPROPO${made}`, timezone: 'UTC' },
        });
        const outsider = await store().db.rep.create({ data: { workspaceId: other.id, name: 'Out' } });
        const june = new Date('2017-06-10T00:00:00Z');
        await store().db.deal.create({
          data: {
            workspaceId: other.id,
            repId: outsider.id,
            source: 'csv',
            externalId: 'o',
            stage: 'Won',
            status: 'won',
            amountMinor: 500n,
            openedAt: june,
            closedAt: june,
          },
        });
        await store().db.activity.create({
          data: {
            workspaceId: other.id,
            repId: outsider.id,
            source: 'csv',
            externalId: 'o',
            kind: 'call',
            occurredAt: june,
            personalized: true,
          },
        });
        for (const reps of [
          repIds.filter((_, i) => i % 2 === 1),
          [],
          [repIds[0] as string, 'not-a-rep', outsider.id],
        ]) {
          const some = await periodTotalsByRep(store().db, ws.id, TOTALS_IN_SQL, { ...window, reps });
          expect(some).toEqual(new Map([...everyone].filter(([id]) => reps.includes(id))));
        }
      }),
      { numRuns: TEST_PROVIDER === 'sqlite' ? 40 : 25 },
    );
  }, 600_000);

  it('201 reps: boards asked rep by rep (200 at a time) rank everyone as from facts', async () => {
    const { db } = store();
    made += 1;
    const ws = await db.workspace.create({
      data: { slackTeamId: `TCHUNK${made}`, timezone: 'UTC', currency: 'USD' },
    });
    await db.rep.createMany({
      data: Array.from({ length: 201 }, (_, i) => ({
        workspaceId: ws.id,
        name: `Rep ${String(i).padStart(3, '0')}`,
      })),
    });
    const reps = await db.rep.findMany({ where: { workspaceId: ws.id }, orderBy: { id: 'asc' } });
    const june = (day: number) => new Date(Date.UTC(2017, 5, 1 + (day % 28)));
    // Every rep a different number of deals opened and MQLs in June (the last rep by id the most), some converted.
    await db.deal.createMany({
      data: reps.flatMap((r, i) =>
        Array.from({ length: 1 + (i % 3) + (i === reps.length - 1 ? 5 : 0) }, (_, k) => ({
          workspaceId: ws.id,
          repId: r.id,
          source: 'csv',
          externalId: `chunk-${made}-${i}-${k}`,
          stage: 'Demo',
          openedAt: june(i + k),
        })),
      ),
    });
    await db.lead.createMany({
      data: reps.map((r, i) => ({
        workspaceId: ws.id,
        repId: r.id,
        source: 'csv',
        externalId: `chunk-lead-${made}-${i}`,
        mqlAt: june(i),
        convertedAt: i % 2 ? june(i + 1) : null,
      })),
    });
    const now = new Date('2017-07-10T00:00:00Z');
    for (const metric of [
      'opportunities.created',
      'conversion.mqls',
      'conversion.converted',
      'conversion.rate',
    ]) {
      const sql = await leaderboardReport(db, ws, metric, '2017-06', now);
      const facts = await leaderboardReport(db, ws, metric, '2017-06', now, undefined, { factsOnly: true });
      expect(
        sql.rows.map((r) => [r.rank, r.rep.id, r.value]),
        metric,
      ).toEqual(facts.rows.map((r) => [r.rank, r.rep.id, r.value]));
      expect(sql.ranked + sql.unranked, metric).toBe(201);
    }
    const created = await leaderboardReport(db, ws, 'opportunities.created', '2017-06', now);
    expect(created.rows[0]?.rep.id).toBe(reps[200]?.id);
  });

  it('boundaries: a reading at the period end is the next period’s, one at its start is this one’s', async () => {
    const { db } = store();
    const ws = await db.workspace.create({ data: { slackTeamId: 'TEDGES', timezone: 'UTC' } });
    const [a, b, c] = await Promise.all(
      ['Ann', 'Bo', 'Cy'].map(
        async (name) => (await db.rep.create({ data: { workspaceId: ws.id, name } })).id,
      ),
    );
    const at = (iso: string) => new Date(iso);
    await db.socialSnapshot.createMany({
      data: [
        // Ann: 100 before June, 140 on June 1 00:00, 900 on July 1 00:00 (July's): 140 followers, +40.
        {
          workspaceId: ws.id,
          repId: a as string,
          network: 'linkedin',
          metric: 'followers',
          value: 100,
          at: at('2017-05-31T23:59:59.999Z'),
        },
        {
          workspaceId: ws.id,
          repId: a as string,
          network: 'linkedin',
          metric: 'followers',
          value: 140,
          at: at('2017-06-01T00:00:00Z'),
        },
        {
          workspaceId: ws.id,
          repId: a as string,
          network: 'linkedin',
          metric: 'followers',
          value: 900,
          at: at('2017-07-01T00:00:00Z'),
        },
        // Bo: two readings at the same instant (the larger counts), nothing before June and one later: +10.
        {
          workspaceId: ws.id,
          repId: b as string,
          network: 'linkedin',
          metric: 'followers',
          value: 50,
          at: at('2017-06-03T00:00:00Z'),
        },
        {
          workspaceId: ws.id,
          repId: b as string,
          network: 'linkedin',
          metric: 'followers',
          value: 60,
          at: at('2017-06-03T00:00:00Z'),
        },
        {
          workspaceId: ws.id,
          repId: b as string,
          network: 'linkedin',
          metric: 'followers',
          value: 70,
          at: at('2017-06-30T23:59:59.999Z'),
        },
        // Cy: one reading in June only: a level, no growth.
        {
          workspaceId: ws.id,
          repId: c as string,
          network: 'linkedin',
          metric: 'followers',
          value: 5,
          at: at('2017-06-15T00:00:00Z'),
        },
      ],
    });
    const now = at('2017-07-10T00:00:00Z');
    const board = async (metric: string) =>
      (await leaderboardReport(db, ws, metric, '2017-06', now)).rows.map((r) => [r.rep.name, r.value]);
    expect(await board('linkedin.followers')).toEqual([
      ['Ann', 140],
      ['Bo', 70],
      ['Cy', 5],
    ]);
    expect(await board('linkedin.followers_growth')).toEqual([
      ['Ann', 40],
      ['Bo', 10],
    ]);
    // Nothing closed, nothing sent: a rate with a zero denominator ranks nobody.
    expect(await board('opportunities.win_rate')).toEqual([]);
    expect(await board('linkedin.connection_acceptance_rate')).toEqual([]);
  });
});
