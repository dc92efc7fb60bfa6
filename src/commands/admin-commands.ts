import { isTimeZone } from '../config.js';
import { AppError } from '../errors.js';
import { linkOwner, ownerIdentityKey } from '../ingest/identities.js';
import { WEBHOOK_PATHS } from '../ingest/webhook-keys.js';
import { buildDone, escapeMrkdwn } from '../slack/views/help.js';
import { findRep } from '../store/reps.js';
import { closestMatch } from './closest.js';
import { actorRep, isAdmin } from './permissions.js';
import type { TCommand, TCommandContext, TReply } from './types.js';

async function assertAdmin(ctx: TCommandContext, what: string): Promise<void> {
  if (isAdmin(ctx, await actorRep(ctx))) return;
  ctx.logger.info({ actor: ctx.actor.slackUserId ?? ctx.actor.name, what }, 'permission denied');
  throw new AppError('forbidden', `Sorry, ${what} is for KPI Bot admins. Ask one of them.`);
}

/** `/kpi link @user <crm> <owner id|email>`: map a CRM owner to a rep (admins). */
export const linkCommand: TCommand = {
  name: 'link',
  usage: 'link @user <crm> <owner id | email>',
  summary:
    'Map a CRM owner (HubSpot or Pipedrive owner id, an email, a CSV name) to a rep; their facts follow.',
  examples: ['link @dana hubspot 501', 'link @dana pipedrive 12415231', 'link @dana csv "Dana S."'],
  async run(args, ctx) {
    const usage = `Usage: \`/kpi ${this.usage}\``;
    await assertAdmin(ctx, 'linking CRM owners');
    const [who, source, owner, ...extra] = args;
    if (!who || !source || !owner || extra.length)
      throw new AppError('bad_request', `Say who, which CRM and which owner.\n${usage}`);
    if (!/^[a-z0-9_-]{1,40}$/i.test(source))
      throw new AppError(
        'bad_request',
        `"${escapeMrkdwn(source)}" is not a source name such as hubspot.\n${usage}`,
      );
    const rep = await findRep(ctx.store.db, ctx.workspace.id, who);
    if (!rep) throw new AppError('not_found', `I do not know ${escapeMrkdwn(who)} as a rep here.`);
    const crm = source.toLowerCase();
    const ownerText = owner.replace(/^<mailto:([^|>]+)(\|[^>]*)?>$/, '$1');
    const moved = await ctx.store.db.$transaction((tx) =>
      linkOwner(tx, ctx.workspace.id, crm, ownerIdentityKey(crm, ownerText), rep.id),
    );
    return buildDone(
      `Linked ${crm} ${ownerText} to ${rep.name}: ${moved} earlier facts are now theirs; waiting events follow within seconds.`,
    );
  },
};

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const SETTINGS = ['timezone', 'fiscal-year', 'week-start', 'currency', 'leaderboard-channel', 'webhooks'];

/** `/kpi settings webhooks`: where this workspace's CRM sends its events (admins only: the URLs carry its key). */
async function webhookSettings(ctx: TCommandContext): Promise<TReply> {
  await assertAdmin(ctx, 'seeing the webhook addresses');
  const url = (path: string) => ctx.webhookUrl?.(path) ?? path;
  const lines = [
    "*Where your CRM sends events* (keep these private: they are this workspace's addresses):",
    `• HubSpot: \`${url(WEBHOOK_PATHS.hubspot)}\` (signed with the HubSpot app's client secret)`,
    `• Pipedrive: \`${url(WEBHOOK_PATHS.pipedrive)}\` (with the HTTP user and password of the webhook)`,
    `• Generic JSON API: \`${url(WEBHOOK_PATHS.generic)}\` (signed with X-KPI-Signature)`,
    'A source answers 404 until its secret is configured on the server (see the README).',
  ];
  const text = lines.join('\n');
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }], visibility: 'ephemeral' };
}

/** `/kpi settings [name value]`: the workspace's reporting settings (admins change them). */
export const settingsCommand: TCommand = {
  name: 'settings',
  usage:
    'settings [timezone <zone> | fiscal-year <month> | week-start <day> | currency <code> | leaderboard-channel #channel | webhooks]',
  summary:
    "Show or change the workspace's time zone, fiscal year, week start, currency and leaderboard channel.",
  examples: [
    'settings',
    'settings timezone Europe/Berlin',
    'settings fiscal-year april',
    'settings leaderboard-channel #sales',
    'settings webhooks',
  ],
  async run(args, ctx) {
    const usage = `Usage: \`/kpi ${this.usage}\``;
    const ws = ctx.workspace;
    const [name, ...rest] = args;
    if (!name) {
      const text = [
        `Time zone: ${ws.timezone}`,
        `Fiscal year starts in: ${MONTHS[ws.fiscalYearStartMonth - 1]}`,
        `Weeks start on: ${DAYS[ws.weekStartsOn]}`,
        `Currency: ${ws.currency}`,
        `Leaderboard channel: ${ws.leaderboardChannel ? `<#${ws.leaderboardChannel}>` : 'not set'}`,
      ].join('\n');
      return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }], visibility: 'ephemeral' };
    }
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
    if (!value) throw new AppError('bad_request', `Say the new ${key}.\n${usage}`);
    const data: Record<string, string | number> = {};
    if (key === 'timezone') {
      if (!isTimeZone(value))
        throw new AppError(
          'bad_request',
          `"${escapeMrkdwn(value)}" is not a time zone such as Europe/Berlin or America/New_York.`,
        );
      data.timezone = value;
    } else if (key === 'fiscal-year') {
      const month = /^\d{1,2}$/.test(value)
        ? Number(value)
        : MONTHS.findIndex((m) => m.startsWith(value.toLowerCase().slice(0, 3))) + 1;
      if (!(month >= 1 && month <= 12))
        throw new AppError('bad_request', `"${escapeMrkdwn(value)}" is not a month (april, or 4).`);
      data.fiscalYearStartMonth = month;
    } else if (key === 'week-start') {
      const day = DAYS.findIndex((d) => d.startsWith(value.toLowerCase().slice(0, 3)));
      if (day < 0 || value.length < 3)
        throw new AppError('bad_request', `"${escapeMrkdwn(value)}" is not a day of the week.`);
      data.weekStartsOn = day;
    } else if (key === 'currency') {
      const code = value.toUpperCase();
      if (!Intl.supportedValuesOf('currency').includes(code))
        throw new AppError(
          'bad_request',
          `"${escapeMrkdwn(value)}" is not a currency code such as USD or EUR.`,
        );
      data.currency = code;
    } else {
      const m = /^<#([CG][A-Z0-9]+)(\|[^>]*)?>$/.exec(value);
      if (!m)
        throw new AppError(
          'bad_request',
          'Pick the channel with #, e.g. `/kpi settings leaderboard-channel #sales`.',
        );
      data.leaderboardChannel = m[1] as string;
    }
    await ctx.store.db.workspace.update({ where: { id: ws.id }, data });
    ctx.logger.info({ setting: key }, 'workspace setting changed');
    return buildDone(
      `Saved: ${key} is now ${key === 'leaderboard-channel' ? value.replace(/^<#[A-Z0-9]+\|?([^>]*)>$/, '#$1') : value}.`,
    );
  },
};

export const ADMIN_COMMANDS: TCommand[] = [linkCommand, settingsCommand];
