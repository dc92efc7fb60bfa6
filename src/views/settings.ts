import type { KnownBlock } from '@slack/types';
import { plural } from '../reports/format.js';
import { LIMITS, mrkdwnSections } from './blocks.js';
import { buildConfirmation, escapeMrkdwn, mrkdwnOfMessage } from './help.js';
import { plain, plainOfMessage, table, toJson } from './terminal.js';
import type { TReply, TReplyData } from './types.js';

/** The workspace's settings as the settings service returns them. */
export type TSettingsView = {
  timezone: string;
  fiscalYearStartMonth: number;
  weekStartsOn: number;
  currency: string;
  leaderboardChannel: string | null;
  jobs: { job: string; enabled: boolean; schedule: string }[];
  quietHours: { start: string; end: string } | null;
  /** `threshold` as the rule compares it (0.3); `shown` as people type it (30%, 60 days). */
  alertRules: { id: string; enabled: boolean; threshold: number; shown: string }[];
  /** The funnel's stages in order as set; `learned`: not set, learned from the deals (histories or stages). */
  funnelStages: { stages: string[]; learned: boolean };
  /** Deal-won celebrations: a channel, off, or the server's default (KPI_CELEBRATIONS_CHANNEL); the least amount. */
  celebrations?: {
    setting: 'channel' | 'off' | 'default';
    channel: string | null;
    min: number;
    minShown: string;
  };
  /** Days without logged activity after which an open deal is stalled. */
  stalledDays?: { days: number; isDefault: boolean };
};

const months = new Intl.DateTimeFormat('en', { month: 'long', timeZone: 'UTC' });
const days = new Intl.DateTimeFormat('en', { weekday: 'long', timeZone: 'UTC' });
const JOB_TITLES: Record<string, string> = {
  leaderboard: 'Weekly leaderboard',
  'coaching-alerts': 'Coaching alerts',
  'stalled-deals': 'Stalled deals (DMs)',
};
const jobTitle = (job: string) => JOB_TITLES[job] ?? job;

/** Where celebrations go, as a person reads it. */
function celebrationsShown(view: TSettingsView, channel: (id: string) => string): string {
  const c = view.celebrations;
  if (!c || c.setting === 'off') return 'off';
  if (c.setting === 'channel' && c.channel) return channel(c.channel);
  return "the server's default (KPI_CELEBRATIONS_CHANNEL; off when unset)";
}

/** Celebrations and stalled deals (views built before these settings existed leave them out). */
function issue17Rows(view: TSettingsView, channel: (id: string) => string): [string, string][] {
  const rows: [string, string][] = [];
  if (view.celebrations) {
    rows.push(['Celebrations channel', celebrationsShown(view, channel)]);
    rows.push(['Celebrate wins from', view.celebrations.min > 0 ? view.celebrations.minShown : 'any amount']);
  }
  if (view.stalledDays) {
    const { days, isDefault } = view.stalledDays;
    rows.push(['Stalled after', `${plural(days, 'day')} without activity${isDefault ? ' (default)' : ''}`]);
  }
  return rows;
}

/** Each setting as a label and its value; `channel` and `code` mark up a channel and a literal for the view. */
function settingRows(
  view: TSettingsView,
  mark: { channel: (id: string) => string; code: (s: string) => string; name: (s: string) => string },
): [string, string][] {
  return [
    ['Time zone', view.timezone],
    ['Fiscal year starts in', months.format(Date.UTC(2000, view.fiscalYearStartMonth - 1, 1)).toLowerCase()],
    // 2000-01-02 was a Sunday.
    ['Weeks start on', days.format(Date.UTC(2000, 0, 2 + view.weekStartsOn)).toLowerCase()],
    ['Currency', view.currency],
    ['Leaderboard channel', view.leaderboardChannel ? mark.channel(view.leaderboardChannel) : 'not set'],
    ...view.jobs.map((j): [string, string] => [jobTitle(j.job), j.enabled ? mark.code(j.schedule) : 'off']),
    ['Quiet hours', view.quietHours ? `${view.quietHours.start}-${view.quietHours.end}` : 'off'],
    ...issue17Rows(view, mark.channel),
    [
      'Funnel stages',
      view.funnelStages.learned
        ? '(learned from the deals)'
        : view.funnelStages.stages.map((stage) => mark.name(stage)).join(' → '),
    ],
    ['Alert rules', view.alertRules.map((r) => `${r.id} ${r.enabled ? r.shown : 'off'}`).join(', ')],
  ];
}

/** A channel in mrkdwn: a Slack channel id as a link; a local-mode channel name (#wins) as text. */
const slackChannel = (id: string) => (/^[CG][A-Z0-9]+$/.test(id) ? `<#${id}>` : `#${escapeMrkdwn(id)}`);

const slackLines = (view: TSettingsView) =>
  settingRows(view, { channel: slackChannel, code: (s) => `\`${s}\``, name: escapeMrkdwn }).map(
    ([label, value]) => `${label}: ${value}`,
  );
const slackText = (view: TSettingsView) => slackLines(view).join('\n');

/**
 * The settings as `/kpi settings` shows them in Slack (mrkdwn): a line each, in sections within Slack's limit (a
 * line too long alone, such as 30 long stage names, is shortened), so the settings always show.
 */
export function settingsBlocks(view: TSettingsView): KnownBlock[] {
  return mrkdwnSections(slackLines(view), { maxBlocks: LIMITS.blocks });
}

/** The settings for a terminal: labels and values in two columns; alert rules one a line. */
export function settingsText(view: TSettingsView): string {
  const rows = settingRows(view, { channel: (id) => `#${id}`, code: (s) => s, name: plain }).slice(0, -1);
  // One rule a line, under its label.
  const rules = view.alertRules.map((r, i) => [
    i === 0 ? 'Alert rules' : '',
    `${r.id} ${r.enabled ? r.shown : 'off'}`,
  ]);
  return table([...rows, ...(rules.length ? rules : [['Alert rules', 'none']])]).join('\n');
}

/** The settings as data: as the service returns them (months 1-12, weekStartsOn 0 = Sunday, times HH:MM). */
export function settingsJson(view: TSettingsView): TReplyData {
  return {
    type: 'settings',
    timezone: view.timezone,
    fiscalYearStartMonth: view.fiscalYearStartMonth,
    weekStartsOn: view.weekStartsOn,
    currency: view.currency,
    leaderboardChannel: view.leaderboardChannel,
    jobs: toJson(view.jobs),
    quietHours: toJson(view.quietHours),
    alertRules: toJson(view.alertRules),
    funnelStages: { stages: [...view.funnelStages.stages], learned: view.funnelStages.learned },
    ...(view.celebrations
      ? {
          celebrations: {
            setting: view.celebrations.setting,
            channel: view.celebrations.channel,
            min: view.celebrations.min,
          },
        }
      : {}),
    ...(view.stalledDays
      ? { stalledDays: { days: view.stalledDays.days, isDefault: view.stalledDays.isDefault } }
      : {}),
  };
}

/** `/kpi settings`: the workspace's settings. */
export function buildSettings(view: TSettingsView): TReply {
  return {
    text: slackText(view),
    blocks: settingsBlocks(view),
    terminal: settingsText(view),
    data: settingsJson(view),
    visibility: 'ephemeral',
  };
}

/** "Saved: quiet-hours are now 21:00-07:00." (plain text; `backticks` mark a literal value). */
export function settingChangedText(changed: {
  key: string;
  subject: string;
  shown: string;
  note?: string;
}): string {
  const plural = changed.key === 'quiet-hours' || changed.key === 'funnel-stages';
  return `Saved: ${changed.subject} ${plural ? 'are' : 'is'} now ${changed.shown}.${changed.note ? ` ${changed.note}` : ''}`;
}

/** `/kpi settings <name> <value>`: the change confirmed; as data the setting and the value now saved. */
export function buildSettingChanged(changed: {
  key: string;
  subject: string;
  shown: string;
  note?: string;
}): TReply {
  const words = settingChangedText(changed);
  return buildConfirmation({
    mrkdwn: mrkdwnOfMessage(words),
    plain: plainOfMessage(words),
    data: {
      type: 'setting_changed',
      setting: changed.key,
      subject: changed.subject,
      value: plainOfMessage(changed.shown),
    },
  });
}

/** Where each source sends its events, and how it signs them. */
const SOURCES = [
  ['hubspot', 'HubSpot', "signed with the HubSpot app's client secret"],
  ['pipedrive', 'Pipedrive', 'with the HTTP user and password of the webhook'],
  ['generic', 'Generic JSON API', 'signed with X-KPI-Signature'],
] as const;

const WEBHOOKS_LEAD = "(keep these private: they are this workspace's addresses):";
const WEBHOOKS_NOTE =
  'A source answers 404 until its secret is configured on the server (docs/configuration.md).';

/** `/kpi settings webhooks`: the addresses a CRM sends this workspace's events to (admins only). */
export function buildWebhookSettings(urls: { hubspot: string; pipedrive: string; generic: string }): TReply {
  const text = [
    `*Where your CRM sends events* ${WEBHOOKS_LEAD}`,
    ...SOURCES.map(([id, name, how]) => `• ${name}: \`${urls[id]}\` (${how})`),
    WEBHOOKS_NOTE,
  ].join('\n');
  const terminal = [
    `Where your CRM sends events ${WEBHOOKS_LEAD}`,
    ...SOURCES.flatMap(([id, name, how]) => [`${name} (${how}):`, `  ${urls[id]}`]),
    WEBHOOKS_NOTE,
  ].join('\n');
  return {
    text,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
    terminal,
    data: {
      type: 'webhooks',
      sources: SOURCES.map(([id, name]) => ({ source: id, name, url: urls[id] })),
    },
    visibility: 'ephemeral',
  };
}
