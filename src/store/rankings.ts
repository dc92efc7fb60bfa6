import { Prisma } from '../generated/sqlite/client.js';
import { OUTREACH_KINDS, type TLogged, type TPeriodTotals, type TScoreGroup } from '../metrics/scalar.js';
import { inChunks } from './chunks.js';
import { activityTotalsByRep, dealTotalsByRep, workspaceCurrency } from './facts.js';
import type { TDb } from './types.js';

/**
 * Period totals (metrics/scalar.ts TPeriodTotals) of every rep of a workspace at once, computed by the database:
 * a few GROUP BY queries on the tables' (workspace, rep, time) indexes, and for level readings one index seek
 * per rep (the latest reading before an instant), so a ranking by a rate or a level reads no rows of facts.
 * Each total is computed with the same rules as its computation from facts (TOTALS_FROM_FACTS in scalar.ts);
 * test/reports/leaderboard-sql.test.ts and leaderboard-totals.test.ts keep the two in step on both stores.
 */

type TRange = { start: Date; end: Date };
/**
 * The period, the one before it (for changes) and now (conversions by now, days since training); `reps`: only
 * these reps' totals (a scorecard's teammates), every rep of the workspace when absent.
 */
export type TTotalsWindow = { period: TRange; previous: TRange; now: Date; reps?: readonly string[] };
type TByRep = Map<string, Partial<TPeriodTotals>>;
type TLoader = {
  provides: readonly (keyof TPeriodTotals)[];
  load: (db: TDb, workspaceId: string, w: TTotalsWindow) => Promise<TByRep>;
  /**
   * Its table has no index that leads with the time (they all begin workspace, rep) and is big: for the whole
   * workspace it is asked rep by rep (the reps named in chunks), so each rep's period is read from its own index
   * entries. Asked for the workspace at once, SQLite without statistics (the bot never runs ANALYZE) reads every
   * row of the table, history included: at 5M facts, opportunities created 242-259 ms a board against 49-55
   * rep by rep, MQL conversion 232-263 against 22. The smaller tables (assessments, customers, posts, logged
   * LinkedIn activity) are still read whole: 7-18 ms at 5M, less than rep by rep (11-19 ms).
   */
  byRep?: true;
};

const inRange = (r: TRange) => ({ gte: r.start, lt: r.end });
/** The workspace's rows, or only the window's reps' when it names them. */
const scoped = (workspaceId: string, w: TTotalsWindow) =>
  w.reps ? { workspaceId, repId: { in: [...w.reps] } } : { workspaceId };
/** Deals and activities as the metrics count them: not deleted, with a rep (one of the window's if named). */
const liveRows = (workspaceId: string, w: TTotalsWindow) => ({
  workspaceId,
  deletedAt: null,
  repId: w.reps ? { in: [...w.reps] } : { not: null },
});

/** Per rep, one total from a map of numbers. */
function asTotals<K extends keyof TPeriodTotals>(key: K, values: Map<string, TPeriodTotals[K]>): TByRep {
  const out: TByRep = new Map();
  for (const [repId, v] of values) out.set(repId, { [key]: v } as Partial<TPeriodTotals>);
  return out;
}

/** Adds one rep's totals into a map of them. */
function put(out: TByRep, repId: string | null, totals: Partial<TPeriodTotals>) {
  if (repId === null) return;
  out.set(repId, { ...out.get(repId), ...totals });
}

/** A level metric's totals: latest reading before the end, before the start, and the period's first reading. */
function levelLoaders(
  metric: 'followers' | 'profile_views',
  keys: { atEnd: keyof TPeriodTotals; atStart: keyof TPeriodTotals; first: keyof TPeriodTotals },
): TLoader[] {
  return [
    {
      provides: [keys.atEnd],
      load: async (db, ws, w) =>
        asTotals(keys.atEnd, await latestReadingBefore(db, ws, metric, w.period.end, w.reps)),
    },
    {
      provides: [keys.atStart],
      load: async (db, ws, w) =>
        asTotals(keys.atStart, await latestReadingBefore(db, ws, metric, w.period.start, w.reps)),
    },
    {
      provides: [keys.first],
      load: async (db, ws, w) => asTotals(keys.first, await firstReadingIn(db, ws, metric, w.period, w.reps)),
    },
  ];
}

const LOGGED = {
  requests_sent: 'requestsSent',
  requests_accepted: 'requestsAccepted',
  inquiries: 'inquiries',
  referrals: 'referrals',
} as const satisfies Record<string, keyof TPeriodTotals>;

const LOADERS: TLoader[] = [
  {
    // Won deals whose amount counts: in the workspace currency, or without an amount (TDealFact.otherCurrency).
    provides: ['wonAmount', 'wonWithAmount'],
    load: async (db, workspaceId, w) => {
      const currency = await workspaceCurrency(db, workspaceId);
      const rows = await db.deal.groupBy({
        by: ['repId'],
        where: {
          ...liveRows(workspaceId, w),
          status: 'won',
          closedAt: inRange(w.period),
          OR: [{ currency }, { amountMinor: 0n }],
        },
        _sum: { amountMinor: true },
        _count: { _all: true },
      });
      const out: TByRep = new Map();
      for (const r of rows)
        put(out, r.repId, { wonAmount: Number(r._sum.amountMinor ?? 0n), wonWithAmount: r._count._all });
      return out;
    },
  },
  {
    provides: ['previousWonAmount'],
    load: async (db, ws, w) =>
      asTotals(
        'previousWonAmount',
        await dealTotalsByRep(db, ws, { closed: 'won', within: w.previous }, 'sum', w.reps),
      ),
  },
  {
    provides: ['wonCount', 'lost', 'closed'],
    load: async (db, workspaceId, w) => {
      const rows = await db.deal.groupBy({
        by: ['repId', 'status'],
        where: { ...liveRows(workspaceId, w), status: { in: ['won', 'lost'] }, closedAt: inRange(w.period) },
        _count: { _all: true },
      });
      const out: TByRep = new Map();
      for (const r of rows) {
        if (r.repId === null) continue;
        const t = { wonCount: 0, lost: 0, closed: 0, ...out.get(r.repId) };
        t.closed += r._count._all;
        if (r.status === 'won') t.wonCount += r._count._all;
        else t.lost += r._count._all;
        out.set(r.repId, t);
      }
      return out;
    },
  },
  {
    provides: ['created'],
    byRep: true,
    load: async (db, ws, w) =>
      asTotals('created', await dealTotalsByRep(db, ws, { opened: w.period }, 'count', w.reps)),
  },
  {
    provides: ['calls'],
    load: async (db, ws, w) =>
      asTotals('calls', await activityTotalsByRep(db, ws, { kind: 'call' }, w.period, w.reps)),
  },
  {
    provides: ['emails'],
    load: async (db, ws, w) =>
      asTotals('emails', await activityTotalsByRep(db, ws, { kind: 'email' }, w.period, w.reps)),
  },
  {
    provides: ['outreach'],
    load: async (db, ws, w) =>
      asTotals(
        'outreach',
        await activityTotalsByRep(db, ws, { kind: [...OUTREACH_KINDS] }, w.period, w.reps),
      ),
  },
  {
    provides: ['personalized', 'generic'],
    load: async (db, workspaceId, w) => {
      const rows = await db.activity.groupBy({
        by: ['repId', 'personalized'],
        where: {
          ...liveRows(workspaceId, w),
          occurredAt: inRange(w.period),
          kind: { in: [...OUTREACH_KINDS] },
          personalized: { not: null },
        },
        _sum: { count: true },
      });
      const out: TByRep = new Map();
      for (const r of rows)
        put(out, r.repId, { [r.personalized ? 'personalized' : 'generic']: r._sum.count ?? 0 });
      return out;
    },
  },
  ...levelLoaders('followers', {
    atEnd: 'followersAtEnd',
    atStart: 'followersAtStart',
    first: 'followersFirst',
  }),
  ...levelLoaders('profile_views', {
    atEnd: 'profileViewsAtEnd',
    atStart: 'profileViewsAtStart',
    first: 'profileViewsFirst',
  }),
  {
    provides: Object.values(LOGGED),
    load: async (db, workspaceId, w) => {
      const rows = await db.socialSnapshot.groupBy({
        by: ['repId', 'metric'],
        where: {
          ...scoped(workspaceId, w),
          network: 'linkedin',
          metric: { in: Object.keys(LOGGED) },
          at: inRange(w.period),
        },
        _sum: { value: true },
        _count: { _all: true },
      });
      const out: TByRep = new Map();
      for (const r of rows) {
        const key = LOGGED[r.metric as keyof typeof LOGGED];
        const logged: TLogged = { n: r._count._all, sum: r._sum.value ?? 0 };
        put(out, r.repId, { [key]: logged });
      }
      return out;
    },
  },
  {
    provides: ['posts'],
    load: async (db, workspaceId, w) => {
      const rows = await db.socialPost.groupBy({
        by: ['repId'],
        where: { ...scoped(workspaceId, w), postedAt: inRange(w.period) },
        _count: { _all: true },
        _sum: { shares: true, comments: true, likes: true },
      });
      const out: TByRep = new Map();
      for (const r of rows)
        put(out, r.repId, {
          posts: {
            n: r._count._all,
            shares: r._sum.shares ?? 0,
            comments: r._sum.comments ?? 0,
            likes: r._sum.likes ?? 0,
          },
        });
      return out;
    },
  },
  {
    provides: ['mqls'],
    byRep: true,
    load: async (db, workspaceId, w) => {
      const rows = await db.lead.groupBy({
        by: ['repId'],
        where: { ...scoped(workspaceId, w), mqlAt: inRange(w.period) },
        _count: { _all: true },
      });
      return asTotals('mqls', counts(rows));
    },
  },
  {
    provides: ['converted'],
    byRep: true,
    load: async (db, workspaceId, w) => {
      const rows = await db.lead.groupBy({
        by: ['repId'],
        where: { ...scoped(workspaceId, w), mqlAt: inRange(w.period), convertedAt: { lte: w.now } },
        _count: { _all: true },
      });
      return asTotals('converted', counts(rows));
    },
  },
  {
    provides: ['assessments'],
    load: async (db, workspaceId, w) => {
      const rows = await db.trainingResult.groupBy({
        by: ['repId'],
        where: { ...scoped(workspaceId, w), at: inRange(w.period) },
        _count: { _all: true },
      });
      return asTotals('assessments', counts(rows));
    },
  },
  {
    provides: ['scores'],
    load: async (db, workspaceId, w) => {
      const rows = await db.trainingResult.groupBy({
        by: ['repId', 'score', 'maxScore'],
        where: { ...scoped(workspaceId, w), at: inRange(w.period), maxScore: { gt: 0 } },
        _count: { _all: true },
      });
      const byRep = new Map<string, TScoreGroup[]>();
      for (const r of rows) {
        const groups = byRep.get(r.repId) ?? [];
        groups.push({ score: r.score, maxScore: r.maxScore, n: r._count._all });
        byRep.set(r.repId, groups);
      }
      return asTotals('scores', byRep);
    },
  },
  {
    // Days since training count to the period's end, or now if sooner (an assessment at the end is the next
    // period's).
    provides: ['lastAssessmentAt'],
    load: async (db, workspaceId, w) => {
      const at = w.now < w.period.end ? { lte: w.now } : { lt: w.period.end };
      const rows = await db.trainingResult.groupBy({
        by: ['repId'],
        where: { ...scoped(workspaceId, w), at },
        _max: { at: true },
      });
      const out: TByRep = new Map();
      for (const r of rows) if (r._max.at) put(out, r.repId, { lastAssessmentAt: r._max.at.getTime() });
      return out;
    },
  },
  {
    provides: ['customersWon'],
    load: async (db, workspaceId, w) => {
      const rows = await db.customer.groupBy({
        by: ['repId'],
        where: { ...scoped(workspaceId, w), wonAt: inRange(w.period) },
        _count: { _all: true },
      });
      return asTotals('customersWon', counts(rows));
    },
  },
  {
    provides: ['customersLost'],
    load: async (db, workspaceId, w) => {
      const rows = await db.customer.groupBy({
        by: ['repId'],
        where: { ...scoped(workspaceId, w), churnedAt: inRange(w.period) },
        _count: { _all: true },
      });
      return asTotals('customersLost', counts(rows));
    },
  },
];

/** Every total the store computes (a test checks it is every one of TPeriodTotals). */
export const TOTALS_IN_SQL: readonly (keyof TPeriodTotals)[] = LOADERS.flatMap((l) => l.provides);

/** Per rep, the count of a GROUP BY "repId" (rows without a rep left out). */
function counts(rows: { repId: string | null; _count: { _all: number } }[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of rows) if (r.repId !== null) out.set(r.repId, r._count._all);
  return out;
}

/** `AND r."id" IN (…)` when some reps are named. */
const onlyReps = (repIds: readonly string[] | undefined) =>
  repIds ? Prisma.sql` AND r."id" IN (${Prisma.join([...repIds])})` : Prisma.empty;

/**
 * Per rep of the workspace, the latest LinkedIn reading of a level metric before an instant (the larger of two
 * at that instant): one index seek per rep on (workspace, rep, network, metric, at), whatever the history.
 */
async function latestReadingBefore(
  db: TDb,
  workspaceId: string,
  metric: string,
  before: Date,
  repIds?: readonly string[],
): Promise<Map<string, number>> {
  if (repIds?.length === 0) return new Map();
  const rows = await db.$queryRaw<{ repId: string; value: number | bigint | null }[]>(Prisma.sql`
    SELECT r."id" AS "repId",
      (SELECT s."value" FROM "SocialSnapshot" s
        WHERE s."workspaceId" = ${workspaceId} AND s."repId" = r."id" AND s."network" = 'linkedin'
          AND s."metric" = ${metric} AND s."at" < ${before}
        ORDER BY s."at" DESC, s."value" DESC LIMIT 1) AS "value"
    FROM "Rep" r WHERE r."workspaceId" = ${workspaceId}${onlyReps(repIds)}`);
  const out = new Map<string, number>();
  for (const r of rows) if (r.value !== null) out.set(r.repId, Number(r.value));
  return out;
}

/**
 * Per rep of the workspace, the first LinkedIn reading of a level metric in a period (the larger of two at that
 * instant) and whether a later reading follows it in the period.
 */
async function firstReadingIn(
  db: TDb,
  workspaceId: string,
  metric: string,
  period: TRange,
  repIds?: readonly string[],
): Promise<Map<string, TPeriodTotals['followersFirst']>> {
  if (repIds?.length === 0) return new Map();
  const readings = Prisma.sql`FROM "SocialSnapshot" s
    WHERE s."workspaceId" = ${workspaceId} AND s."repId" = r."id" AND s."network" = 'linkedin'
      AND s."metric" = ${metric} AND s."at" >= ${period.start} AND s."at" < ${period.end}`;
  const rows = await db.$queryRaw<
    { repId: string; value: number | bigint | null; later: number | bigint | boolean | null }[]
  >(Prisma.sql`
    SELECT r."id" AS "repId",
      (SELECT s."value" ${readings} ORDER BY s."at" ASC, s."value" DESC LIMIT 1) AS "value",
      (SELECT CASE WHEN MIN(s."at") < MAX(s."at") THEN 1 ELSE 0 END ${readings}) AS "later"
    FROM "Rep" r WHERE r."workspaceId" = ${workspaceId}${onlyReps(repIds)}`);
  const out = new Map<string, TPeriodTotals['followersFirst']>();
  for (const r of rows)
    if (r.value !== null) out.set(r.repId, { value: Number(r.value), later: Number(r.later) === 1 });
  return out;
}

/** Databases cap a statement's parameters (Prisma's SQLite driver at 999): reps are named in chunks of this. */
const MAX_NAMED_REPS = 200;

/**
 * Some period totals of every rep of a workspace, computed by the database: only the queries the totals asked
 * for run (in parallel). A rep without rows in them is absent (its totals are NO_TOTALS').
 */
export async function periodTotalsByRep(
  db: TDb,
  workspaceId: string,
  needs: readonly (keyof TPeriodTotals)[],
  window: TTotalsWindow,
): Promise<TByRep> {
  if (window.reps?.length === 0) return new Map();
  if (window.reps && window.reps.length > MAX_NAMED_REPS) {
    // Many reps named (the scorecard of someone without a manager: their team is every rep): the workspace's
    // totals, kept for them. A period's closed deals and activities are one range of an index for the whole
    // workspace, cheaper than a seek per rep (a top manager's `/kpi me` at 1M: about 100 ms less).
    const wanted = new Set(window.reps);
    const all = await periodTotalsByRep(db, workspaceId, needs, { ...window, reps: undefined });
    return new Map([...all].filter(([repId]) => wanted.has(repId)));
  }
  const loaders = LOADERS.filter((l) => l.provides.some((k) => needs.includes(k)));
  const whole = window.reps === undefined;
  const byRep = whole ? loaders.filter((l) => l.byRep) : [];
  const parts = await Promise.all(
    loaders.filter((l) => !byRep.includes(l)).map((l) => l.load(db, workspaceId, window)),
  );
  if (byRep.length) {
    const reps = await db.rep.findMany({
      where: { workspaceId },
      select: { id: true },
      orderBy: { id: 'asc' },
    });
    const named = (chunk: string[]) =>
      Promise.all(byRep.map((l) => l.load(db, workspaceId, { ...window, reps: chunk })));
    parts.push(
      ...(await inChunks(
        reps.map((r) => r.id),
        named,
        MAX_NAMED_REPS,
      )),
    );
  }
  const out: TByRep = new Map();
  for (const part of parts) for (const [repId, totals] of part) put(out, repId, totals);
  return out;
}
