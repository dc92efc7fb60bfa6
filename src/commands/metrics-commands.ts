import { rankReps, scorecard } from '../services/scorecards.js';
import { buildLeaderboard, buildScorecard } from '../views/scorecard.js';
import type { TCommand } from './types.js';

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
  summary: 'Reps ranked by a metric (default won revenue this month).',
  examples: ['leaderboard', 'leaderboard last month', 'leaderboard opportunities.win_rate 2017-Q2'],
  async run(args, ctx) {
    const [first, ...rest] = args;
    const hasMetric = first?.includes('.') ?? false;
    const metric = hasMetric ? (first as string) : 'sales.won_total';
    const period = (hasMetric ? rest : args).join(' ');
    const board = await rankReps(ctx, { metric, period, top: 10 });
    return buildLeaderboard(board, ctx.actor.repId);
  },
};

/** Every `/kpi` sub-command beyond help, in the order help lists them. */
export const METRIC_COMMANDS: TCommand[] = [meCommand, leaderboardCommand];
