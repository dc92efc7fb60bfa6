import { AppError } from '../errors.js';
import { isServiceError } from '../services/errors.js';
import { changeNotify, notifySettings } from '../services/notify.js';
import { buildCommandHelp, codeSpan, mrkdwnOfMessage } from '../views/help.js';
import { buildNotify } from '../views/notify.js';
import type { TCommand } from './types.js';

/** A Slack mention of a person or a channel, or an @name: someone else, whom `/kpi notify` never changes. */
const namesSomeone = (word: string) => /^<[@#!]/.test(word) || /^@\S/.test(word);

/** `/kpi notify [...]`: what the asker receives from KPI Bot, and their own changes to it. */
export const notifyCommand: TCommand = {
  name: 'notify',
  usage:
    'notify [rank on|off | milestones on|off | stalled on|off | digest <daily|weekdays|monday…sunday> [HH:MM] | digest default | reset]',
  summary:
    'What KPI Bot sends you by direct message (weekly rank, milestones, stalled deals, a manager’s digest), and your changes to it.',
  examples: [
    'notify',
    'notify rank on',
    'notify milestones off',
    'notify stalled off',
    'notify digest weekdays 07:30',
    'notify digest default',
    'notify reset',
  ],
  async run(args, ctx) {
    // A code span with its < and > escaped: Slack reads <a|b> as a link even between backticks.
    const usage = `Usage: ${codeSpan(`/kpi ${this.usage}`)}`;
    const [item, value, time, ...extra] = args;
    if (!item) return buildNotify(await notifySettings(ctx));
    // `/kpi notify help` (or `?`): its usage and examples, as `/kpi help notify` shows them.
    if (/^(help|\?)$/i.test(item)) return buildCommandHelp(this);
    if (args.some(namesSomeone))
      throw new AppError(
        'forbidden',
        `\`/kpi notify\` changes only what *you* receive; everyone chooses their own with \`/kpi notify\`.\n${usage}`,
      );
    if (extra.length || (time !== undefined && item.toLowerCase() !== 'digest'))
      throw new AppError('bad_request', `That is more than \`/kpi notify\` takes.\n${usage}`);
    try {
      return buildNotify(await changeNotify(ctx, { item, value, time }));
    } catch (error) {
      // A wrong word is answered with the right usage; a refusal about who may (forbidden) stands alone.
      if (isServiceError(error) && error.code === 'bad_request')
        throw new AppError('bad_request', `${mrkdwnOfMessage(error.message)}\n${usage}`, {
          ...(error.field ? { field: error.field } : {}),
        });
      throw error;
    }
  },
};
