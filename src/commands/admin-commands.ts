import { closestMatch } from '../domain/closest.js';
import { AppError } from '../errors.js';
import { WEBHOOK_PATHS } from '../ingest/webhook-keys.js';
import { isServiceError } from '../services/errors.js';
import { linkCrmOwner } from '../services/links.js';
import {
  assertAdmin,
  CELEBRATE_MIN_USAGE,
  CELEBRATIONS_CHANNEL_USAGE,
  changeSetting,
  FUNNEL_STAGES_USAGE,
  SETTING_KEYS,
  STALLED_DAYS_USAGE,
  workspaceSettings,
} from '../services/settings.js';
import { buildOwnerLinked } from '../views/admin.js';
import { escapeMrkdwn, mrkdwnOfMessage } from '../views/help.js';
import { buildSettingChanged, buildSettings, buildWebhookSettings } from '../views/settings.js';
import type { TCommand, TCommandContext, TReply } from './types.js';

/** `/kpi link @user <crm> <owner id|email>`: map a CRM owner to a rep (admins). */
export const linkCommand: TCommand = {
  name: 'link',
  usage: 'link @user <crm> <owner id | email | name in a CSV>',
  summary:
    'Map a CRM owner (HubSpot or Pipedrive owner id, an email, a CSV name) to a rep; their facts follow.',
  examples: ['link @dana hubspot 501', 'link @dana pipedrive 12415231', 'link @dana csv "Dana S."'],
  async run(args, ctx) {
    const usage = `Usage: \`/kpi ${this.usage}\``;
    const [who, source, owner, ...extra] = args;
    // Who may link comes first: a rep typing it wrong learns it is for admins, not how to type it.
    if (!who || !source || !owner || extra.length) {
      await assertAdmin(ctx, 'linking CRM owners');
      throw new AppError('bad_request', `Say who, which CRM and which owner.\n${usage}`);
    }
    try {
      return buildOwnerLinked(await linkCrmOwner(ctx, { who, source, owner }));
    } catch (error) {
      if (isServiceError(error) && error.code === 'bad_request')
        throw new AppError('bad_request', `${mrkdwnOfMessage(error.message)}\n${usage}`, {
          ...(error.field ? { field: error.field } : {}),
        });
      throw error;
    }
  },
};

const SETTINGS: string[] = [...SETTING_KEYS, 'webhooks'];

/** What to type when a setting is named without a value: the setting's own usage where it has one. */
const EMPTY_VALUE_USAGE: Record<string, (key: string) => string> = {
  'funnel-stages': () => FUNNEL_STAGES_USAGE,
  'celebrations-channel': () => mrkdwnOfMessage(CELEBRATIONS_CHANNEL_USAGE),
  'celebrate-min': () => mrkdwnOfMessage(CELEBRATE_MIN_USAGE),
  'stalled-days': () => mrkdwnOfMessage(STALLED_DAYS_USAGE),
};

/** `/kpi settings webhooks`: where this workspace's CRM sends its events (admins only: the URLs carry its key). */
async function webhookSettings(ctx: TCommandContext): Promise<TReply> {
  await assertAdmin(ctx, 'seeing the webhook addresses');
  const url = (path: string) => ctx.webhookUrl?.(path) ?? path;
  return buildWebhookSettings({
    hubspot: url(WEBHOOK_PATHS.hubspot),
    pipedrive: url(WEBHOOK_PATHS.pipedrive),
    generic: url(WEBHOOK_PATHS.generic),
  });
}

/** `/kpi settings [name value]`: the workspace's reporting settings (admins change them). */
export const settingsCommand: TCommand = {
  name: 'settings',
  usage:
    'settings [timezone <zone> | fiscal-year <month> | week-start <day> | currency <code> | leaderboard-channel #channel | leaderboard-schedule <cron|off> | leaderboard-metric <id> | leaderboard-top <N> | alerts-schedule <cron|off> | quiet-hours <HH:MM-HH:MM|off> | alert <rule> <on|off|threshold> | funnel-stages <stage,stage,...|reset> | celebrations-channel #channel|off | celebrate-min <amount|off> | stalled-days <N|default> | stalled-schedule <cron|off> | webhooks]',
  summary:
    "Show or change the workspace's settings: time zone, fiscal year, week start, currency, the weekly leaderboard, alert schedule, quiet hours, alert rules, the funnel's stage order, deal-won celebrations and stalled deals.",
  examples: [
    'settings',
    'settings timezone Europe/Berlin',
    'settings fiscal-year april',
    'settings leaderboard-channel #sales',
    'settings webhooks',
    'settings leaderboard-schedule 0 9 * * 1',
    'settings quiet-hours 20:00-08:00',
    'settings alert personalized_behind_pace off',
    'settings funnel-stages Prospecting,Engaging',
    'settings celebrations-channel #wins',
    'settings celebrate-min 5k',
    'settings stalled-days 10',
  ],
  async run(args, ctx) {
    const usage = `Usage: \`/kpi ${this.usage}\``;
    const [name, ...rest] = args;
    if (!name) return buildSettings(workspaceSettings(ctx));
    const key = name.toLowerCase();
    if (!SETTINGS.includes(key)) {
      const near = closestMatch(key, SETTINGS);
      throw new AppError(
        'bad_request',
        `"${escapeMrkdwn(name)}" is not a setting${near ? ` (did you mean ${near}?)` : ''}.\n${usage}`,
      );
    }
    if (key === 'webhooks') return webhookSettings(ctx);
    await assertAdmin(ctx, 'changing settings');
    const value = rest.join(' ').trim();
    if (!value)
      throw new AppError(
        'bad_request',
        (EMPTY_VALUE_USAGE[key] ?? ((k: string) => `Say the new ${k}.\n${usage}`))(key),
      );
    // A refusal reaches the router as the service's own error, with the field it concerns.
    return buildSettingChanged(await changeSetting(ctx, { key, value }));
  },
};

export const ADMIN_COMMANDS: TCommand[] = [linkCommand, settingsCommand];
