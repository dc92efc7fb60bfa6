import { isTimeZone } from '../config.js';
import { closestMatch } from '../domain/closest.js';
import { parseWorkspaceSettings, type TWorkspaceSettings } from '../domain/settings.js';
import { AppError } from '../errors.js';
import { linkOwner, ownerIdentityKey } from '../ingest/identities.js';
import { WEBHOOK_PATHS } from '../ingest/webhook-keys.js';
import { DEFAULT_QUIET_HOURS } from '../jobs/coaching-job.js';
import { JOB_NAMES, jobSettings } from '../jobs/runner.js';
import { isJobSchedule } from '../jobs/schedule.js';
import { SCALAR_METRICS } from '../metrics/scalar.js';
import { RULE_IDS, ruleConfig } from '../reports/coaching-rules.js';
import { actorRep, isAdmin } from '../services/permissions.js';
import { findRep } from '../store/reps.js';
import { updateWorkspaceSettings } from '../store/workspaces.js';
import { buildDone, codeSpan, escapeMrkdwn } from '../views/help.js';
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
/** Settings kept in the workspace's settings JSON (the scheduled jobs). */
const JOB_SETTING_NAMES = [
  'leaderboard-schedule',
  'leaderboard-metric',
  'leaderboard-top',
  'alerts-schedule',
  'quiet-hours',
  'alert',
];
const JOB_SETTINGS = new Set(JOB_SETTING_NAMES);
const SETTINGS = [
  'timezone',
  'fiscal-year',
  'week-start',
  'currency',
  'leaderboard-channel',
  ...JOB_SETTING_NAMES,
  'webhooks',
];

/** Settings kept in the workspace's settings JSON: the scheduled jobs, alert rules and quiet hours. */
function jobSetting(
  key: string,
  value: string,
  ws: { settings: string },
): { patch: Partial<TWorkspaceSettings>; said: string } {
  const current = parseWorkspaceSettings(ws.settings);
  const jobs = { ...(current.jobs ?? {}) };
  const bad = (msg: string): never => {
    throw new AppError('bad_request', msg);
  };
  const lower = value.toLowerCase();
  if (key === 'leaderboard-schedule' || key === 'alerts-schedule') {
    const job = key === 'leaderboard-schedule' ? 'leaderboard' : 'coaching-alerts';
    const entry = { ...(jobs[job] ?? {}) };
    if (lower === 'off' || lower === 'on') entry.enabled = lower === 'on';
    else if (isJobSchedule(value)) {
      entry.schedule = value.trim().replace(/\s+/g, ' ');
      entry.enabled = true;
    } else
      bad(
        `${codeSpan(value)} is not a schedule. Use five cron fields in the workspace's time zone, e.g. \`0 9 * * 1\` (Mondays 09:00), at most once an hour, or off.`,
      );
    jobs[job] = entry;
    return {
      patch: { jobs },
      said: `${key} is now ${lower === 'off' || lower === 'on' ? lower : codeSpan(entry.schedule ?? '')}`,
    };
  }
  if (key === 'leaderboard-metric') {
    const metric = SCALAR_METRICS.find((m) => m.id === lower);
    if (!metric) {
      const near = closestMatch(
        lower,
        SCALAR_METRICS.map((m) => m.id),
      );
      bad(`"${escapeMrkdwn(value)}" is not a metric${near ? ` (did you mean ${near}?)` : ''}.`);
    }
    jobs.leaderboard = { ...(jobs.leaderboard ?? {}), metric: metric?.id };
    return { patch: { jobs }, said: `leaderboard-metric is now ${metric?.id}` };
  }
  if (key === 'leaderboard-top') {
    const n = Number(value);
    if (!/^\d{1,2}$/.test(value) || n < 1 || n > 25)
      bad('The leaderboard shows 1 to 25 people, e.g. `/kpi settings leaderboard-top 5`.');
    jobs.leaderboard = { ...(jobs.leaderboard ?? {}), top: n };
    return { patch: { jobs }, said: `leaderboard-top is now ${n}` };
  }
  if (key === 'quiet-hours') {
    if (lower === 'off') return { patch: { quietHours: null }, said: 'quiet-hours is now off' };
    const m = /^([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-3]):([0-5]\d)$/.exec(value.trim());
    if (!m)
      bad("Say the quiet hours as HH:MM-HH:MM in the workspace's time zone, e.g. `20:00-08:00`, or off.");
    const quietHours = { start: `${m?.[1]}:${m?.[2]}`, end: `${m?.[3]}:${m?.[4]}` };
    return { patch: { quietHours }, said: `quiet-hours are now ${quietHours.start}-${quietHours.end}` };
  }
  // alert <rule> on|off|<threshold>
  const [rule = '', setting = ''] = value.split(/\s+/);
  if (!(RULE_IDS as string[]).includes(rule)) {
    const near = closestMatch(rule, RULE_IDS);
    bad(
      `"${escapeMrkdwn(rule)}" is not an alert rule${near ? ` (did you mean ${near}?)` : ''}. The rules: ${RULE_IDS.join(', ')}.`,
    );
  }
  const alerts = { ...(current.alerts ?? {}) };
  const entry = { ...(alerts[rule] ?? {}) };
  if (setting === 'on' || setting === 'off') entry.enabled = setting === 'on';
  else if (/^\d+(\.\d+)?$/.test(setting)) entry.threshold = Number(setting);
  else bad(`Say on, off or a threshold for ${rule}, e.g. \`/kpi settings alert ${rule} off\`.`);
  alerts[rule] = entry;
  return { patch: { alerts }, said: `alert ${rule} is now ${setting}` };
}

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
    'settings [timezone <zone> | fiscal-year <month> | week-start <day> | currency <code> | leaderboard-channel #channel | leaderboard-schedule <cron|off> | leaderboard-metric <id> | leaderboard-top <N> | alerts-schedule <cron|off> | quiet-hours <HH:MM-HH:MM|off> | alert <rule> <on|off|threshold> | webhooks]',
  summary:
    "Show or change the workspace's time zone, fiscal year, week start, currency and leaderboard channel.",
  examples: [
    'settings',
    'settings timezone Europe/Berlin',
    'settings fiscal-year april',
    'settings leaderboard-channel #sales',
    'settings webhooks',
    'settings leaderboard-schedule 0 9 * * 1',
    'settings quiet-hours 20:00-08:00',
    'settings alert personalized_behind_pace off',
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
        ...JOB_NAMES.map((job) => {
          const j = jobSettings(ws, job);
          return `${job === 'leaderboard' ? 'Weekly leaderboard' : 'Coaching alerts'}: ${j.enabled ? `\`${j.schedule}\`` : 'off'}`;
        }),
        `Quiet hours: ${(() => {
          const q = parseWorkspaceSettings(ws.settings).quietHours;
          return q === null ? 'off' : `${(q ?? DEFAULT_QUIET_HOURS).start}-${(q ?? DEFAULT_QUIET_HOURS).end}`;
        })()}`,
        `Alert rules: ${RULE_IDS.map((id) => {
          const c = ruleConfig(parseWorkspaceSettings(ws.settings).alerts ?? {})[id];
          return `${id} ${c.enabled ? c.threshold : 'off'}`;
        }).join(', ')}`,
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
    if (JOB_SETTINGS.has(key)) {
      // Read, change and write in one transaction, so two admins' changes do not overwrite each other.
      let said = '';
      await updateWorkspaceSettings(ctx.store.db, ws.id, (fresh) => {
        const change = jobSetting(key, value, fresh);
        said = change.said;
        return change.patch;
      });
      ctx.logger.info({ setting: key }, 'workspace setting changed');
      // Each `said` is made of fixed words, checked values and code spans: shown as it is.
      return buildDone(`Saved: ${said}.`, { mrkdwn: true });
    }
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
