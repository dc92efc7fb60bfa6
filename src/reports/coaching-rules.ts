import type { TDiagnosis } from '../metrics/diagnosis.js';
import type { TBottleneck } from '../metrics/funnel.js';
import type { TTargetProgress } from '../metrics/targets.js';

/**
 * Coaching alert rules: pure functions of one rep's numbers. Each rule has an on/off switch and a threshold per
 * workspace; each alert says what changed, the numbers, the likely reason and a next step. Rules about a
 * finished month (decline, lost vs created, churn) read the month just ended; pace rules read this month, and
 * only after a quarter of it has passed, so the first days of a month do not raise alarms.
 */

export const RULES = {
  sales_decline: {
    title: 'Sales declining',
    threshold: 0.2,
    help: 'won revenue at least this share below the rep’s own baseline (and beyond their normal spread)',
  },
  lost_outpacing_created: {
    title: 'Losing more than creating',
    threshold: 1,
    help: 'lost opportunities above this multiple of created ones (at least 3 lost)',
  },
  outreach_behind_pace: {
    title: 'Outreach behind pace',
    threshold: 0.7,
    help: 'outreach below this share of the pace to its target',
  },
  personalized_behind_pace: {
    title: 'Personalized outreach behind pace',
    threshold: 0.7,
    help: 'personalized outreach below this share of the pace to its target (default 50 a month)',
  },
  funnel_bottleneck: {
    title: 'Funnel bottleneck',
    threshold: 0.2,
    help: 'a stage where the rep converts or moves at least this much worse than the team',
  },
  training_gap: {
    title: 'Training gap',
    threshold: 90,
    help: 'no quiz or assessment in this many days, or an average score under 60 this month',
  },
  churn_above_team: {
    title: 'First-year churn above the team',
    threshold: 0.1,
    help: 'first-year churn this many points above the team median (at least 3 customers won)',
  },
} as const;

export type TRuleId = keyof typeof RULES;
export const RULE_IDS = Object.keys(RULES) as TRuleId[];

/**
 * How each coaching rule's threshold is written and the values that make sense for it (what the threshold means
 * is in RULES above and docs/metrics.md, "Coaching alerts"). A percent is typed as a whole
 * percent (30 or 30%) and stored as the fraction the rule compares with (0.3); points are percentage points of
 * a rate, stored the same way; days are whole days; times a multiple with up to two decimals.
 */
export const ALERT_THRESHOLDS: Record<
  TRuleId,
  { unit: 'percent' | 'points' | 'days' | 'times'; min: number; max: number; what: string; example: string }
> = {
  sales_decline: {
    unit: 'percent',
    // The decline diagnosis calls no fall under 20% a decline: a lower threshold would change nothing.
    min: 20,
    max: 100,
    what: "how far won revenue falls below the rep's usual (nothing under 20% counts as a decline)",
    example: '30',
  },
  lost_outpacing_created: {
    unit: 'times',
    min: 0.5,
    max: 10,
    what: 'lost opportunities as a multiple of created ones (1: more lost than created)',
    example: '1.5',
  },
  outreach_behind_pace: {
    unit: 'percent',
    min: 1,
    max: 100,
    what: 'the share of the pace to its target under which outreach counts as behind',
    example: '70',
  },
  personalized_behind_pace: {
    unit: 'percent',
    min: 1,
    max: 100,
    what: 'the share of the pace to its target under which personalized outreach counts as behind',
    example: '70',
  },
  funnel_bottleneck: {
    unit: 'percent',
    // The funnel names no bottleneck under a 20% shortfall; a stage can take several times the team's time.
    min: 20,
    max: 500,
    what: 'how much worse than the team a stage converts or holds deals (nothing under 20% counts as a bottleneck)',
    example: '30',
  },
  training_gap: {
    unit: 'days',
    min: 1,
    max: 365,
    what: 'the days without a quiz or assessment after which a rep counts as untrained',
    example: '60',
  },
  churn_above_team: {
    unit: 'points',
    min: 1,
    max: 100,
    what: "how far first-year churn is above the team's median",
    example: '10',
  },
};

/** A threshold as stored (a percent as its fraction) inside its rule's range: one stored before the ranges were not. */
export function thresholdInRange(rule: TRuleId, stored: number): boolean {
  const t = ALERT_THRESHOLDS[rule];
  const typed = t.unit === 'percent' || t.unit === 'points' ? stored * 100 : stored;
  // A millionth of slack: 0.07 × 100 is 7.000000000000001.
  return Number.isFinite(typed) && typed >= t.min - 1e-6 && typed <= t.max + 1e-6;
}

/** Quarter of a period that must pass before pace rules speak. */
export const MIN_ELAPSED_FOR_PACE = 0.25;
export const MIN_LOST = 3;
export const MIN_CUSTOMERS = 3;
export const LOW_SCORE = 60;

export type TRuleConfig = Record<TRuleId, { enabled: boolean; threshold: number }>;

export type TCoachingInput = {
  repName: string;
  /** This month so far. */
  current: {
    key: string;
    label: string;
    elapsed: number;
    metrics: Record<string, number | null>;
    pace: Record<string, TTargetProgress>;
    bottleneck: TBottleneck | null;
  };
  /** The month just ended. */
  last: {
    key: string;
    label: string;
    metrics: Record<string, number | null>;
    diagnosis: TDiagnosis;
    /** Median first-year churn rate of the rep's team, last month. */
    teamChurn: number | null;
  };
  /** Whether the workspace records quizzes at all (no training alerts where nobody uses them). */
  trainingTracked: boolean;
  /** Whether the workspace records outreach at all (no pace alerts from a deals-only CRM). */
  outreachTracked: boolean;
  /** Recent activities with call recordings, newest first. */
  recordings: { url: string; subject: string | null; at: string }[];
  formatMoney: (major: number) => string;
};

export type TAlert = {
  rule: TRuleId;
  /** The period the alert is about: one alert per rep, rule and period. */
  periodKey: string;
  headline: string;
  /** What changed, with the numbers. */
  facts: string;
  reason: string;
  nextStep: string;
  links: { url: string; label: string }[];
};

const pct = (x: number) => `${Math.round(x * 100)}%`;
const num = (x: number | null | undefined) => (typeof x === 'number' ? x : null);

function recordingLinks(input: TCoachingInput) {
  return input.recordings.slice(0, 3).map((r) => ({
    url: r.url,
    label: `${r.subject?.slice(0, 60) || 'Call'} (${r.at.slice(0, 10)})`,
  }));
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const agenda = (items: string[]) => `1:1 agenda: ${items.map((s, i) => `(${i + 1}) ${s}`).join(' ')}`;

type TRule = (input: TCoachingInput, threshold: number) => TAlert | null;

const RULE_FNS: Record<TRuleId, TRule> = {
  sales_decline(input, threshold) {
    const d = input.last.diagnosis;
    if (d.verdict !== 'declining' || d.change === null || -d.change < threshold) return null;
    const review = input.recordings.length > 0;
    // The diagnosis reads "<numbers>. Most likely cause: <why>. Suggested next step: <what>."
    const m = /^(.*?)\s*Most likely cause: (.*?)\s*(?:Suggested next step: (.*))?$/s.exec(d.explanation);
    const steps = [
      'what changed in the last deals lost',
      'pipeline for the next four weeks',
      'one habit to restart',
    ];
    return {
      rule: 'sales_decline',
      periodKey: input.last.key,
      headline: `${input.repName}'s sales fell ${pct(-d.change)} below their usual in ${input.last.label}`,
      facts: m?.[1] ?? d.explanation,
      reason: m?.[2] ? capitalize(m[2]) : reasonOfDriver(d),
      nextStep: `${m?.[3] ? `${m[3]} ` : ''}${review ? 'The recorded calls below are a place to start. ' : ''}${agenda(steps)}`,
      links: review ? recordingLinks(input) : [],
    };
  },
  lost_outpacing_created(input, threshold) {
    const lost = num(input.last.metrics['opportunities.lost']) ?? 0;
    const created = num(input.last.metrics['opportunities.created']) ?? 0;
    if (lost < MIN_LOST || lost <= created * threshold) return null;
    return {
      rule: 'lost_outpacing_created',
      periodKey: input.last.key,
      headline:
        threshold === 1
          ? `${input.repName} lost more opportunities than they created in ${input.last.label}`
          : `${input.repName} lost ${lost} opportunities against ${created} created in ${input.last.label}`,
      facts: `${lost} lost against ${created} created (created : lost ${created ? (created / lost).toFixed(2) : '0'} : 1).`,
      reason:
        created < lost / 2
          ? 'Too little new pipeline: prospecting has likely slowed while old deals close out.'
          : 'Deals are being lost faster than usual: qualification or follow-up may be slipping.',
      nextStep: agenda([
        'walk through the last three lost deals and why',
        'agree on a prospecting block each day',
        'which open deals are at risk',
      ]),
      links: recordingLinks(input),
    };
  },
  outreach_behind_pace(input, threshold) {
    return paceAlert(input, threshold, 'outreach_behind_pace', 'outreach.total', 'outreach', [
      'block time for outreach each morning',
      'which lists or sequences to work',
      'a daily number to hit',
    ]);
  },
  personalized_behind_pace(input, threshold) {
    return paceAlert(
      input,
      threshold,
      'personalized_behind_pace',
      'personalization.personalized',
      'personalized outreach',
      ['pick ten accounts worth a personal note this week', 'share a template that works', 'review replies'],
    );
  },
  funnel_bottleneck(input, threshold) {
    const b = input.current.bottleneck;
    if (!b || b.shortfall < threshold) return null;
    const what =
      b.reason === 'conversion'
        ? `${pct(b.rep)} of deals move on from ${b.stage}, against ${pct(b.team)} for the team`
        : `deals stay ${b.rep.toFixed(0)} days in ${b.stage}, against ${b.team.toFixed(0)} for the team`;
    return {
      rule: 'funnel_bottleneck',
      periodKey: input.current.key,
      headline: `${input.repName}'s deals get stuck at ${b.stage}`,
      facts: `${what} (${b.sample} deals, ${pct(b.shortfall)} worse).`,
      reason:
        b.reason === 'conversion'
          ? `Deals at ${b.stage} are not being advanced: the next step may be unclear to the buyer.`
          : `Deals wait too long at ${b.stage}: follow-ups may be slow.`,
      nextStep: agenda([
        `go through every open deal at ${b.stage}`,
        'agree on the next step and date for each',
        'role-play the conversation that moves it on',
      ]),
      links: recordingLinks(input),
    };
  },
  training_gap(input, threshold) {
    if (!input.trainingTracked) return null;
    const days = num(input.current.metrics['expertise.days_since_training']);
    const score = num(input.current.metrics['expertise.avg_score']);
    const stale = days === null || days > threshold;
    const low = score !== null && score < LOW_SCORE;
    if (!stale && !low) return null;
    return {
      rule: 'training_gap',
      periodKey: input.current.key,
      headline: low
        ? `${input.repName} scored low on product training this month`
        : `${input.repName} has not trained in ${days === null ? 'a long time' : `${days} days`}`,
      facts: low
        ? `Average quiz score ${score?.toFixed(0)} / 100 this month (below ${LOW_SCORE}).`
        : days === null
          ? 'No quiz or assessment on record.'
          : `Last quiz or assessment ${days} days ago (more than ${threshold}).`,
      reason: 'Product knowledge fades without practice, and buyers notice.',
      nextStep: 'Book the next product course and a short mock pitch on the newest features this week.',
      links: [],
    };
  },
  churn_above_team(input, threshold) {
    const rate = num(input.last.metrics['churn.first_year_churn_rate']);
    const won = num(input.last.metrics['churn.customers_won']) ?? 0;
    const team = input.last.teamChurn;
    if (rate === null || team === null || won < MIN_CUSTOMERS || rate - team < threshold) return null;
    return {
      rule: 'churn_above_team',
      periodKey: input.last.key,
      headline: `${input.repName}'s customers leave in their first year more often than the team's`,
      facts: `First-year churn ${pct(rate)} of ${won} customers won in the last twelve months, against ${pct(team)} for the team.`,
      reason: 'Deals may be closing with the wrong customers or with promises the product does not keep.',
      nextStep: agenda([
        'review the churned accounts’ original deal notes',
        'tighten qualification questions',
        'hand-over to customer success',
      ]),
      links: [],
    };
  },
};

function paceAlert(
  input: TCoachingInput,
  threshold: number,
  rule: TRuleId,
  metricId: string,
  what: string,
  steps: string[],
): TAlert | null {
  const p = input.current.pace[metricId];
  if (
    !input.outreachTracked ||
    !p ||
    p.paceRatio === null ||
    input.current.elapsed < MIN_ELAPSED_FOR_PACE ||
    p.paceRatio >= threshold
  )
    return null;
  return {
    rule,
    periodKey: input.current.key,
    headline: `${input.repName}'s ${what} is behind pace for ${input.current.label}`,
    facts: `${p.actual} so far against ${Math.round(p.expectedByNow)} expected by now (target ${p.target}; ${pct(p.paceRatio)} of pace, heading for ${Math.round(p.projected ?? 0)}).`,
    reason: `At this rate the month ends ${Math.max(0, Math.round(p.target - (p.projected ?? 0)))} short of the target.`,
    nextStep: agenda(steps),
    links: [],
  };
}

function reasonOfDriver(d: TDiagnosis): string {
  switch (d.driver) {
    case 'fewer_deals_win_rate':
      return 'Fewer deals closed from the pipeline worked: the win rate dropped.';
    case 'fewer_deals_pipeline':
      return 'Fewer deals because less pipeline was created.';
    case 'outreach_volume':
      return 'Less pipeline, traced to lower outreach volume.';
    case 'personalization':
      return 'Less pipeline, traced to less personalized outreach.';
    case 'stuck_stage':
      return 'Deals are getting stuck at one funnel stage.';
    case 'smaller_deals':
      return 'Smaller deals than usual.';
    default:
      return 'Fewer deals won than usual.';
  }
}

/** The alerts a rep's numbers raise under the workspace's rule settings. */
export function evaluateRules(input: TCoachingInput, config: TRuleConfig): TAlert[] {
  const out: TAlert[] = [];
  for (const id of RULE_IDS) {
    const c = config[id];
    if (!c.enabled) continue;
    const alert = RULE_FNS[id](input, c.threshold);
    if (alert) out.push(alert);
  }
  return out;
}

/** The workspace's rule settings over the defaults (every rule on). */
export function ruleConfig(
  settings: Partial<Record<string, { enabled?: boolean; threshold?: number }>> = {},
) {
  const out = {} as TRuleConfig;
  for (const id of RULE_IDS) {
    const s = settings[id] ?? {};
    // A threshold outside its range (saved before the ranges, when 30 was stored as 3000%) is not used.
    const stored = s.threshold;
    const threshold =
      typeof stored === 'number' && thresholdInRange(id, stored) ? stored : RULES[id].threshold;
    out[id] = { enabled: s.enabled ?? true, threshold };
  }
  return out;
}
