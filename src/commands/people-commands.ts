import { AppError } from '../errors.js';
import { scorecard, teamScorecard } from '../services/scorecards.js';
import { buildFunnel } from '../views/funnel.js';
import { buildScorecard } from '../views/scorecard.js';
import { buildTeamTable } from '../views/team.js';
import { buildWhy } from '../views/why.js';
import { metricAndRest } from './metrics-commands.js';
import type { TCommand } from './types.js';

/**
 * A Slack mention (<@U123|dana>), an email, or a quoted name of several words ("Darcel Schlecht": the tokenizer
 * keeps quoted words together, and no period word holds a space).
 */
const looksLikePerson = (word: string) =>
  /^<@[A-Z0-9]+(\|[^>]*)?>$/.test(word) || word.includes('@') || /\s/.test(word.trim());

/** `[@user] [period]`: the person named first, if any, and the period words that follow. */
function whoAndPeriod(args: string[]): { who?: string; period: string } {
  const [first, ...rest] = args;
  return first && looksLikePerson(first)
    ? { who: first, period: rest.join(' ') }
    : { period: args.join(' ') };
}

/** `/kpi rep @user [period]`: another rep's scorecard, for their manager or an admin. */
export const repCommand: TCommand = {
  name: 'rep',
  shareable: true,
  usage: 'rep @user [period]',
  summary: "A rep's scorecard (for their manager and admins).",
  examples: ['rep @dana', 'rep @dana last month', 'rep "Dana Scott" 2017-Q2'],
  async run(args, ctx) {
    const [who, ...period] = args;
    if (!who) throw new AppError('bad_request', 'Say whose numbers, e.g. `/kpi rep @dana last month`.');
    return buildScorecard(await scorecard(ctx, { who, period: period.join(' ') }));
  },
};

/** `/kpi team [@manager] [metric] [period]`: a manager's team (an admin: anyone's team, or everyone). */
export const teamCommand: TCommand = {
  name: 'team',
  shareable: true,
  usage: 'team [@manager] [metric] [period]',
  summary: 'Your team ranked by a metric (default won revenue), who needs attention.',
  examples: ['team', 'team last month', 'team @mona win-rate 2017-Q2'],
  async run(args, ctx) {
    const who = args[0] && looksLikePerson(args[0]) ? args[0] : undefined;
    // The metric word, if any, follows the manager, read as /kpi leaderboard reads it (metricAndRest).
    const { metric, rest } = metricAndRest(who ? args.slice(1) : args, 'team [@manager] [metric] [period]');
    return buildTeamTable(await teamScorecard(ctx, { manager: who, period: rest.join(' '), metric }));
  },
};

/** `/kpi why [@user]`: the decline diagnosis in plain words. */
export const whyCommand: TCommand = {
  name: 'why',
  shareable: true,
  usage: 'why [@user] [period]',
  summary: 'Why the numbers moved: the decline diagnosis with its likely driver and a next step.',
  examples: ['why', 'why @dana', 'why @dana last month'],
  async run(args, ctx) {
    return buildWhy(await scorecard(ctx, whoAndPeriod(args)));
  },
};

/** `/kpi funnel [@user] [period]`: the funnel by stage and its bottleneck. */
export const funnelCommand: TCommand = {
  name: 'funnel',
  shareable: true,
  usage: 'funnel [@user] [period]',
  summary:
    'Deals by funnel stage: open (now, or at the end of a past period), how many go further, how long they stay, and the bottleneck.',
  examples: ['funnel', 'funnel last month', 'funnel @dana 2017-Q2'],
  async run(args, ctx) {
    return buildFunnel(await scorecard(ctx, whoAndPeriod(args)));
  },
};

export const PEOPLE_COMMANDS: TCommand[] = [repCommand, teamCommand, funnelCommand, whyCommand];
