import type { TCustomerFact, TFacts } from './facts.js';
import type { TPeriod } from './periods.js';
import { DAY_MS } from './stats.js';

/**
 * The scalar KPIs of one rep (or team) for one period, computed from plain facts. Pure. Each function's TSDoc
 * carries its formula; docs/metrics.md says the same in words (a test keeps the ids in step).
 *
 * Conventions: a fact belongs to a period when its attributing instant t satisfies start <= t < end. A value
 * is `null` when there is no data or the denominator is zero ("no data", never a fake 0%). Money is in minor
 * units here; views convert to major units. Rates are fractions (0.25 = 25%).
 */

/** Everything a metric needs besides the facts. */
export type TMetricInput = {
  facts: TFacts;
  period: TPeriod;
  /** The period just before, for changes (same kind and length). */
  previous: TPeriod;
  now: Date;
  /** Target amount per metric id for this period, already resolved (rep, team or default). */
  targets: Partial<Record<string, number>>;
};

type TCompute = (input: TMetricInput) => number | null;

const inPeriod = (t: Date | null | undefined, p: TPeriod): t is Date =>
  t != null && t.getTime() >= p.start.getTime() && t.getTime() < p.end.getTime();
const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** Activity kinds that count as outreach (prospecting touches). Meetings are not outreach. */
export const OUTREACH_KINDS = ['call', 'email', 'linkedin_message'] as const;

function wonIn(input: TMetricInput, p: TPeriod) {
  return input.facts.deals.filter((d) => d.status === 'won' && inPeriod(d.closedAt, p));
}
/** Won deals whose amount is in the workspace currency: the only ones money figures add up. */
function wonWithAmount(input: TMetricInput, p: TPeriod) {
  return wonIn(input, p).filter((d) => !d.otherCurrency);
}
function wonTotal(input: TMetricInput, p: TPeriod): number {
  return sum(wonWithAmount(input, p).map((d) => d.amountMinor));
}

/**
 * How many deals won in a period have an amount in another currency than the workspace's, and so are left out
 * of won revenue, average deal size and the change against the previous period (they still count as deals won).
 */
export function wonInOtherCurrencies(facts: TFacts, p: TPeriod): number {
  return facts.deals.filter((d) => d.status === 'won' && d.otherCurrency && inPeriod(d.closedAt, p)).length;
}
function activityCount(
  input: TMetricInput,
  p: TPeriod,
  keep: (kind: string, personalized: boolean | null) => boolean,
) {
  return sum(
    input.facts.activities
      .filter((a) => inPeriod(a.occurredAt, p) && keep(a.kind, a.personalized))
      .map((a) => a.count),
  );
}
const isOutreach = (kind: string) => (OUTREACH_KINDS as readonly string[]).includes(kind);
/** Outreach marked personalized (true) or generic (false) in the period; unmarked outreach counts as neither. */
const outreachMarked = (i: TMetricInput, personalized: boolean) =>
  activityCount(i, i.period, (k, p) => isOutreach(k) && p === personalized);

/**
 * The latest reading of a level metric before an instant (null if none); of two readings at the same instant,
 * the larger, so the answer does not depend on the order the readings come in.
 */
function levelAt(input: TMetricInput, network: string, metric: string, at: Date): number | null {
  let best: { at: number; value: number } | null = null;
  for (const s of input.facts.socialSnapshots) {
    if (s.network !== network || s.metric !== metric || s.at.getTime() >= at.getTime()) continue;
    const t = s.at.getTime();
    if (!best || t > best.at || (t === best.at && s.value > best.value)) best = { at: t, value: s.value };
  }
  return best?.value ?? null;
}
/** The earliest reading of a level metric in a period (the larger of two at the same instant), or null. */
function firstReadingIn(input: TMetricInput, network: string, metric: string, p: TPeriod) {
  let first: { at: number; value: number } | null = null;
  for (const s of input.facts.socialSnapshots) {
    if (s.network !== network || s.metric !== metric || !inPeriod(s.at, p)) continue;
    const t = s.at.getTime();
    if (!first || t < first.at || (t === first.at && s.value > first.value))
      first = { at: t, value: s.value };
  }
  return first;
}
/** The sum of a counted LinkedIn metric logged in the period; null when nothing was logged. */
function loggedSum(logged: TLogged): number | null {
  return logged.n > 0 ? logged.sum : null;
}
function postsIn(input: TMetricInput) {
  return input.facts.socialPosts.filter((p) => inPeriod(p.postedAt, input.period));
}
function attainment(input: Pick<TMetricInput, 'targets'>, id: string, actual: number): number | null {
  const target = input.targets[id];
  return target === undefined || target <= 0 ? null : actual / target;
}
/**
 * A customer's first year, for churn: the 365 days (of 24 hours) from the instant they were won. Churn at
 * exactly 365 days is no longer first-year. (365 days, not 12 calendar months: the same length for every
 * customer, leap year or not, and no time zone needed.)
 */
export const FIRST_YEAR_MS = 365 * DAY_MS;
const inFirstYear = (c: { wonAt: Date }, t: Date) =>
  t.getTime() >= c.wonAt.getTime() && t.getTime() < c.wonAt.getTime() + FIRST_YEAR_MS;

/**
 * First-year churn rate, as of an instant: the cohort is the customers won in the 365 days before it
 * [asOf − 365 days, asOf); of them, the share that churned before asOf and within their first year.
 */
export function firstYearChurnRate(customers: readonly TCustomerFact[], asOf: Date): number | null {
  const cohort = customers.filter(
    (c) => c.wonAt.getTime() >= asOf.getTime() - FIRST_YEAR_MS && c.wonAt.getTime() < asOf.getTime(),
  );
  const churned = cohort.filter((c) => c.churnedAt && c.churnedAt < asOf && inFirstYear(c, c.churnedAt));
  return ratio(churned.length, cohort.length);
}

/**
 * Customers lost in their first year during a period: those whose churn is in the period and within 365 days of
 * their win. null (no data) when no customer was in their first year during the period: none won before its end
 * whose first year had not ended, and who had not churned, by its start (nothing could be lost; not a 0).
 */
export function firstYearChurned(customers: readonly TCustomerFact[], p: TPeriod): number | null {
  const atRisk = customers.filter(
    (c) =>
      c.wonAt < p.end &&
      c.wonAt.getTime() + FIRST_YEAR_MS > p.start.getTime() &&
      (c.churnedAt === null || c.churnedAt >= p.start),
  );
  if (atRisk.length === 0) return null;
  return atRisk.filter((c) => inPeriod(c.churnedAt, p) && inFirstYear(c, c.churnedAt as Date)).length;
}

/** A level metric's first reading in a period, for its growth; null when the period has none. */
export type TLevelFirst = {
  /** The period's earliest reading (the larger of two at the same instant). */
  value: number;
  /** Whether the period has a reading later than that one. */
  later: boolean;
} | null;

/** A counted LinkedIn metric logged in a period: how many readings, and their sum. */
export type TLogged = { n: number; sum: number };

/** Assessments of a period with the same score out of the same maximum, and how many there were. */
export type TScoreGroup = { score: number; maxScore: number; n: number };

/**
 * Per-rep figures of a period that a database can add up (sums, counts, the latest reading before an instant):
 * what every metric but first-year churn is a formula of. The metrics compute them from facts
 * (`periodTotalsFromFacts`); a leaderboard has the store compute them for every rep at once
 * (store/rankings.ts), and both give them to the same formula (`TScalarMetric.totals.value`).
 */
export type TPeriodTotals = {
  /** Σ amount of deals won in the period, in the workspace currency. */
  wonAmount: number;
  /** Deals won in the period whose amount counts (the workspace currency, or no amount). */
  wonWithAmount: number;
  /** Deals won in the period, any currency. */
  wonCount: number;
  /** Σ amount of deals won in the previous period, in the workspace currency. */
  previousWonAmount: number;
  /** Deals opened (created) in the period. */
  created: number;
  /** Deals lost in the period. */
  lost: number;
  /** Deals won or lost in the period. */
  closed: number;
  calls: number;
  emails: number;
  /** Σ count of outreach activities (call, email, linkedin_message). */
  outreach: number;
  /** Σ count of outreach marked personalized. */
  personalized: number;
  /** Σ count of outreach marked generic. */
  generic: number;
  /** Latest LinkedIn followers reading before the period's end (the larger of two at that instant). */
  followersAtEnd: number | null;
  /** Latest LinkedIn followers reading before the period's start. */
  followersAtStart: number | null;
  followersFirst: TLevelFirst;
  profileViewsAtEnd: number | null;
  profileViewsAtStart: number | null;
  profileViewsFirst: TLevelFirst;
  requestsSent: TLogged;
  requestsAccepted: TLogged;
  inquiries: TLogged;
  referrals: TLogged;
  /** Posts (any network) of the period and their engagement. */
  posts: { n: number; shares: number; comments: number; likes: number };
  /** Leads that became MQLs in the period. */
  mqls: number;
  /** Of them, those converted by now. */
  converted: number;
  /** Assessments taken in the period. */
  assessments: number;
  /** Assessments of the period with a maximum above 0, grouped by score and maximum. */
  scores: TScoreGroup[];
  /** The latest assessment (ms) before the period's end and not after now; null if none. */
  lastAssessmentAt: number | null;
  /** Customers won in the period. */
  customersWon: number;
  /** Customers churned in the period. */
  customersLost: number;
};

/** The totals of no facts at all: what a rep without rows in the store has. */
export const NO_TOTALS: TPeriodTotals = {
  wonAmount: 0,
  wonWithAmount: 0,
  wonCount: 0,
  previousWonAmount: 0,
  created: 0,
  lost: 0,
  closed: 0,
  calls: 0,
  emails: 0,
  outreach: 0,
  personalized: 0,
  generic: 0,
  followersAtEnd: null,
  followersAtStart: null,
  followersFirst: null,
  profileViewsAtEnd: null,
  profileViewsAtStart: null,
  profileViewsFirst: null,
  requestsSent: { n: 0, sum: 0 },
  requestsAccepted: { n: 0, sum: 0 },
  inquiries: { n: 0, sum: 0 },
  referrals: { n: 0, sum: 0 },
  posts: { n: 0, shares: 0, comments: 0, likes: 0 },
  mqls: 0,
  converted: 0,
  assessments: 0,
  scores: [],
  lastAssessmentAt: null,
  customersWon: 0,
  customersLost: 0,
};

/** The earliest LinkedIn reading of a metric in the period, and whether a later one follows it. */
function levelFirst(i: TMetricInput, metric: string): TLevelFirst {
  const first = firstReadingIn(i, 'linkedin', metric, i.period);
  if (!first) return null;
  const later = i.facts.socialSnapshots.some(
    (s) =>
      s.network === 'linkedin' &&
      s.metric === metric &&
      inPeriod(s.at, i.period) &&
      s.at.getTime() > first.at,
  );
  return { value: first.value, later };
}
function logged(i: TMetricInput, metric: string): TLogged {
  const xs = i.facts.socialSnapshots.filter(
    (s) => s.network === 'linkedin' && s.metric === metric && inPeriod(s.at, i.period),
  );
  return { n: xs.length, sum: sum(xs.map((s) => s.value)) };
}
/** The instant days since training are counted to: the period's end, or now if sooner. */
const trainingAsOf = (c: { now: Date; period: TPeriod }) => Math.min(c.now.getTime(), c.period.end.getTime());

/** How each total is computed from a rep's facts (the store's queries compute the same, store/rankings.ts). */
const TOTALS_FROM_FACTS: { [K in keyof TPeriodTotals]: (i: TMetricInput) => TPeriodTotals[K] } = {
  wonAmount: (i) => wonTotal(i, i.period),
  wonWithAmount: (i) => wonWithAmount(i, i.period).length,
  wonCount: (i) => wonIn(i, i.period).length,
  previousWonAmount: (i) => wonTotal(i, i.previous),
  created: (i) => i.facts.deals.filter((d) => inPeriod(d.openedAt, i.period)).length,
  lost: (i) => i.facts.deals.filter((d) => d.status === 'lost' && inPeriod(d.closedAt, i.period)).length,
  closed: (i) => i.facts.deals.filter((d) => d.status !== 'open' && inPeriod(d.closedAt, i.period)).length,
  calls: (i) => activityCount(i, i.period, (k) => k === 'call'),
  emails: (i) => activityCount(i, i.period, (k) => k === 'email'),
  outreach: (i) => activityCount(i, i.period, isOutreach),
  personalized: (i) => outreachMarked(i, true),
  generic: (i) => outreachMarked(i, false),
  followersAtEnd: (i) => levelAt(i, 'linkedin', 'followers', i.period.end),
  followersAtStart: (i) => levelAt(i, 'linkedin', 'followers', i.period.start),
  followersFirst: (i) => levelFirst(i, 'followers'),
  profileViewsAtEnd: (i) => levelAt(i, 'linkedin', 'profile_views', i.period.end),
  profileViewsAtStart: (i) => levelAt(i, 'linkedin', 'profile_views', i.period.start),
  profileViewsFirst: (i) => levelFirst(i, 'profile_views'),
  requestsSent: (i) => logged(i, 'requests_sent'),
  requestsAccepted: (i) => logged(i, 'requests_accepted'),
  inquiries: (i) => logged(i, 'inquiries'),
  referrals: (i) => logged(i, 'referrals'),
  posts: (i) => {
    const posts = postsIn(i);
    return {
      n: posts.length,
      shares: sum(posts.map((p) => p.shares)),
      comments: sum(posts.map((p) => p.comments)),
      likes: sum(posts.map((p) => p.likes)),
    };
  },
  mqls: (i) => i.facts.leads.filter((l) => inPeriod(l.mqlAt, i.period)).length,
  converted: (i) =>
    i.facts.leads.filter((l) => inPeriod(l.mqlAt, i.period) && l.convertedAt && l.convertedAt <= i.now)
      .length,
  assessments: (i) => i.facts.training.filter((t) => inPeriod(t.at, i.period)).length,
  scores: (i) => {
    const groups = new Map<string, TScoreGroup>();
    for (const t of i.facts.training) {
      if (!inPeriod(t.at, i.period) || !(t.maxScore > 0)) continue;
      const key = `${t.score}/${t.maxScore}`;
      const g = groups.get(key);
      if (g) g.n += 1;
      else groups.set(key, { score: t.score, maxScore: t.maxScore, n: 1 });
    }
    return [...groups.values()];
  },
  lastAssessmentAt: (i) => {
    const asOf = trainingAsOf(i);
    const last = Math.max(
      ...i.facts.training.map((t) => t.at.getTime()).filter((t) => t <= asOf),
      Number.NEGATIVE_INFINITY,
    );
    return Number.isFinite(last) ? last : null;
  },
  customersWon: (i) => i.facts.customers.filter((c) => inPeriod(c.wonAt, i.period)).length,
  customersLost: (i) => i.facts.customers.filter((c) => inPeriod(c.churnedAt, i.period)).length,
};

/** Some totals of a rep's period, computed from its facts (only those asked for). */
export function periodTotalsFromFacts<K extends keyof TPeriodTotals>(
  input: TMetricInput,
  needs: readonly K[],
): Pick<TPeriodTotals, K> {
  const out = {} as Pick<TPeriodTotals, K>;
  for (const k of needs) out[k] = TOTALS_FROM_FACTS[k](input);
  return out;
}

/** What a formula of totals may read besides them. */
export type TTotalsContext = Pick<TMetricInput, 'period' | 'now' | 'targets'>;

/**
 * The mean of score / maxScore × 100 over assessments: order-independent (groups summed in a fixed order), so
 * the same assessments give the same bits however they were loaded or grouped. null without any.
 */
export function averageScore(groups: readonly TScoreGroup[]): number | null {
  const sorted = [...groups].sort((a, b) => a.score - b.score || a.maxScore - b.maxScore);
  let total = 0;
  let n = 0;
  for (const g of sorted) {
    total += (g.score / g.maxScore) * 100 * g.n;
    n += g.n;
  }
  return ratio(total, n);
}

/**
 * The level at the period's end (latest reading before it) − the level at its start (latest reading before
 * it). Without a reading before the start, growth counts from the period's first reading instead, so a rep who
 * began logging this period still sees how far they came; null when there is no reading before the end, or the
 * period's first reading is its only one (nothing to compare it with).
 */
function levelGrowth(atEnd: number | null, atStart: number | null, first: TLevelFirst): number | null {
  if (atEnd === null) return null;
  if (atStart !== null) return atEnd - atStart;
  return first?.later ? atEnd - first.value : null;
}

/** A metric that is a formula of some period totals: its facts computation goes through the same formula. */
function ofTotals<K extends keyof TPeriodTotals>(
  needs: readonly K[],
  value: (t: Pick<TPeriodTotals, K>, c: TTotalsContext) => number | null,
  opts: { usesTargets?: boolean } = {},
): { compute: TCompute; totals: TTotalsFormula } {
  return {
    compute: (i) => value(periodTotalsFromFacts(i, needs), i),
    totals: { needs, value: value as TTotalsFormula['value'], usesTargets: opts.usesTargets ?? false },
  };
}
const withTargets = { usesTargets: true };

/** The totals a metric is a formula of, and the formula. */
export type TTotalsFormula = {
  needs: readonly (keyof TPeriodTotals)[];
  value: (t: TPeriodTotals, c: TTotalsContext) => number | null;
  /** Whether the formula reads the rep's targets (an attainment), so a caller resolves them first. */
  usesTargets: boolean;
};

/**
 * money: minor units; count: a whole number; share: a fraction shown as a percentage; per: an average per item
 * (e.g. likes per post); times: x for every 1 (created : lost); percent_change; days; score (0-100).
 */
export type TMetricUnit = 'money' | 'count' | 'share' | 'per' | 'times' | 'percent_change' | 'days' | 'score';

export type TScalarMetric = {
  id: string;
  unit: TMetricUnit;
  title: string;
  compute: TCompute;
  /** When the metric is a formula of period totals (all but first-year churn): which, and the formula. */
  totals?: TTotalsFormula;
};

/** Every scalar metric, in display order. Ids are stable: never rename one once released. */
export const SCALAR_METRICS: TScalarMetric[] = [
  /** Σ amount of deals won with closedAt in the period, in the workspace currency (others are left out). */
  {
    id: 'sales.won_total',
    unit: 'money',
    title: 'Won revenue',
    ...ofTotals(['wonAmount'], (t) => t.wonAmount),
  },
  /** Count of deals won with closedAt in the period. */
  { id: 'sales.won_count', unit: 'count', title: 'Deals won', ...ofTotals(['wonCount'], (t) => t.wonCount) },
  /** won_total / deals won in the workspace currency; null when none was won in it. */
  {
    id: 'sales.avg_deal_size',
    unit: 'money',
    title: 'Average deal size',
    ...ofTotals(['wonAmount', 'wonWithAmount'], (t) => ratio(t.wonAmount, t.wonWithAmount)),
  },
  /** won_total / target(sales.won_total); null without a target. */
  {
    id: 'sales.target_attainment',
    unit: 'share',
    title: 'Sales vs target',
    ...ofTotals(['wonAmount'], (t, c) => attainment(c, 'sales.won_total', t.wonAmount), withTargets),
  },
  /** (won_total − won_total of the previous period) / won_total of the previous period; null when that was 0. */
  {
    id: 'sales.change_vs_previous',
    unit: 'percent_change',
    title: 'Sales vs previous period',
    ...ofTotals(['wonAmount', 'previousWonAmount'], (t) => {
      const before = t.previousWonAmount;
      return before === 0 ? null : (t.wonAmount - before) / before;
    }),
  },
  /** Count of deals with openedAt in the period. */
  {
    id: 'opportunities.created',
    unit: 'count',
    title: 'Opportunities created',
    ...ofTotals(['created'], (t) => t.created),
  },
  /** Count of deals lost with closedAt in the period. */
  {
    id: 'opportunities.lost',
    unit: 'count',
    title: 'Opportunities lost',
    ...ofTotals(['lost'], (t) => t.lost),
  },
  /** created / lost; null when none was lost. */
  {
    id: 'opportunities.created_to_lost_ratio',
    unit: 'times',
    title: 'Created : lost',
    ...ofTotals(['created', 'lost'], (t) => ratio(t.created, t.lost)),
  },
  /** won / (won + lost), both by closedAt in the period; null when nothing closed. */
  {
    id: 'opportunities.win_rate',
    unit: 'share',
    title: 'Win rate',
    ...ofTotals(['wonCount', 'closed'], (t) => ratio(t.wonCount, t.closed)),
  },
  /** Σ count of call activities in the period. */
  {
    id: 'outreach.calls',
    unit: 'count',
    title: 'Calls',
    ...ofTotals(['calls'], (t) => t.calls),
  },
  /** Σ count of email activities in the period. */
  {
    id: 'outreach.emails',
    unit: 'count',
    title: 'Emails',
    ...ofTotals(['emails'], (t) => t.emails),
  },
  /** Σ count of outreach activities (call, email, linkedin_message) in the period. */
  {
    id: 'outreach.total',
    unit: 'count',
    title: 'Outreach',
    ...ofTotals(['outreach'], (t) => t.outreach),
  },
  /** outreach.total / target(outreach.total); null without a target. */
  {
    id: 'outreach.target_attainment',
    unit: 'share',
    title: 'Outreach vs target',
    ...ofTotals(['outreach'], (t, c) => attainment(c, 'outreach.total', t.outreach), withTargets),
  },
  /** Latest LinkedIn followers reading before the period's end; null if none. */
  {
    id: 'linkedin.followers',
    unit: 'count',
    title: 'LinkedIn followers',
    ...ofTotals(['followersAtEnd'], (t) => t.followersAtEnd),
  },
  /** followers at the period's end − at its start, or since the period's first reading (growth). */
  {
    id: 'linkedin.followers_growth',
    unit: 'count',
    title: 'Follower growth',
    ...ofTotals(['followersAtEnd', 'followersAtStart', 'followersFirst'], (t) =>
      levelGrowth(t.followersAtEnd, t.followersAtStart, t.followersFirst),
    ),
  },
  /**
   * min(Σ requests_accepted, Σ requests_sent) / Σ requests_sent, both logged in the period: at most 100%.
   * Acceptances are logged when they arrive and some answer requests sent in an earlier period (the log does not
   * say which), so a period can log more acceptances than requests; it reads 100%, never more. null when none
   * were sent.
   */
  {
    id: 'linkedin.connection_acceptance_rate',
    unit: 'share',
    title: 'Connection acceptance',
    ...ofTotals(['requestsSent', 'requestsAccepted'], (t) => {
      const sent = t.requestsSent.sum;
      if (!(sent > 0)) return null;
      const accepted = t.requestsAccepted.sum;
      return Math.min(Math.max(accepted, 0), sent) / sent;
    }),
  },
  /** Σ inquiries logged in the period; null when nothing was logged. */
  {
    id: 'linkedin.inbound_inquiries',
    unit: 'count',
    title: 'LinkedIn inquiries',
    ...ofTotals(['inquiries'], (t) => loggedSum(t.inquiries)),
  },
  /** Σ referrals logged in the period; null when nothing was logged. */
  {
    id: 'linkedin.referrals',
    unit: 'count',
    title: 'LinkedIn referrals',
    ...ofTotals(['referrals'], (t) => loggedSum(t.referrals)),
  },
  /** Latest profile-views reading before the period's end (LinkedIn's own rolling count); null if none. */
  {
    id: 'linkedin.profile_views',
    unit: 'count',
    title: 'Profile views',
    ...ofTotals(['profileViewsAtEnd'], (t) => t.profileViewsAtEnd),
  },
  /** profile views at the period's end − at its start, or since the period's first reading (growth). */
  {
    id: 'linkedin.profile_views_growth',
    unit: 'count',
    title: 'Profile views growth',
    ...ofTotals(['profileViewsAtEnd', 'profileViewsAtStart', 'profileViewsFirst'], (t) =>
      levelGrowth(t.profileViewsAtEnd, t.profileViewsAtStart, t.profileViewsFirst),
    ),
  },
  /** Count of posts (any network) with postedAt in the period. */
  { id: 'social.posts', unit: 'count', title: 'Posts', ...ofTotals(['posts'], (t) => t.posts.n) },
  /** Σ shares / posts, posts of the period; null without posts. */
  {
    id: 'social.shares_per_post',
    unit: 'per',
    title: 'Shares per post',
    ...ofTotals(['posts'], (t) => ratio(t.posts.shares, t.posts.n)),
  },
  /** Σ comments / posts; null without posts. */
  {
    id: 'social.comments_per_post',
    unit: 'per',
    title: 'Comments per post',
    ...ofTotals(['posts'], (t) => ratio(t.posts.comments, t.posts.n)),
  },
  /** Σ likes / posts; null without posts. */
  {
    id: 'social.likes_per_post',
    unit: 'per',
    title: 'Likes per post',
    ...ofTotals(['posts'], (t) => ratio(t.posts.likes, t.posts.n)),
  },
  /** Count of leads with mqlAt in the period. */
  {
    id: 'conversion.mqls',
    unit: 'count',
    title: 'MQLs received',
    ...ofTotals(['mqls'], (t) => t.mqls),
  },
  /** Of the MQLs received in the period, how many have converted to customers (by now). */
  {
    id: 'conversion.converted',
    unit: 'count',
    title: 'MQLs converted',
    ...ofTotals(['converted'], (t) => t.converted),
  },
  /** converted / mqls (the period's MQL cohort); null without MQLs. */
  {
    id: 'conversion.rate',
    unit: 'share',
    title: 'MQL → customer',
    ...ofTotals(['converted', 'mqls'], (t) => ratio(t.converted, t.mqls)),
  },
  /** Mean of score / maxScore × 100 over assessments taken in the period; null without any. */
  {
    id: 'expertise.avg_score',
    unit: 'score',
    title: 'Average assessment score',
    ...ofTotals(['scores'], (t) => averageScore(t.scores)),
  },
  /** Count of quizzes and mock pitches taken in the period. */
  {
    id: 'expertise.assessments',
    unit: 'count',
    title: 'Assessments taken',
    ...ofTotals(['assessments'], (t) => t.assessments),
  },
  /** Whole days from the latest assessment to min(now, period end); null if none before then. */
  {
    id: 'expertise.days_since_training',
    unit: 'days',
    title: 'Days since last training',
    ...ofTotals(['lastAssessmentAt'], (t, c) =>
      t.lastAssessmentAt === null ? null : Math.floor((trainingAsOf(c) - t.lastAssessmentAt) / DAY_MS),
    ),
  },
  /** Σ count of outreach activities marked personalized in the period. */
  {
    id: 'personalization.personalized',
    unit: 'count',
    title: 'Personalized outreach',
    ...ofTotals(['personalized'], (t) => t.personalized),
  },
  /** Σ count of outreach activities marked generic in the period. */
  {
    id: 'personalization.generic',
    unit: 'count',
    title: 'Generic outreach',
    ...ofTotals(['generic'], (t) => t.generic),
  },
  /** personalized / (personalized + generic); outreach not marked either way is left out; null when none is marked. */
  {
    id: 'personalization.share',
    unit: 'share',
    title: 'Personalized share',
    ...ofTotals(['personalized', 'generic'], (t) => ratio(t.personalized, t.personalized + t.generic)),
  },
  /** personalized / target(personalization.personalized); the article's default target is 50 a month. */
  {
    id: 'personalization.target_attainment',
    unit: 'share',
    title: 'Personalized vs target',
    ...ofTotals(
      ['personalized'],
      (t, c) => attainment(c, 'personalization.personalized', t.personalized),
      withTargets,
    ),
  },
  /** Count of customers with wonAt in the period. */
  {
    id: 'churn.customers_won',
    unit: 'count',
    title: 'Customers won',
    ...ofTotals(['customersWon'], (t) => t.customersWon),
  },
  /** Customers with churnedAt in the period within 365 days of wonAt; null when none was in its first year. */
  {
    id: 'churn.first_year_churned',
    unit: 'count',
    title: 'Lost in first year',
    compute: (i) => firstYearChurned(i.facts.customers, i.period),
  },
  /**
   * Trailing 365-day cohort: of the customers won in the 365 days before the period's end (or now, if sooner),
   * the share that churned within 365 days of being won, by then (firstYearChurnRate). null when none were won.
   */
  {
    id: 'churn.first_year_churn_rate',
    unit: 'share',
    title: 'First-year churn rate',
    compute: (i) =>
      firstYearChurnRate(i.facts.customers, new Date(Math.min(i.now.getTime(), i.period.end.getTime()))),
  },
  /** Count of customers with churnedAt in the period, whatever their tenure. */
  {
    id: 'churn.customers_lost',
    unit: 'count',
    title: 'Customers lost',
    ...ofTotals(['customersLost'], (t) => t.customersLost),
  },
];

/** Computes every scalar metric: id -> value (null = no data). */
export function computeScalarMetrics(input: TMetricInput): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const m of SCALAR_METRICS) out[m.id] = m.compute(input);
  return out;
}

/** Metrics where less is better: leaderboards rank them lowest first. */
export const LOWER_IS_BETTER = new Set([
  'opportunities.lost',
  'expertise.days_since_training',
  'personalization.generic',
  'churn.first_year_churned',
  'churn.first_year_churn_rate',
  'churn.customers_lost',
]);
