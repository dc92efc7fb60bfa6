import { weeklyLeaderboardChart } from '../charts/specs.js';
import { parseWorkspaceSettings } from '../domain/settings.js';
import { weeklyLeaderboard } from '../reports/weekly-leaderboard.js';
import { notifyPreferencesOfWorkspace } from '../store/notify-preferences.js';
import { boardPeriod, buildRankDm, buildWeeklyLeaderboard, publicRows } from '../views/jobs.js';
import { SendError } from './outbox.js';
import type { TJob } from './types.js';

export const DEFAULT_TOP = 5;

/**
 * The weekly leaderboard: posted to the workspace's leaderboard channel; then everyone outside the top N who
 * asked for it (their rank DM preference, `/kpi notify rank`) gets their own rank by direct message.
 */
export const leaderboardJob: TJob = {
  name: 'leaderboard',
  defaultSchedule: '0 9 * * 1',
  async run(ctx) {
    const settings = parseWorkspaceSettings(ctx.workspace.settings);
    const opts = settings.jobs?.leaderboard ?? {};
    const channel = ctx.workspace.leaderboardChannel ?? ctx.defaultChannel;
    if (!channel)
      throw new SendError(
        'no leaderboard channel: choose one with /kpi settings leaderboard-channel #channel',
        'no_channel',
        'no',
      );
    const board = await weeklyLeaderboard(ctx.db, ctx.workspace, {
      metricId: opts.metric ?? 'sales.won_total',
      top: opts.top ?? DEFAULT_TOP,
      asOf: ctx.slot,
    });
    const spec = weeklyLeaderboardChart(board, publicRows(board));
    const chart = spec ? await ctx.outbox.chart(spec) : undefined;
    const message = buildWeeklyLeaderboard(board, chart);
    await ctx.sending();
    const posted = await ctx.outbox.post(channel, message);
    await ctx.sent({ channel, ts: posted.ts });
    // Private ranks for those who asked (`/kpi notify rank on`, or the post's button; the old workspace opt-in
    // list counts until they choose), outside the public top N, in the board's order.
    const topIds = new Set(publicRows(board).map((r) => r.rep.slackUserId));
    const prefs = await notifyPreferencesOfWorkspace(ctx.db, ctx.workspace);
    const optedIn = board.rows.flatMap((r) =>
      r.rep.slackUserId && !topIds.has(r.rep.slackUserId) && prefs.of(r.rep.slackUserId).rankDm
        ? [{ userId: r.rep.slackUserId, row: r }]
        : [],
    );
    let dms = 0;
    const dmErrors: string[] = [];
    for (const { userId, row } of optedIn) {
      try {
        await ctx.outbox.dm(userId, buildRankDm(board, row));
        dms += 1;
      } catch (error) {
        dmErrors.push(`${userId}: ${(error as Error).message}`);
        ctx.logger.warn({ err: error, user: userId }, 'rank message not sent');
      }
    }
    return {
      summary: `posted the ${board.metric.title} leaderboard for ${boardPeriod(board)} to ${channel}${
        dms ? `; ${dms} private rank message${dms === 1 ? '' : 's'}` : ''
      }`,
      channel,
      ts: posted.ts,
      metric: board.metric.id,
      period: board.period.key,
      top: publicRows(board).map((r) => ({ rank: r.rank, name: r.rep.name, value: r.value })),
      rankMessages: dms,
      ...(dmErrors.length ? { rankMessageErrors: dmErrors } : {}),
      text: message.text,
    };
  },
};
