import type { TBottleneck } from './funnel.js';
import { median as medianOrNull } from './stats.js';

/** Median with an empty list read as 0: a baseline with no periods is refused as insufficient anyway. */
const median = (xs: number[]) => medianOrNull(xs) ?? 0;

/**
 * Decline diagnosis: is a rep's sales really declining against their own baseline, and if so, why? Pure and
 * explainable: every conclusion carries the numbers it rests on.
 *
 * Verdict: the current period's won revenue is compared with the median of the rep's trailing periods (the
 * baseline). It is "declining" only when (1) the baseline has at least MIN_BASELINE_PERIODS periods and
 * MIN_BASELINE_DEALS won deals, (2) revenue fell at least DECLINE_THRESHOLD (20%) below the baseline, and
 * (3) the fall is larger than the rep's normal month-to-month spread (1.4826 × the median absolute deviation of
 * the baseline), so one quiet month in a lumpy pipeline is not called a decline.
 *
 * Attribution: revenue = deals won × average deal size, so ln(current / baseline) splits exactly into a
 * deal-count part and a deal-size part. When fewer deals dominate, the deal count is traced further back: a
 * lower win rate (closing less of what was worked), or less pipeline created; less pipeline is traced to lower
 * outreach volume or less personalized outreach; a funnel bottleneck, when one is found, is named as the stage
 * where deals get stuck.
 */

/** One period of a rep's history (a month, usually). null = no data. */
export type TPeriodSnapshot = {
  key: string;
  wonTotal: number;
  wonCount: number;
  winRate: number | null;
  created: number;
  outreach: number;
  personalized: number;
};

export type TDriver =
  | 'fewer_deals_win_rate'
  | 'fewer_deals_pipeline'
  | 'outreach_volume'
  | 'personalization'
  | 'stuck_stage'
  | 'fewer_deals'
  | 'smaller_deals';

export type TDiagnosis = {
  verdict: 'declining' | 'not_declining' | 'insufficient_data';
  current: TPeriodSnapshot;
  baseline: {
    periods: string[];
    wonTotal: number;
    wonCount: number;
    avgDealSize: number | null;
    winRate: number | null;
    created: number;
    outreach: number;
    personalized: number;
  };
  /** (current − baseline) / baseline of won revenue; null without a baseline. */
  change: number | null;
  /** Share of the revenue change due to fewer deals (the rest: deal size), when both are measurable. */
  countShare: number | null;
  driver: TDriver | null;
  /**
   * For `insufficient_data`: the rule that was not met, with what the rep has and what it needs: full periods
   * since the rep's record began (`periods`), won deals in them (`deals`), or a usual above zero
   * (`usual_above_zero`: have = periods with nothing won, need = the most that still leave a median above zero,
   * half of them rounded down). null (or absent) when there is a verdict.
   */
  shortOf?: { rule: 'periods' | 'deals' | 'usual_above_zero'; have: number; need: number } | null;
  /** Plain words for a manager: what changed, the numbers, the likely reason, a next step. */
  explanation: string;
};

/**
 * Where the usual comes from, for the words of a diagnosis without one: the kind of period ("month"), the
 * period diagnosed ("August 2017"), and the period the rep's first fact falls in ("March 2017"; null when the
 * rep has nothing on record up to the end of the period diagnosed).
 */
export type TUsualContext = {
  unit: string;
  periodLabel: string;
  since: string | null;
  /** The rep's first fact is in the period diagnosed itself. */
  newThisPeriod: boolean;
  /**
   * Set when the usual starts later than the rep's record because the workspace's record of closed deals begins
   * later (history imported from that month on): the period that record begins in ("March 2017").
   */
  closesSince?: string | null;
};

/**
 * The earlier periods a rep's usual is taken from: those that start at or after the rep's first fact (the
 * earliest deal, activity, lead, post, reading, assessment or customer). The period the first fact falls in is
 * partial (the rep was not there for all of it) and is left out, and so is every period before it: a month
 * before a rep had any data is not a month of zero sales. No first fact: no period.
 */
export function usualPeriods<T extends { start: Date }>(earlier: T[], firstFactAt: Date | null): T[] {
  if (!firstFactAt) return [];
  return earlier.filter((p) => p.start.getTime() >= firstFactAt.getTime());
}

export const MIN_BASELINE_PERIODS = 3;
export const MIN_BASELINE_DEALS = 6;
export const DECLINE_THRESHOLD = 0.2;
/** A secondary factor counts as a driver when it fell at least this much against its baseline. */
export const FACTOR_DROP = 0.15;

const drop = (current: number | null, base: number | null) =>
  current === null || base === null || base <= 0 ? null : (base - current) / base;
const pct = (x: number) => `${Math.round(x * 100)}%`;
/** `1 deal`, `2 deals`. */
const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
/** A median of counts as people read it: whole as it is, between two counts described ("17–18"), never "17.5". */
const usualCount = (n: number) => (Number.isInteger(n) ? `${n}` : `${Math.floor(n)}–${Math.ceil(n)}`);

/**
 * Diagnoses the current period against the trailing ones (oldest first): the periods of the rep's usual, so
 * only those since the rep's record began (usualPeriods). `formatMoney` renders amounts in the workspace
 * currency; `bottleneck` is the rep's funnel bottleneck, if any; `usual` names the periods for the words said
 * when there is too little history.
 */
export function diagnoseDecline(
  current: TPeriodSnapshot,
  trailing: TPeriodSnapshot[],
  opts: {
    formatMoney: (minor: number) => string;
    bottleneck?: TBottleneck | null;
    repName: string;
    usual?: TUsualContext;
  },
): TDiagnosis {
  const winRates = trailing.map((t) => t.winRate).filter((r): r is number => r !== null);
  const baseline = {
    periods: trailing.map((t) => t.key),
    wonTotal: median(trailing.map((t) => t.wonTotal)),
    wonCount: median(trailing.map((t) => t.wonCount)),
    avgDealSize: null as number | null,
    winRate: winRates.length ? median(winRates) : null,
    created: median(trailing.map((t) => t.created)),
    outreach: median(trailing.map((t) => t.outreach)),
    personalized: median(trailing.map((t) => t.personalized)),
  };
  const sizes = trailing.filter((t) => t.wonCount > 0).map((t) => t.wonTotal / t.wonCount);
  baseline.avgDealSize = sizes.length ? median(sizes) : null;
  const money = opts.formatMoney;
  const base = { current, baseline, countShare: null, driver: null, shortOf: null };
  const totalDeals = trailing.reduce((a, t) => a + t.wonCount, 0);
  const short = insufficient(trailing, totalDeals, baseline.wonTotal, opts);
  if (short) {
    return { ...base, verdict: 'insufficient_data', change: null, ...short };
  }
  const change = (current.wonTotal - baseline.wonTotal) / baseline.wonTotal;
  const spread = 1.4826 * median(trailing.map((t) => Math.abs(t.wonTotal - baseline.wonTotal)));
  const fall = baseline.wonTotal - current.wonTotal;
  if (change > -DECLINE_THRESHOLD || fall <= spread) {
    const how =
      change >= DECLINE_THRESHOLD
        ? `${pct(change)} above their usual`
        : change > -DECLINE_THRESHOLD
          ? 'within normal variation of their usual'
          : `${pct(-change)} below their usual, but within their normal spread from period to period (${money(spread)}) of`;
    return {
      ...base,
      verdict: 'not_declining',
      change,
      explanation: `${opts.repName} won ${money(current.wonTotal)} in ${current.key}: ${how} ${money(baseline.wonTotal)} (median of ${trailing.length} periods).`,
    };
  }

  // Exact split of the log change into deal count and deal size, when both are positive.
  let countShare: number | null = null;
  const currentAvg = current.wonCount > 0 ? current.wonTotal / current.wonCount : null;
  if (current.wonCount > 0 && baseline.wonCount > 0 && currentAvg && baseline.avgDealSize) {
    const countPart = Math.log(current.wonCount / baseline.wonCount);
    const sizePart = Math.log(currentAvg / baseline.avgDealSize);
    const total = countPart + sizePart;
    countShare = total === 0 ? null : countPart / total;
  } else if (current.wonCount === 0) {
    countShare = 1;
  }

  const facts: string[] = [
    `won ${plural(current.wonCount, 'deal')} for ${money(current.wonTotal)} in ${current.key}, ${pct(-change)} below the usual ${money(baseline.wonTotal)} (${usualCount(baseline.wonCount)} deals, median of ${trailing.length} periods)`,
  ];
  let driver: TDriver;
  let reason: string;
  let step: string;
  if (countShare !== null && countShare < 0.5 && currentAvg !== null && baseline.avgDealSize) {
    driver = 'smaller_deals';
    // "Held up" only when it did: the count not materially lower than usual (the same FACTOR_DROP a secondary
    // factor needs to count as a driver); else the fall in count is said with its numbers.
    const countDrop = drop(current.wonCount, baseline.wonCount);
    const count =
      countDrop !== null && countDrop >= FACTOR_DROP
        ? `and fewer deals were won (${current.wonCount} against ${usualCount(baseline.wonCount)})`
        : 'while the number of deals held up';
    reason = `smaller deals: the average won deal fell from ${money(baseline.avgDealSize)} to ${money(currentAvg)}, ${count}`;
    step =
      'Review recent discounts and deal scope in a 1:1; check whether the rep is being pulled toward smaller accounts.';
  } else {
    const winRateDrop = drop(current.winRate, baseline.winRate);
    const createdDrop = drop(current.created, baseline.created);
    const outreachDrop = drop(current.outreach, baseline.outreach);
    const personalizedDrop = drop(current.personalized, baseline.personalized);
    if (opts.bottleneck) {
      const b = opts.bottleneck;
      driver = 'stuck_stage';
      reason =
        b.reason === 'conversion'
          ? `deals stall at "${b.stage}": ${pct(b.rep)} move on against ${pct(b.team)} for the team (${b.sample} deals)`
          : `deals sit in "${b.stage}" for ${b.rep.toFixed(1)} days against ${b.team.toFixed(1)} for the team (${b.sample} deals)`;
      step = `Go through the deals in "${b.stage}" together and agree the next step for each.`;
    } else if (
      winRateDrop !== null &&
      winRateDrop >= FACTOR_DROP &&
      (createdDrop === null || winRateDrop >= createdDrop)
    ) {
      driver = 'fewer_deals_win_rate';
      reason = `a lower win rate: ${pct(current.winRate ?? 0)} of closed deals won against ${pct(baseline.winRate ?? 0)} usually, so more of the pipeline is being lost`;
      step =
        'Listen to recorded calls of recently lost deals together and pick one thing to change in the pitch.';
    } else if (createdDrop !== null && createdDrop >= FACTOR_DROP) {
      if (outreachDrop !== null && outreachDrop >= FACTOR_DROP) {
        driver = 'outreach_volume';
        reason = `less prospecting: ${current.outreach} outreach activities against ${usualCount(baseline.outreach)} usually, and ${current.created} new opportunities against ${usualCount(baseline.created)}`;
        step = 'Agree a weekly outreach target and block prospecting time in the calendar.';
      } else if (personalizedDrop !== null && personalizedDrop >= FACTOR_DROP) {
        driver = 'personalization';
        reason = `less personalized outreach: ${current.personalized} personalized touches against ${usualCount(baseline.personalized)} usually, and ${current.created} new opportunities against ${usualCount(baseline.created)}`;
        step = 'Review a few recent emails together and rework the templates into personal messages.';
      } else {
        driver = 'fewer_deals_pipeline';
        // "Outreach held up" only where outreach is recorded at all: with none, nothing is known of it.
        const outreach =
          current.outreach === 0 && baseline.outreach === 0
            ? 'no outreach is recorded to say why'
            : 'though outreach held up';
        reason = `a thinner pipeline: ${current.created} new opportunities against ${usualCount(baseline.created)} usually, ${outreach}`;
        step =
          'Check the quality of the leads being worked and where new opportunities are expected to come from.';
      }
    } else {
      driver = 'fewer_deals';
      reason = `fewer deals closed (${current.wonCount} against ${usualCount(baseline.wonCount)} usually), with win rate and pipeline near their usual levels; possibly timing`;
      step = 'Look at the deals expected to close next month before drawing conclusions.';
    }
  }
  return {
    ...base,
    verdict: 'declining',
    change,
    countShare,
    driver,
    explanation: `${opts.repName} ${facts[0]}. Most likely cause: ${reason}. Suggested next step: ${step}`,
  };
}

/**
 * Why there is no verdict, if there is none: the first rule of the usual that is not met, stated with the
 * numbers that fall short. Each sentence says only that one thing (the view puts its own heading before it).
 */
function insufficient(
  trailing: TPeriodSnapshot[],
  totalDeals: number,
  usualWon: number,
  opts: { formatMoney: (minor: number) => string; repName: string; usual?: TUsualContext },
): Pick<TDiagnosis, 'shortOf' | 'explanation'> | null {
  const u = opts.usual ?? { unit: 'period', periodLabel: 'this period', since: null, newThisPeriod: false };
  const name = opts.repName;
  const n = trailing.length;
  if (n < MIN_BASELINE_PERIODS) {
    const needs = `a usual needs at least ${plural(MIN_BASELINE_PERIODS, `full ${u.unit}`)} of record`;
    const explanation = u.closesSince
      ? `${name} has ${n === 0 ? `no full ${u.unit}` : plural(n, `full ${u.unit}`)} of closed deals on record before ${u.periodLabel}: KPI Bot's record of closed deals begins in ${u.closesSince} (a ${u.unit} it covers only in part is left out), and ${needs}.`
      : !opts.usual
        ? `${name} has ${plural(n, `earlier ${u.unit}`)} of record; ${needs}.`
        : u.since === null
          ? `${name} has nothing on record up to the end of ${u.periodLabel}, so there is no usual to compare with; ${needs}.`
          : u.newThisPeriod
            ? `${name} is new this ${u.unit}: their record begins in ${u.since}, so there is no full ${u.unit} before it yet; ${needs}.`
            : `${name} is new: ${plural(n, `full ${u.unit}`)} since their record began in ${u.since} (a ${u.unit} they were there for only part of is left out); ${needs}.`;
    return { shortOf: { rule: 'periods', have: n, need: MIN_BASELINE_PERIODS }, explanation };
  }
  const span = `the ${plural(n, u.unit)} before ${u.periodLabel}`;
  if (totalDeals < MIN_BASELINE_DEALS) {
    return {
      shortOf: { rule: 'deals', have: totalDeals, need: MIN_BASELINE_DEALS },
      explanation: `${name} won ${plural(totalDeals, 'deal')} in ${span}; judging a trend needs at least ${MIN_BASELINE_DEALS} won deals in them.`,
    };
  }
  if (usualWon <= 0) {
    const empty = trailing.filter((t) => t.wonTotal <= 0).length;
    return {
      shortOf: { rule: 'usual_above_zero', have: empty, need: Math.floor(n / 2) },
      explanation: `${name}'s usual won revenue is ${opts.formatMoney(0)}: nothing was won in ${empty} of ${span} (the usual is the median ${u.unit}), though ${plural(totalDeals, 'deal')} ${totalDeals === 1 ? 'was' : 'were'} won in the other ${n - empty}. A decline is judged only against a usual above zero.`,
    };
  }
  return null;
}
