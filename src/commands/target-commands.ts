import { AppError } from '../errors.js';
import { isServiceError } from '../services/errors.js';
import { actorRep, isAdmin } from '../services/permissions.js';
import { NOT_ADMIN_FOR_TARGETS, setTarget, type TTargetSet } from '../services/targets.js';
import { escapeMrkdwn } from '../views/help.js';
import { buildTargetSet } from '../views/targets.js';
import type { TCommand } from './types.js';

const USAGE =
  'target set [@user | team [@manager]] <metric> <amount> [weekly|monthly|quarterly|yearly] [--from <period>]';
/** A Slack mention, an email, or a quoted name of several words (as for `/kpi why "Dana Scott"`). */
const isMention = (w: string) => /^<@[A-Z0-9]+(\|[^>]*)?>$/.test(w) || w.includes('@') || /\s/.test(w.trim());

/** The command's refusal (mrkdwn) with its usage line, and the input field it concerns (for the JSON view). */
function bad(message: string, field?: string): never {
  throw new AppError('bad_request', `${message}\nUsage: \`/kpi ${USAGE}\``, field ? { field } : {});
}

/** `/kpi target set ...`: a target for a rep, a manager's team or the whole workspace (admins only). */
export const targetCommand: TCommand = {
  name: 'target',
  usage: USAGE,
  summary:
    'Set a target for a rep, a team or everyone (admins), from the start of the current period or of an earlier or later one (--from).',
  examples: [
    'target set @dana sales.won_total 50000',
    'target set team outreach.total 400 weekly',
    'target set team @mona sales.won_count 30 quarterly',
    'target set @dana sales.won_total 40000 monthly --from 2024-01',
  ],
  async run(args, ctx) {
    const [verb, ...rest] = args;
    if (verb?.toLowerCase() !== 'set')
      bad(verb ? `I can only "set" targets, not ${escapeMrkdwn(verb)}.` : 'Say what to set.');
    // Who may set targets is the service's rule; asked first, so a refusal does not read like a typo.
    if (!isAdmin(ctx, await actorRep(ctx))) {
      ctx.logger.info({ actor: ctx.actor.slackUserId ?? ctx.actor.name }, 'permission denied: target');
      throw new AppError('forbidden', NOT_ADMIN_FOR_TARGETS);
    }
    let scope: 'rep' | 'team' | 'workspace';
    let who: string | undefined;
    let words = rest;
    const first = words[0] ?? '';
    if (first.toLowerCase() === 'team') {
      words = words.slice(1);
      if (words[0] && isMention(words[0])) {
        scope = 'team';
        who = words[0];
        words = words.slice(1);
      } else scope = 'workspace';
    } else if (isMention(first)) {
      scope = 'rep';
      who = first;
      words = words.slice(1);
    } else bad('Say whose target: @user, team, or team @manager.');
    // `--from <period>` (or `from <period>`): the rest of the words are the period, which may be several.
    const fromAt = words.findIndex((w, i) => i >= 2 && /^(--)?from$/i.test(w));
    let from: string | undefined;
    if (fromAt >= 0) {
      from = words.slice(fromAt + 1).join(' ');
      if (!from.trim()) bad('Say the first period after --from, e.g. `--from 2024-01`.', 'from');
      words = words.slice(0, fromAt);
    }
    const [metricId, amountRaw, kindRaw, ...extra] = words;
    if (!metricId || !amountRaw) bad('Say the metric and the amount.');
    if (extra.length) bad(`I did not understand ${escapeMrkdwn(extra.join(' '))}.`);
    let set: TTargetSet;
    try {
      // The service checks the words in the order they are written: who, the metric, the amount, the period,
      // the first period.
      set = await setTarget(ctx, { scope, who, metricId, amount: amountRaw, period: kindRaw, from });
    } catch (error) {
      if (isServiceError(error) && error.code === 'bad_request')
        bad(escapeMrkdwn(error.message), error.field);
      throw error;
    }
    return buildTargetSet(set, ctx.workspace);
  },
};
