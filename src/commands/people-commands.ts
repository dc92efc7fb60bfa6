import { AppError } from '../errors.js';
import { oneLine } from '../reports/format.js';
import { repMetricsReport } from '../reports/rep-metrics.js';
import { teamMetricsReport } from '../reports/team-metrics.js';
import { actorRep, assertMaySee, isAdmin, NOT_A_REP, requireActorRep } from '../services/permissions.js';
import { findRep } from '../store/reps.js';
import type { Rep } from '../store/types.js';
import { buildFunnel } from '../views/funnel.js';
import { escapeMrkdwn } from '../views/help.js';
import { buildScorecard } from '../views/scorecard.js';
import { buildTeamTable } from '../views/team.js';
import type { TCommand, TCommandContext, TReply } from './types.js';

/** A Slack mention (<@U123|dana>), an email or a quoted name. */
const looksLikePerson = (word: string) => /^<@[A-Z0-9]+(\|[^>]*)?>$/.test(word) || word.includes('@');

async function person(ctx: TCommandContext, who: string): Promise<Rep> {
  const rep = await findRep(ctx.store.db, ctx.workspace.id, who);
  if (!rep) {
    const shown = escapeMrkdwn(who.replace(/^<@([A-Z0-9]+)\|([^>]*)>$/, '@$2'));
    throw new AppError(
      'not_found',
      `I do not know ${shown} as a rep here. An admin can add them with a reps import.`,
    );
  }
  return rep;
}

/**
 * Whom a `[@user] [period]` command is about: the person named first (if the asker may see them), else the
 * asker; and the period words that follow.
 */
async function subjectOf(args: string[], ctx: TCommandContext): Promise<{ rep: Rep; period: string[] }> {
  const [first, ...rest] = args;
  if (first && looksLikePerson(first)) {
    const rep = await person(ctx, first);
    await assertMaySee(ctx, rep);
    return { rep, period: rest };
  }
  return { rep: await requireActorRep(ctx), period: args };
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
    const rep = await person(ctx, who);
    await assertMaySee(ctx, rep);
    return buildScorecard(
      await repMetricsReport(ctx.store.db, ctx.workspace, rep, period.join(' '), ctx.now),
    );
  },
};

/** `/kpi team [@manager] [period]`: a manager's team (an admin: anyone's team, or everyone). */
export const teamCommand: TCommand = {
  name: 'team',
  shareable: true,
  usage: 'team [@manager] [period]',
  summary: 'Your team: totals, each rep, and who needs attention (managers and admins).',
  examples: ['team', 'team last month', 'team @mona 2017-Q2'],
  async run(args, ctx) {
    const me = await actorRep(ctx);
    const admin = isAdmin(ctx, me);
    const [first, ...rest] = args;
    let manager: Rep | null;
    let period = args;
    if (first && looksLikePerson(first)) {
      manager = await person(ctx, first);
      period = rest;
      if (!admin && manager.id !== me?.id)
        throw new AppError('forbidden', "Sorry, only KPI Bot admins can see another manager's team.");
    } else if (admin) {
      const reports = me
        ? await ctx.store.db.rep.count({ where: { workspaceId: ctx.workspace.id, managerId: me.id } })
        : 0;
      manager = reports > 0 ? me : null;
    } else {
      manager = me;
    }
    if (manager && !admin) {
      const reports = await ctx.store.db.rep.count({
        where: { workspaceId: ctx.workspace.id, managerId: manager.id },
      });
      if (reports === 0) {
        ctx.logger.info({ actor: ctx.actor.slackUserId ?? ctx.actor.name }, 'permission denied: team');
        throw new AppError(
          'forbidden',
          'Team views are for managers and admins, and nobody reports to you in KPI Bot. Your own numbers: /kpi me.',
        );
      }
    }
    if (!manager && !admin) throw new AppError('not_found', NOT_A_REP);
    return buildTeamTable(
      await teamMetricsReport(ctx.store.db, ctx.workspace, manager, period.join(' '), ctx.now),
    );
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
    const { rep, period } = await subjectOf(args, ctx);
    const report = await repMetricsReport(ctx.store.db, ctx.workspace, rep, period.join(' '), ctx.now);
    const d = report.diagnosis;
    const verdict =
      d.verdict === 'declining'
        ? 'Declining'
        : d.verdict === 'not_declining'
          ? 'No decline'
          : 'Not enough history yet';
    const reply: TReply = {
      text: escapeMrkdwn(`${report.rep.name}, ${report.period.label}: ${verdict}. ${d.explanation}`),
      blocks: [
        {
          type: 'header',
          text: {
            type: 'plain_text',
            text: `Why · ${oneLine(report.rep.name)} · ${report.period.label}`.slice(0, 150),
          },
        },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: `*${verdict}.* ${escapeMrkdwn(d.explanation)}`.slice(0, 3000) },
        },
      ],
      visibility: 'ephemeral',
    };
    return reply;
  },
};

/** `/kpi funnel [@user] [period]`: the funnel by stage and its bottleneck. */
export const funnelCommand: TCommand = {
  name: 'funnel',
  shareable: true,
  usage: 'funnel [@user] [period]',
  summary: 'Deals by funnel stage: open now, how many go further, how long they stay, and the bottleneck.',
  examples: ['funnel', 'funnel last month', 'funnel @dana 2017-Q2'],
  async run(args, ctx) {
    const { rep, period } = await subjectOf(args, ctx);
    return buildFunnel(await repMetricsReport(ctx.store.db, ctx.workspace, rep, period.join(' '), ctx.now));
  },
};

export const PEOPLE_COMMANDS: TCommand[] = [repCommand, teamCommand, funnelCommand, whyCommand];
