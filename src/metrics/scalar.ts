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
/** The sum of readings of a counted metric within a period. */
function countedIn(input: TMetricInput, network: string, metric: string, p: TPeriod): number {
  return sum(
    input.facts.socialSnapshots
      .filter((s) => s.network === network && s.metric === metric && inPeriod(s.at, p))
      .map((s) => s.value),
  );
}
function hasReadings(input: TMetricInput, network: string, metric: string, p: TPeriod): boolean {
  return input.facts.socialSnapshots.some(
    (s) => s.network === network && s.metric === metric && inPeriod(s.at, p),
  );
}
/** The sum of a counted LinkedIn metric logged in the period; null when nothing was logged. */
function loggedSum(input: TMetricInput, metric: string): number | null {
  return hasReadings(input, 'linkedin', metric, input.period)
    ? countedIn(input, 'linkedin', metric, input.period)
    : null;
}
/**
 * The level at the period's end (latest reading before it) − the level at its start (latest reading before
 * it). Without a reading before the start, growth counts from the period's first reading instead, so a rep who
 * began logging this period still sees how far they came; null when there is no reading before the end, or the
 * period's first reading is its only one (nothing to compare it with).
 */
function growth(input: TMetricInput, metric: string): number | null {
  const end = levelAt(input, 'linkedin', metric, input.period.end);
  if (end === null) return null;
  const start = levelAt(input, 'linkedin', metric, input.period.start);
  if (start !== null) return end - start;
  const first = firstReadingIn(input, 'linkedin', metric, input.period);
  if (!first) return null;
  const later = input.facts.socialSnapshots.some(
    (s) =>
      s.network === 'linkedin' &&
      s.metric === metric &&
      inPeriod(s.at, input.period) &&
      s.at.getTime() > first.at,
  );
  return later ? end - first.value : null;
}
function postsIn(input: TMetricInput) {
  return input.facts.socialPosts.filter((p) => inPeriod(p.postedAt, input.period));
}
function attainment(input: TMetricInput, id: string, actual: number): number | null {
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

/**
 * money: minor units; count: a whole number; share: a fraction shown as a percentage; per: an average per item
 * (e.g. likes per post); times: x for every 1 (created : lost); percent_change; days; score (0-100).
 */
export type TMetricUnit = 'money' | 'count' | 'share' | 'per' | 'times' | 'percent_change' | 'days' | 'score';

export type TScalarMetric = { id: string; unit: TMetricUnit; title: string; compute: TCompute };

/** Every scalar metric, in display order. Ids are stable: never rename one once released. */
export const SCALAR_METRICS: TScalarMetric[] = [
  /** Σ amount of deals won with closedAt in the period, in the workspace currency (others are left out). */
  { id: 'sales.won_total', unit: 'money', title: 'Won revenue', compute: (i) => wonTotal(i, i.period) },
  /** Count of deals won with closedAt in the period. */
  { id: 'sales.won_count', unit: 'count', title: 'Deals won', compute: (i) => wonIn(i, i.period).length },
  /** won_total / deals won in the workspace currency; null when none was won in it. */
  {
    id: 'sales.avg_deal_size',
    unit: 'money',
    title: 'Average deal size',
    compute: (i) => ratio(wonTotal(i, i.period), wonWithAmount(i, i.period).length),
  },
  /** won_total / target(sales.won_total); null without a target. */
  {
    id: 'sales.target_attainment',
    unit: 'share',
    title: 'Sales vs target',
    compute: (i) => attainment(i, 'sales.won_total', wonTotal(i, i.period)),
  },
  /** (won_total − won_total of the previous period) / won_total of the previous period; null when that was 0. */
  {
    id: 'sales.change_vs_previous',
    unit: 'percent_change',
    title: 'Sales vs previous period',
    compute: (i) => {
      const before = wonTotal(i, i.previous);
      return before === 0 ? null : (wonTotal(i, i.period) - before) / before;
    },
  },
  /** Count of deals with openedAt in the period. */
  {
    id: 'opportunities.created',
    unit: 'count',
    title: 'Opportunities created',
    compute: (i) => i.facts.deals.filter((d) => inPeriod(d.openedAt, i.period)).length,
  },
  /** Count of deals lost with closedAt in the period. */
  {
    id: 'opportunities.lost',
    unit: 'count',
    title: 'Opportunities lost',
    compute: (i) => i.facts.deals.filter((d) => d.status === 'lost' && inPeriod(d.closedAt, i.period)).length,
  },
  /** created / lost; null when none was lost. */
  {
    id: 'opportunities.created_to_lost_ratio',
    unit: 'times',
    title: 'Created : lost',
    compute: (i) =>
      ratio(
        i.facts.deals.filter((d) => inPeriod(d.openedAt, i.period)).length,
        i.facts.deals.filter((d) => d.status === 'lost' && inPeriod(d.closedAt, i.period)).length,
      ),
  },
  /** won / (won + lost), both by closedAt in the period; null when nothing closed. */
  {
    id: 'opportunities.win_rate',
    unit: 'share',
    title: 'Win rate',
    compute: (i) => {
      const closed = i.facts.deals.filter((d) => d.status !== 'open' && inPeriod(d.closedAt, i.period));
      return ratio(closed.filter((d) => d.status === 'won').length, closed.length);
    },
  },
  /** Σ count of call activities in the period. */
  {
    id: 'outreach.calls',
    unit: 'count',
    title: 'Calls',
    compute: (i) => activityCount(i, i.period, (k) => k === 'call'),
  },
  /** Σ count of email activities in the period. */
  {
    id: 'outreach.emails',
    unit: 'count',
    title: 'Emails',
    compute: (i) => activityCount(i, i.period, (k) => k === 'email'),
  },
  /** Σ count of outreach activities (call, email, linkedin_message) in the period. */
  {
    id: 'outreach.total',
    unit: 'count',
    title: 'Outreach',
    compute: (i) => activityCount(i, i.period, isOutreach),
  },
  /** outreach.total / target(outreach.total); null without a target. */
  {
    id: 'outreach.target_attainment',
    unit: 'share',
    title: 'Outreach vs target',
    compute: (i) => attainment(i, 'outreach.total', activityCount(i, i.period, isOutreach)),
  },
  /** Latest LinkedIn followers reading before the period's end; null if none. */
  {
    id: 'linkedin.followers',
    unit: 'count',
    title: 'LinkedIn followers',
    compute: (i) => levelAt(i, 'linkedin', 'followers', i.period.end),
  },
  /** followers at the period's end − at its start, or since the period's first reading (growth). */
  {
    id: 'linkedin.followers_growth',
    unit: 'count',
    title: 'Follower growth',
    compute: (i) => growth(i, 'followers'),
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
    compute: (i) => {
      const sent = countedIn(i, 'linkedin', 'requests_sent', i.period);
      if (!(sent > 0)) return null;
      const accepted = countedIn(i, 'linkedin', 'requests_accepted', i.period);
      return Math.min(Math.max(accepted, 0), sent) / sent;
    },
  },
  /** Σ inquiries logged in the period; null when nothing was logged. */
  {
    id: 'linkedin.inbound_inquiries',
    unit: 'count',
    title: 'LinkedIn inquiries',
    compute: (i) => loggedSum(i, 'inquiries'),
  },
  /** Σ referrals logged in the period; null when nothing was logged. */
  {
    id: 'linkedin.referrals',
    unit: 'count',
    title: 'LinkedIn referrals',
    compute: (i) => loggedSum(i, 'referrals'),
  },
  /** Latest profile-views reading before the period's end (LinkedIn's own rolling count); null if none. */
  {
    id: 'linkedin.profile_views',
    unit: 'count',
    title: 'Profile views',
    compute: (i) => levelAt(i, 'linkedin', 'profile_views', i.period.end),
  },
  /** profile views at the period's end − at its start, or since the period's first reading (growth). */
  {
    id: 'linkedin.profile_views_growth',
    unit: 'count',
    title: 'Profile views growth',
    compute: (i) => growth(i, 'profile_views'),
  },
  /** Count of posts (any network) with postedAt in the period. */
  { id: 'social.posts', unit: 'count', title: 'Posts', compute: (i) => postsIn(i).length },
  /** Σ shares / posts, posts of the period; null without posts. */
  {
    id: 'social.shares_per_post',
    unit: 'per',
    title: 'Shares per post',
    compute: (i) => ratio(sum(postsIn(i).map((p) => p.shares)), postsIn(i).length),
  },
  /** Σ comments / posts; null without posts. */
  {
    id: 'social.comments_per_post',
    unit: 'per',
    title: 'Comments per post',
    compute: (i) => ratio(sum(postsIn(i).map((p) => p.comments)), postsIn(i).length),
  },
  /** Σ likes / posts; null without posts. */
  {
    id: 'social.likes_per_post',
    unit: 'per',
    title: 'Likes per post',
    compute: (i) => ratio(sum(postsIn(i).map((p) => p.likes)), postsIn(i).length),
  },
  /** Count of leads with mqlAt in the period. */
  {
    id: 'conversion.mqls',
    unit: 'count',
    title: 'MQLs received',
    compute: (i) => i.facts.leads.filter((l) => inPeriod(l.mqlAt, i.period)).length,
  },
  /** Of the MQLs received in the period, how many have converted to customers (by now). */
  {
    id: 'conversion.converted',
    unit: 'count',
    title: 'MQLs converted',
    compute: (i) =>
      i.facts.leads.filter((l) => inPeriod(l.mqlAt, i.period) && l.convertedAt && l.convertedAt <= i.now)
        .length,
  },
  /** converted / mqls (the period's MQL cohort); null without MQLs. */
  {
    id: 'conversion.rate',
    unit: 'share',
    title: 'MQL → customer',
    compute: (i) => {
      const cohort = i.facts.leads.filter((l) => inPeriod(l.mqlAt, i.period));
      return ratio(cohort.filter((l) => l.convertedAt && l.convertedAt <= i.now).length, cohort.length);
    },
  },
  /** Mean of score / maxScore × 100 over assessments taken in the period; null without any. */
  {
    id: 'expertise.avg_score',
    unit: 'score',
    title: 'Average assessment score',
    compute: (i) => {
      const taken = i.facts.training.filter((t) => inPeriod(t.at, i.period) && t.maxScore > 0);
      return ratio(sum(taken.map((t) => (t.score / t.maxScore) * 100)), taken.length);
    },
  },
  /** Count of quizzes and mock pitches taken in the period. */
  {
    id: 'expertise.assessments',
    unit: 'count',
    title: 'Assessments taken',
    compute: (i) => i.facts.training.filter((t) => inPeriod(t.at, i.period)).length,
  },
  /** Whole days from the latest assessment to min(now, period end); null if none before then. */
  {
    id: 'expertise.days_since_training',
    unit: 'days',
    title: 'Days since last training',
    compute: (i) => {
      const asOf = Math.min(i.now.getTime(), i.period.end.getTime());
      const last = Math.max(
        ...i.facts.training.map((t) => t.at.getTime()).filter((t) => t <= asOf),
        Number.NEGATIVE_INFINITY,
      );
      return Number.isFinite(last) ? Math.floor((asOf - last) / DAY_MS) : null;
    },
  },
  /** Σ count of outreach activities marked personalized in the period. */
  {
    id: 'personalization.personalized',
    unit: 'count',
    title: 'Personalized outreach',
    compute: (i) => outreachMarked(i, true),
  },
  /** Σ count of outreach activities marked generic in the period. */
  {
    id: 'personalization.generic',
    unit: 'count',
    title: 'Generic outreach',
    compute: (i) => outreachMarked(i, false),
  },
  /** personalized / (personalized + generic); outreach not marked either way is left out; null when none is marked. */
  {
    id: 'personalization.share',
    unit: 'share',
    title: 'Personalized share',
    compute: (i) => {
      const yes = outreachMarked(i, true);
      const no = outreachMarked(i, false);
      return ratio(yes, yes + no);
    },
  },
  /** personalized / target(personalization.personalized); the article's default target is 50 a month. */
  {
    id: 'personalization.target_attainment',
    unit: 'share',
    title: 'Personalized vs target',
    compute: (i) => attainment(i, 'personalization.personalized', outreachMarked(i, true)),
  },
  /** Count of customers with wonAt in the period. */
  {
    id: 'churn.customers_won',
    unit: 'count',
    title: 'Customers won',
    compute: (i) => i.facts.customers.filter((c) => inPeriod(c.wonAt, i.period)).length,
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
    compute: (i) => i.facts.customers.filter((c) => inPeriod(c.churnedAt, i.period)).length,
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
