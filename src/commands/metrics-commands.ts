import { closestMatch } from '../domain/closest.js';
import { AppError } from '../errors.js';
import { DEFAULT_CALENDAR, PERIOD_EXAMPLES, parsePeriod, shownAsTyped } from '../metrics/periods.js';
import { SCALAR_METRICS } from '../metrics/scalar.js';
import { rankReps, scorecard } from '../services/scorecards.js';
import { buildLeaderboard, buildScorecard } from '../views/scorecard.js';
import type { TCommand } from './types.js';

/** Words people use for the metrics asked about most, beside the ids and their short names. */
const METRIC_WORDS: Record<string, string> = {
  won: 'sales.won_total',
  revenue: 'sales.won_total',
  deals: 'sales.won_count',
  outreach: 'outreach.total',
};

/** A metric's short name: its id after the family, `_` as `-` (`opportunities.win_rate` → `win-rate`). */
const shortName = (id: string) => (id.split('.')[1] ?? id).replaceAll('_', '-');

/**
 * Every name a metric word may be, lowercased: each id (`opportunities.win_rate`), its id with `-` for `.` and
 * `_` (`opportunities-win-rate`), its short name (`win-rate`) where no other metric has the same one, and the
 * METRIC_WORDS.
 */
const METRIC_NAMES: Map<string, string> = (() => {
  const names = new Map<string, string>();
  const shortCount = new Map<string, number>();
  for (const m of SCALAR_METRICS) shortCount.set(shortName(m.id), (shortCount.get(shortName(m.id)) ?? 0) + 1);
  for (const m of SCALAR_METRICS) {
    names.set(m.id.toLowerCase(), m.id);
    names.set(m.id.toLowerCase().replace(/[._]/g, '-'), m.id);
    if (shortCount.get(shortName(m.id)) === 1) names.set(shortName(m.id), m.id);
  }
  for (const [word, id] of Object.entries(METRIC_WORDS)) names.set(word, id);
  return names;
})();

/** The metric id a word names (case and `-`/`_` do not matter: `win-rate`, `Win_Rate`), or undefined. */
export function metricOfWord(word: string): string | undefined {
  const w = word.toLowerCase();
  return METRIC_NAMES.get(w) ?? METRIC_NAMES.get(w.replaceAll('_', '-'));
}

/** A word written as a metric (it has a `.`, or is letters joined by `-`/`_`: no period word is). */
const looksLikeMetric = (word: string) => word.includes('.') || /^\p{L}+([-_]\p{L}+)+$/u.test(word);

/** Whether words read as a period (any calendar and date will do: only the form is asked). */
function readsAsPeriod(words: readonly string[]): boolean {
  try {
    parsePeriod(words.join(' '), new Date(Date.UTC(2020, 5, 15, 12)), DEFAULT_CALENDAR);
    return true;
  } catch {
    return false;
  }
}

/**
 * The metric word that may open `words` (`[metric] [period]`): its id and the words after it; `metric` undefined
 * when the first word is not one (it is the period's). Refused with the closest metric name and the command's
 * usage: a first word written as a metric that is no metric (`win-rat`, `sales.won`); and a plain word that is
 * neither a metric nor the start of a period, in the metric's place (`winrate 2017-06`, `foo`): followed by a
 * period it is read as a metric; alone, the refusal says it is neither and names both kinds of word.
 */
export function metricAndRest(words: string[], usage: string): { metric?: string; rest: string[] } {
  const [first, ...rest] = words;
  if (first === undefined) return { rest };
  const metric = metricOfWord(first);
  if (metric) return { metric, rest };
  const plainWord = /^\p{L}+$/u.test(first) && !readsAsPeriod(words) && readsAsPeriod(rest);
  if (!looksLikeMetric(first) && !plainWord) return { rest: words };
  const near = closestMatch(first.toLowerCase(), [...METRIC_NAMES.keys()]);
  const what =
    plainWord && rest.length === 0
      ? `is neither a metric nor a period I know${near ? `; did you mean ${near}?` : '.'} Periods: ${PERIOD_EXAMPLES.join(', ')}.`
      : `is not a metric${near ? `; did you mean ${near}?` : '.'}`;
  throw new AppError(
    'bad_request',
    `"${shownAsTyped(first)}" ${what} A metric is its id (\`opportunities.win_rate\`, all in docs/metrics.md) or a short name such as \`won\`, \`deals\`, \`win-rate\`, \`outreach\`. Usage: \`/kpi ${usage}\``,
    { field: 'metric' },
  );
}

/** `/kpi me [period]`: the asker's scorecard. */
export const meCommand: TCommand = {
  name: 'me',
  shareable: true,
  usage: 'me [period]',
  summary: 'Your ten KPIs for a period (default this month), against target and your usual.',
  examples: ['me', 'me last month', 'me 2017-Q2'],
  async run(args, ctx) {
    return buildScorecard(await scorecard(ctx, { period: args.join(' ') }));
  },
};

/** `/kpi leaderboard [metric] [period]`: everyone ranked by one metric. */
export const leaderboardCommand: TCommand = {
  name: 'leaderboard',
  shareable: true,
  usage: 'leaderboard [metric] [period]',
  summary:
    'Reps ranked by a metric (default won revenue this month); your own rank under the top ten when you are below it.',
  examples: ['leaderboard', 'leaderboard last month', 'leaderboard win-rate 2017-Q2'],
  async run(args, ctx) {
    const { metric, rest } = metricAndRest(args, 'leaderboard [metric] [period]');
    const board = await rankReps(ctx, {
      metric: metric ?? 'sales.won_total',
      period: rest.join(' '),
      top: 10,
    });
    return buildLeaderboard(board, ctx.actor.repId);
  },
};

/** Every `/kpi` sub-command beyond help, in the order help lists them. */
export const METRIC_COMMANDS: TCommand[] = [meCommand, leaderboardCommand];
