import { closestMatch } from '../domain/closest.js';
import { minorDigits, parseAmount } from '../domain/money.js';
import { AppError } from '../errors.js';
import type { Rep } from '../generated/sqlite/client.js';
import { periodContaining } from '../metrics/periods.js';
import { SCALAR_METRICS } from '../metrics/scalar.js';
import { formatMetric } from '../reports/format.js';
import { calendarOf } from '../reports/present.js';
import { findRep } from '../store/reps.js';
import { buildDone, escapeMrkdwn } from '../views/help.js';
import { actorRep, isAdmin } from './permissions.js';
import type { TCommand } from './types.js';

const USAGE = 'target set [@user | team [@manager]] <metric> <amount> [weekly|monthly|quarterly|yearly]';
const KINDS: Record<string, 'week' | 'month' | 'quarter' | 'year'> = {
  weekly: 'week',
  week: 'week',
  monthly: 'month',
  month: 'month',
  quarterly: 'quarter',
  quarter: 'quarter',
  yearly: 'year',
  year: 'year',
  annual: 'year',
};
const ADJECTIVE = { week: 'a week', month: 'a month', quarter: 'a quarter', year: 'a year' };
const isMention = (w: string) => /^<@[A-Z0-9]+(\|[^>]*)?>$/.test(w) || w.includes('@');

function bad(message: string): never {
  throw new AppError('bad_request', `${message}\nUsage: \`/kpi ${USAGE}\``);
}

/** `/kpi target set ...`: a target for a rep, a manager's team or the whole workspace (admins only). */
export const targetCommand: TCommand = {
  name: 'target',
  usage: USAGE,
  summary: 'Set a target for a rep, a team or everyone (admins), from the start of the current period.',
  examples: [
    'target set @dana sales.won_total 50000',
    'target set team outreach.total 400 weekly',
    'target set team @mona sales.won_count 30 quarterly',
  ],
  async run(args, ctx) {
    const [verb, ...rest] = args;
    if (verb?.toLowerCase() !== 'set')
      bad(verb ? `I can only "set" targets, not ${escapeMrkdwn(verb)}.` : 'Say what to set.');
    const me = await actorRep(ctx);
    if (!isAdmin(ctx, me)) {
      ctx.logger.info({ actor: ctx.actor.slackUserId ?? ctx.actor.name }, 'permission denied: target');
      throw new AppError(
        'forbidden',
        'Sorry, targets are set by KPI Bot admins. Ask one, or see yours with /kpi me.',
      );
    }
    let scope: 'rep' | 'team' | 'workspace';
    let who: Rep | null = null;
    let words = rest;
    const first = words[0] ?? '';
    if (first.toLowerCase() === 'team') {
      words = words.slice(1);
      if (words[0] && isMention(words[0])) {
        who = await findRep(ctx.store.db, ctx.workspace.id, words[0]);
        if (!who) bad(`I do not know ${escapeMrkdwn(words[0])} as a manager here.`);
        scope = 'team';
        words = words.slice(1);
      } else scope = 'workspace';
    } else if (isMention(first)) {
      who = await findRep(ctx.store.db, ctx.workspace.id, first);
      if (!who) bad(`I do not know ${escapeMrkdwn(first)} as a rep here.`);
      scope = 'rep';
      words = words.slice(1);
    } else bad('Say whose target: @user, team, or team @manager.');
    const [metricId, amountRaw, kindRaw, ...extra] = words;
    if (!metricId || !amountRaw) bad('Say the metric and the amount.');
    if (extra.length) bad(`I did not understand ${escapeMrkdwn(extra.join(' '))}.`);
    const metric = SCALAR_METRICS.find((m) => m.id === metricId.toLowerCase());
    if (!metric) {
      const near = closestMatch(
        metricId,
        SCALAR_METRICS.map((m) => m.id),
      );
      bad(
        `${escapeMrkdwn(metricId)} is not a metric${near ? ` (did you mean ${near}?)` : ''}. The ids are in docs/metrics.md.`,
      );
    }
    let amount = parseAmount(amountRaw);
    if (amount === null || amount <= 0)
      bad(
        `The amount must be a positive number such as 50000, 50k or 75%, got "${escapeMrkdwn(amountRaw)}".`,
      );
    if (metric.unit === 'share') {
      // A share written without % (25) means percent; 0.25 is the same share as a fraction.
      if (!amountRaw.includes('%') && amount > 1) amount /= 100;
      if (amount > 1)
        bad(`${metric.title} is a share: the amount is at most 100%, got "${escapeMrkdwn(amountRaw)}".`);
    }
    const kind = KINDS[(kindRaw ?? 'monthly').toLowerCase()];
    if (!kind) bad(`"${escapeMrkdwn(kindRaw ?? '')}" is not weekly, monthly, quarterly or yearly.`);
    if (amount >= 1e12) bad(`The amount is too large, got "${escapeMrkdwn(amountRaw)}".`);
    // Money targets are stored in minor units of the workspace currency, like the facts they are compared with,
    // exactly: an amount finer than the currency's smallest unit is refused, never rounded.
    const digits = minorDigits(ctx.workspace.currency);
    const minor = amount * 10 ** digits;
    // Decimals as typed (1.5k has none left over: 1500), not of the float, which 1,234,567,890.12 would fail.
    const typed = /\.(\d+)\s*([kKmM])?$/.exec(amountRaw.trim().replace(/%$/, ''));
    const shift = typed?.[2] ? (typed[2].toLowerCase() === 'k' ? 3 : 6) : 0;
    const decimals = Math.max(0, (typed?.[1]?.replace(/0+$/, '').length ?? 0) - shift);
    if (metric.unit === 'money' && decimals > digits)
      bad(
        `${ctx.workspace.currency.toUpperCase()} has ${digits} decimal place${digits === 1 ? '' : 's'}; "${escapeMrkdwn(amountRaw)}" has more.`,
      );
    const stored = metric.unit === 'money' ? Math.round(minor) : amount;
    const current = periodContaining(kind, ctx.now, calendarOf(ctx.workspace));
    await ctx.store.db.target.create({
      data: {
        workspaceId: ctx.workspace.id,
        scope,
        repId: who?.id ?? null,
        metricId: metric.id,
        periodKind: kind,
        amount: stored,
        effectiveFrom: current.start,
        setBySlackId: ctx.actor.slackUserId ?? null,
      },
    });
    ctx.logger.info({ scope, metric: metric.id, kind }, 'target set');
    const whom =
      scope === 'workspace' ? 'everyone' : scope === 'team' ? `${who?.name}'s team` : (who?.name ?? '');
    const text = `Target set: ${whom}, ${metric.title} ${formatMetric(amount, metric.unit, ctx.workspace.currency, ctx.workspace.locale)} ${ADJECTIVE[kind]}, from ${current.label}.`;
    return buildDone(text);
  },
};
