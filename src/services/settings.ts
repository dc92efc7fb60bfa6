import { z } from 'zod';
import { isTimeZone } from '../config.js';
import { closestMatch } from '../domain/closest.js';
import { DEFAULT_STALLED_DAYS } from '../domain/notify.js';
import { parseWorkspaceSettings, type TWorkspaceSettings } from '../domain/settings.js';
import { DEFAULT_QUIET_HOURS } from '../jobs/coaching-job.js';
import { JOB_NAMES, jobSettings } from '../jobs/runner.js';
import { isJobSchedule } from '../jobs/schedule.js';
import { SCALAR_METRICS } from '../metrics/scalar.js';
import { ALERT_THRESHOLDS, RULE_IDS, ruleConfig, type TRuleId } from '../reports/coaching-rules.js';
import { plural } from '../reports/format.js';
import { dealAmountsInOtherCurrencies } from '../store/deals.js';
import { countAdminReps } from '../store/reps.js';
import { dealStageNames, stageOccupancy } from '../store/stage-names.js';
import { countTargetsOn } from '../store/targets.js';
import {
  LOCAL_TEAM_ID,
  type TWorkspaceColumns,
  updateWorkspace,
  updateWorkspaceSettings,
} from '../store/workspaces.js';
import type { TServiceContext } from './context.js';
import { code, inputOf, refuse, ServiceError } from './errors.js';
import { actorRep, isAdmin } from './permissions.js';

/**
 * The workspace's settings: reading them (anyone) and changing one (KPI Bot admins). Every transport calls these:
 * `/kpi settings`, and any form or CLI that changes a setting. Messages are plain text; `backticks` mark a
 * literal value (a cron schedule), which Slack shows as code.
 */

export const MONTHS = [
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
export const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/** Settings kept in the workspace's settings JSON (the scheduled jobs, alert rules, quiet hours). */
const JOB_SETTING_KEYS = [
  'leaderboard-schedule',
  'leaderboard-metric',
  'leaderboard-top',
  'alerts-schedule',
  'quiet-hours',
  'alert',
  'celebrations-channel',
  'celebrate-min',
  'stalled-days',
  'stalled-schedule',
] as const;
export const SETTING_KEYS = [
  'timezone',
  'fiscal-year',
  'week-start',
  'currency',
  'leaderboard-channel',
  ...JOB_SETTING_KEYS,
  'funnel-stages',
] as const;
export type TSettingKey = (typeof SETTING_KEYS)[number];

export type TWorkspaceSettingsView = {
  timezone: string;
  /** 1 = January. */
  fiscalYearStartMonth: number;
  /** 0 = Sunday. */
  weekStartsOn: number;
  currency: string;
  leaderboardChannel: string | null;
  jobs: { job: (typeof JOB_NAMES)[number]; enabled: boolean; schedule: string }[];
  quietHours: { start: string; end: string } | null;
  /** Each rule's threshold as the rule compares it (a percent as a fraction) and as a person reads it (30%). */
  alertRules: { id: string; enabled: boolean; threshold: number; shown: string }[];
  /** The funnel's stages in order as an admin set them; `learned` (stages empty): learned from the deals. */
  funnelStages: { stages: string[]; learned: boolean };
  /**
   * Deal-won celebrations and 100% milestones (issue 17): `setting` channel (`channel` the id), off (null, even
   * when KPI_CELEBRATIONS_CHANNEL is set) or default (whatever KPI_CELEBRATIONS_CHANNEL says; off when unset).
   * `min`: deals won below this amount are not celebrated, compared in whole units of each deal's own currency (no
   * conversion), so `minShown` carries no currency symbol: "5,000 in each deal's currency".
   */
  celebrations: {
    setting: 'channel' | 'off' | 'default';
    channel: string | null;
    min: number;
    minShown: string;
  };
  /** An open deal with no logged activity for this many days is stalled; `isDefault` when not set. */
  stalledDays: { days: number; isDefault: boolean };
};

/** The workspace's settings as they apply now (defaults filled in). */
export function workspaceSettings(ctx: Pick<TServiceContext, 'workspace'>): TWorkspaceSettingsView {
  const ws = ctx.workspace;
  const stored = parseWorkspaceSettings(ws.settings);
  const rules = ruleConfig(stored.alerts ?? {});
  return {
    timezone: ws.timezone,
    fiscalYearStartMonth: ws.fiscalYearStartMonth,
    weekStartsOn: ws.weekStartsOn,
    currency: ws.currency,
    leaderboardChannel: ws.leaderboardChannel ?? null,
    jobs: JOB_NAMES.map((job) => {
      const j = jobSettings(ws, job);
      return { job, enabled: j.enabled, schedule: j.schedule };
    }),
    quietHours: stored.quietHours === null ? null : (stored.quietHours ?? DEFAULT_QUIET_HOURS),
    alertRules: RULE_IDS.map((id) => ({
      id,
      enabled: rules[id].enabled,
      threshold: rules[id].threshold,
      shown: thresholdShown(id, rules[id].threshold),
    })),
    funnelStages: stored.funnelStages
      ? { stages: stored.funnelStages, learned: false }
      : { stages: [], learned: true },
    celebrations: {
      setting:
        stored.celebrationsChannel === null
          ? 'off'
          : stored.celebrationsChannel === undefined
            ? 'default'
            : 'channel',
      channel: stored.celebrationsChannel ?? null,
      min: stored.celebrateMin ?? 0,
      minShown: celebrateMinShown(stored.celebrateMin ?? 0),
    },
    stalledDays: {
      days: stored.stalledDays ?? DEFAULT_STALLED_DAYS,
      isDefault: stored.stalledDays === undefined,
    },
  };
}

/** `/kpi settings celebrations-channel` without a channel: what to type. */
export const CELEBRATIONS_CHANNEL_USAGE =
  'Pick the channel with #, e.g. `/kpi settings celebrations-channel #wins`, or `/kpi settings celebrations-channel off`.';
/** `/kpi settings celebrate-min` refused: what to type. */
export const CELEBRATE_MIN_USAGE =
  "Say the smallest deal to celebrate in whole units, e.g. `/kpi settings celebrate-min 5000` or `/kpi settings celebrate-min 5k`, or `/kpi settings celebrate-min off` to celebrate every win. It is compared in each deal's own currency, without conversion: 5000 means $5,000 for a USD deal and ¥5,000 for a JPY deal.";
/** `/kpi settings stalled-days` refused: what to type. */
export const STALLED_DAYS_USAGE = `Say after how many days without logged activity an open deal is stalled, a whole number from 1 to 365, e.g. \`/kpi settings stalled-days 10\`, or \`/kpi settings stalled-days default\` for the default (${DEFAULT_STALLED_DAYS}).`;
/** The largest celebrate-min (whole units): a trillion, far above any deal, and exact as a number. */
export const CELEBRATE_MIN_MAX = 1_000_000_000_000;

/** `/kpi settings leaderboard-channel` refused: what to type. */
const LEADERBOARD_CHANNEL_USAGE = 'Pick the channel with #, e.g. `/kpi settings leaderboard-channel #sales`.';

/** A channel name as local mode takes it (Slack's rules: lower case letters, digits, - and _, at most 80). */
const LOCAL_CHANNEL = /^#([a-z0-9][a-z0-9_-]{0,79})$/;

/**
 * The channel a setting names: a Slack channel reference (<#C123|name>, as Slack sends a picked channel; the id is
 * kept). In local mode's workspace, which never talks to Slack, a plain #name is taken as typed (the terminal
 * prints the messages under it); in a Slack workspace a name is refused, saying why, since only an id reaches
 * the channel.
 */
function channelOf(value: string, slackTeamId: string, usage: string): { id: string; shown: string } {
  const typed = value.trim();
  const m = /^<#([CG][A-Z0-9]+)(\|[^>]*)?>$/.exec(typed);
  if (m) return { id: m[1] as string, shown: typed.replace(/^<#[A-Z0-9]+\|?([^>]*)>$/, '#$1') };
  const local = LOCAL_CHANNEL.exec(typed.toLowerCase());
  if (local && slackTeamId === LOCAL_TEAM_ID) return { id: local[1] as string, shown: `#${local[1]}` };
  if (slackTeamId === LOCAL_TEAM_ID)
    refuse(
      'value',
      `In local mode, type the channel as #name (letters, digits, - and _), e.g. ${usage.match(/`[^`]+`/)?.[0] ?? ''}.`,
    );
  if (/^#\S+$/.test(typed))
    refuse(
      'value',
      `That channel reached KPI Bot as plain text, not as a channel Slack picked, and only the channel's id reaches it. Pick the channel from the list Slack shows as you type #, or use its id as <#C0123ABCD>. ${usage}`,
    );
  refuse('value', usage);
}

/** The least amount to celebrate as it reads: a plain number, since it is compared in each deal's currency. */
export function celebrateMinShown(n: number): string {
  return n > 0 ? `${n.toLocaleString('en-US')} in each deal's currency` : 'any amount';
}

/** The symbols that stand for a currency (US$ and $ for USD, € for EUR, CA$ and $ for CAD). */
function symbolsOf(currency: string): string[] {
  const out = new Set<string>();
  for (const currencyDisplay of ['symbol', 'narrowSymbol'] as const) {
    try {
      const part = new Intl.NumberFormat('en', { style: 'currency', currency, currencyDisplay })
        .formatToParts(1)
        .find((p) => p.type === 'currency');
      if (part) out.add(part.value);
    } catch {
      // Not a currency Intl knows: only its code is accepted.
    }
  }
  return [...out];
}

/** Symbols of common currencies, to say which one a refused amount was typed in. */
const KNOWN_SYMBOLS = [
  '$',
  '€',
  '£',
  '¥',
  '₹',
  '₩',
  '₽',
  '₺',
  '₪',
  '฿',
  '₫',
  '₱',
  'R$',
  'A$',
  'C$',
  'CA$',
  'US$',
  'HK$',
  'NZ$',
  'Fr',
  'kr',
  'zł',
];

/**
 * celebrate-min as typed: a whole amount (5000, 5,000, 5k, 2.5k) alone, or with the workspace currency's code or
 * symbol before or after it ($5,000, USD 5000, 5000 usd). Another currency is refused, saying why: the amount
 * is compared in each deal's own currency without conversion, so naming one currency would mislead.
 */
export function celebrateMinOf(typed: string, currency: string): number {
  const m = /^([^\d\s.,]*)\s*(\d[\d,]*(?:\.\d+)?\s*[km]?)\s*([^\d\s.,]*)$/i.exec(typed.trim());
  if (!m) refuse('value', CELEBRATE_MIN_USAGE);
  const [, before = '', amount = '', after = ''] = m;
  if (before && after) refuse('value', CELEBRATE_MIN_USAGE);
  const mark = before || after;
  if (mark) {
    const upper = mark.toUpperCase();
    const isCode = /^[A-Z]{3}$/.test(upper) && Intl.supportedValuesOf('currency').includes(upper);
    const ours = upper === currency || symbolsOf(currency).includes(mark);
    if (!ours && (isCode || KNOWN_SYMBOLS.includes(mark) || symbolsOf(upper).length > 0))
      refuse(
        'value',
        `celebrate-min is one number compared in each deal's own currency, without conversion, so it takes no currency but the workspace's (${currency}): ${code(mark)} is not ${currency}. Type the amount alone, e.g. \`/kpi settings celebrate-min 5000\`.`,
      );
    if (!ours) refuse('value', CELEBRATE_MIN_USAGE);
  }
  const n = parseWholeAmount(amount);
  if (n !== null) return n;
  const digits = amount.replace(/[^\d]/g, '');
  if (/^\d[\d,]*\.\d+$/.test(amount.trim()))
    refuse(
      'value',
      `celebrate-min is in whole units (no cents): ${code(amount)} is not a whole number. ${CELEBRATE_MIN_USAGE}`,
    );
  if (digits.length > 13 || /^\d{1,3}(,\d{3})+$/.test(amount.replace(/\s*[km]$/i, '')))
    refuse(
      'value',
      `celebrate-min is at most ${CELEBRATE_MIN_MAX.toLocaleString('en-US')}. ${CELEBRATE_MIN_USAGE}`,
    );
  refuse('value', CELEBRATE_MIN_USAGE);
}

/**
 * An amount in whole units as an admin types it: digits (thousands separated by commas, or not), optionally
 * followed by k (thousands) or m (millions), which may carry decimals (2.5k). Null when it is not one.
 */
export function parseWholeAmount(typed: string): number | null {
  const m = /^(\d{1,3}(?:,\d{3})+|\d{1,13})(?:\.(\d{1,3}))?\s*([km])?$/i.exec(typed.trim());
  if (!m) return null;
  const [, whole = '', decimals, suffix] = m;
  if (decimals !== undefined && !suffix) return null;
  const scale = suffix?.toLowerCase() === 'k' ? 1_000 : suffix?.toLowerCase() === 'm' ? 1_000_000 : 1;
  // In thousandths, so 2.5k is exact: 2500.
  const milli = BigInt(whole.replace(/,/g, '')) * 1000n + BigInt((decimals ?? '').padEnd(3, '0') || '0');
  const total = milli * BigInt(scale);
  if (total % 1000n !== 0n) return null;
  const n = total / 1000n;
  return n > BigInt(CELEBRATE_MIN_MAX) ? null : Number(n);
}

/** A funnel has at most this many stages, each name at most this long, the list at most this long. */
export const FUNNEL_STAGES_MAX = 30;
export const FUNNEL_STAGE_NAME_MAX = 100;
/** Room for 30 names of 100 characters with a comma and spaces between them. */
export const FUNNEL_STAGES_MAX_TEXT = 4000;
/** Every value but a list of funnel stages is short. */
export const VALUE_MAX = 200;

export const ZChangeSetting = z.object({
  key: z
    .string()
    .transform((k) => k.trim().toLowerCase())
    .pipe(z.enum(SETTING_KEYS, { error: 'Not a setting KPI Bot has.' })),
  // The length is checked with the key (changeSetting): a list of funnel stages may be longer than the rest.
  value: z.string().trim().min(1, { error: 'Say the new value.' }),
});
export type TChangeSettingInput = z.input<typeof ZChangeSetting>;

const count = (n: number) => n.toLocaleString('en-US');

/** The words that go back to the order learned from the deals. */
const FUNNEL_STAGES_RESET = ['reset', 'clear', 'learned', 'off'];

/** `/kpi settings funnel-stages` with no stages: what to type. */
export const FUNNEL_STAGES_USAGE =
  'Say the stages open deals move through, in order, separated by commas, e.g. `/kpi settings funnel-stages Prospecting,Engaging`, or `/kpi settings funnel-stages reset` for the order learned from the deals.';

/** Characters no stage name may hold: controls, line and paragraph separators, format characters (bidi too). */
const UNSEEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
/** Characters that show nothing (besides spaces); a name made of these and spaces alone is empty. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u;
const BLANK = /^[\s\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]*$/u;

/** A stage name as it can be shown: each unseen character written as its code point (U+200B). */
function visibleName(name: string): string {
  const shown = [...name]
    .map((ch) =>
      INVISIBLE.test(ch) || (ch !== ' ' && /\s/u.test(ch))
        ? `[U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}]`
        : ch,
    )
    .join('');
  return shown.length > 60 ? `${shown.slice(0, 59)}…` : shown;
}

/** Names in a sentence: `A`, `A and B`, `A, B and 3 more`. */
function namesList(names: string[], max = 10): string {
  const shown = names.slice(0, max);
  const rest = names.length - shown.length;
  if (rest > 0) return `${shown.join(', ')} and ${count(rest)} more`;
  return shown.length > 1
    ? `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`
    : (shown[0] ?? '');
}

/**
 * `/kpi settings funnel-stages A,B,C`: the stages open deals move through, in order, trimmed, each once (the first
 * spelling of names equal but for case), a name the deals spell otherwise saved in their spelling; `reset` (or
 * clear) goes back to the order learned from the deals. Refused: a stage where only closed deals sit (Won,
 * Lost), a name holding control, format or text-direction characters or showing nothing. The note names stages
 * no deal has been in (with the closest stage deals use) and stages with open deals the list leaves out (the
 * funnel shows them after the listed ones).
 */
async function funnelStagesSetting(
  ctx: TServiceContext,
  value: string,
): Promise<{ patch: Partial<TWorkspaceSettings>; shown: string; note?: string }> {
  if (FUNNEL_STAGES_RESET.includes(value.toLowerCase()))
    return { patch: { funnelStages: undefined }, shown: FUNNEL_LEARNED };
  const typed = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const blank = typed.find((s) => BLANK.test(s));
  if (blank !== undefined)
    refuse(
      'value',
      `A stage name must show something: ${code(visibleName(blank))} is only invisible characters.`,
    );
  const hidden = typed.find((s) => UNSEEN.test(s));
  if (hidden !== undefined)
    refuse(
      'value',
      `A stage name cannot hold control, invisible or text-direction characters: ${code(visibleName(hidden))} holds ${[
        ...new Set([...hidden].filter((ch) => UNSEEN.test(ch)).map((ch) => visibleName(ch))),
      ].join(', ')}.`,
    );
  const seen = new Set<string>();
  const unique = typed.filter((s) => {
    const k = s.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  if (unique.length === 0) refuse('value', FUNNEL_STAGES_USAGE);
  const long = unique.find((s) => s.length > FUNNEL_STAGE_NAME_MAX);
  if (long)
    refuse(
      'value',
      `A stage name is at most ${FUNNEL_STAGE_NAME_MAX} characters; ${code(`${long.slice(0, 40)}…`)} has ${count(long.length)}.`,
    );
  if (unique.length > FUNNEL_STAGES_MAX)
    refuse('value', `A funnel has at most ${FUNNEL_STAGES_MAX} stages; that list has ${unique.length}.`);
  const [known, occupancy] = await Promise.all([
    dealStageNames(ctx.store.db, ctx.workspace.id),
    stageOccupancy(ctx.store.db, ctx.workspace.id),
  ]);
  const spelled = new Map(known.map((k) => [k.toLowerCase(), k]));
  const stages = unique.map((s) => spelled.get(s.toLowerCase()) ?? s);
  // Where only closed deals sit (and no deal has left, and no open deal has been): Won, Lost.
  const passed = new Set(occupancy.passedThrough);
  const terminal = new Set(
    occupancy.stages.filter((o) => o.open === 0 && o.closed > 0 && !passed.has(o.stage)).map((o) => o.stage),
  );
  const closedOnly = stages.filter((s) => terminal.has(s));
  if (closedOnly.length)
    refuse(
      'value',
      `${namesList(closedOnly.map(code))} ${closedOnly.length === 1 ? 'holds' : 'hold'} only closed deals: the funnel lists the stages open deals move through. Leave ${closedOnly.length === 1 ? 'it' : 'them'} out.`,
    );
  const listed = new Set(stages.map((s) => s.toLowerCase()));
  const unused = known.length > 0 ? stages.filter((s) => !spelled.has(s.toLowerCase())) : [];
  const left = occupancy.stages.filter((o) => o.open > 0 && !listed.has(o.stage.toLowerCase()));
  const notes: string[] = [];
  if (unused.length) {
    const candidates = known.filter((k) => !terminal.has(k) && !listed.has(k.toLowerCase()));
    const named = unused.map((s) => {
      const near = closestMatch(s, candidates);
      return near ? `${code(s)} (did you mean ${code(near)}?)` : code(s);
    });
    notes.push(`No deal has been in ${namesList(named)} yet: check the spelling against your CRM's stages.`);
  }
  if (left.length)
    notes.push(
      `Not in the list: ${namesList(left.map((o) => `${code(o.stage)} (${count(o.open)} open ${o.open === 1 ? 'deal' : 'deals'})`))}: ${left.length === 1 ? 'it' : 'they'} will be shown after the listed stages.`,
    );
  return {
    patch: { funnelStages: stages },
    shown: stages.map(code).join(' → '),
    ...(notes.length ? { note: notes.join(' ') } : {}),
  };
}

/** How `/kpi settings` shows a funnel whose order is not set. */
export const FUNNEL_LEARNED = 'learned from the deals';

/**
 * What was saved, for the person to read back: what changed (`leaderboard-top`, or `alert training_gap`) and the
 * value as it now reads (`backticks` mark a literal value).
 */
export type TSettingChanged = { key: TSettingKey; subject: string; shown: string; note?: string };

/** Refuses unless the asker is a KPI Bot admin (the refusal names what they tried). */
export async function assertAdmin(ctx: TServiceContext, what: string): Promise<void> {
  if (isAdmin(ctx, await actorRep(ctx))) return;
  ctx.logger.info({ actor: ctx.actor.slackUserId ?? ctx.actor.name, what }, 'permission denied');
  // With nobody to ask (an imported team without a role column), say how a first admin is made.
  const named = (parseWorkspaceSettings(ctx.workspace.settings).admins ?? []).length;
  if (named === 0 && (await countAdminReps(ctx.store.db, ctx.workspace.id)) === 0)
    throw new ServiceError(
      'forbidden',
      `Sorry, ${what} is for KPI Bot admins, and this workspace has none named yet. Whoever runs KPI Bot can name one with ${code('kpi import reps <file.csv>')} and a role column holding admin (docs/ingestion.md).`,
    );
  throw new ServiceError('forbidden', `Sorry, ${what} is for KPI Bot admins. Ask one of them.`);
}

/** A setting of the settings JSON: the change to write, and how the new value reads. */
function jobSetting(
  key: TSettingKey,
  value: string,
  ws: { settings: string; currency: string; slackTeamId: string },
) {
  const currency = ws.currency;
  const current = parseWorkspaceSettings(ws.settings);
  const jobs = { ...(current.jobs ?? {}) };
  const lower = value.toLowerCase();
  if (key === 'leaderboard-schedule' || key === 'alerts-schedule' || key === 'stalled-schedule') {
    const job =
      key === 'leaderboard-schedule'
        ? 'leaderboard'
        : key === 'alerts-schedule'
          ? 'coaching-alerts'
          : 'stalled-deals';
    const entry = { ...(jobs[job] ?? {}) };
    if (lower === 'off' || lower === 'on') entry.enabled = lower === 'on';
    else if (isJobSchedule(value)) {
      entry.schedule = value.trim().replace(/\s+/g, ' ');
      entry.enabled = true;
    } else
      refuse(
        'value',
        `${code(value)} is not a schedule. Use five cron fields in the workspace's time zone, e.g. \`0 9 * * 1\` (Mondays 09:00), at most once an hour, or off.`,
      );
    jobs[job] = entry;
    const shown = lower === 'off' || lower === 'on' ? lower : code(entry.schedule ?? '');
    return { patch: { jobs } as Partial<TWorkspaceSettings>, shown };
  }
  if (key === 'leaderboard-metric') {
    const metric = SCALAR_METRICS.find((m) => m.id === lower);
    if (!metric) {
      const near = closestMatch(
        lower,
        SCALAR_METRICS.map((m) => m.id),
      );
      refuse('value', `"${value}" is not a metric${near ? ` (did you mean ${near}?)` : ''}.`);
    }
    jobs.leaderboard = { ...(jobs.leaderboard ?? {}), metric: metric.id };
    return { patch: { jobs }, shown: metric.id };
  }
  if (key === 'leaderboard-top') {
    const n = Number(value);
    if (!/^\d{1,2}$/.test(value) || n < 1 || n > 25)
      refuse('value', 'The leaderboard shows 1 to 25 people, e.g. `/kpi settings leaderboard-top 5`.');
    jobs.leaderboard = { ...(jobs.leaderboard ?? {}), top: n };
    return { patch: { jobs }, shown: String(n) };
  }
  if (key === 'celebrations-channel') {
    if (lower === 'off') return { patch: { celebrationsChannel: null }, shown: 'off' };
    const channel = channelOf(value, ws.slackTeamId, CELEBRATIONS_CHANNEL_USAGE);
    return { patch: { celebrationsChannel: channel.id }, shown: channel.shown };
  }
  if (key === 'celebrate-min') {
    if (lower === 'off')
      return { patch: { celebrateMin: undefined }, shown: 'off (every win is celebrated)' };
    const n = celebrateMinOf(value, currency);
    return { patch: { celebrateMin: n }, shown: celebrateMinShown(n) };
  }
  if (key === 'stalled-days') {
    if (lower === 'default' || lower === 'reset')
      return { patch: { stalledDays: undefined }, shown: `the default, ${DEFAULT_STALLED_DAYS} days` };
    // "off" reads as "no stalled-deal messages", which this setting does not do: say what does.
    if (lower === 'off')
      refuse(
        'value',
        `stalled-days only says after how many days without activity a deal is stalled. To stop the stalled-deal DMs use \`/kpi settings stalled-schedule off\` (everyone) or \`/kpi notify stalled off\` (yourself); \`/kpi settings stalled-days default\` goes back to ${DEFAULT_STALLED_DAYS}.`,
      );
    const n = /^\d{1,3}$/.test(value) ? Number(value) : Number.NaN;
    if (!(n >= 1 && n <= 365)) refuse('value', STALLED_DAYS_USAGE);
    return { patch: { stalledDays: n }, shown: plural(n, 'day') };
  }
  if (key === 'quiet-hours') {
    if (lower === 'off') return { patch: { quietHours: null }, shown: 'off' };
    const m = /^([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-3]):([0-5]\d)$/.exec(value.trim());
    if (!m)
      refuse(
        'value',
        "Say the quiet hours as HH:MM-HH:MM in the workspace's time zone, e.g. `20:00-08:00`, or off.",
      );
    const quietHours = { start: `${m[1]}:${m[2]}`, end: `${m[3]}:${m[4]}` };
    return { patch: { quietHours }, shown: `${quietHours.start}-${quietHours.end}` };
  }
  // alert <rule> on|off|<threshold>
  const [rule = '', setting = '', ...extra] = value.split(/\s+/);
  if (extra.length)
    refuse(
      'value',
      `Say one rule and one setting, e.g. \`/kpi settings alert ${rule || 'training_gap'} off\`.`,
    );
  if (!(RULE_IDS as string[]).includes(rule)) {
    const near = closestMatch(rule, RULE_IDS);
    refuse(
      'value',
      `"${rule}" is not an alert rule${near ? ` (did you mean ${near}?)` : ''}. The rules: ${RULE_IDS.join(', ')}.`,
    );
  }
  const alerts = { ...(current.alerts ?? {}) };
  const entry = { ...(alerts[rule] ?? {}) };
  let shown = setting;
  if (setting === 'on' || setting === 'off') entry.enabled = setting === 'on';
  else {
    entry.threshold = alertThreshold(rule as TRuleId, setting);
    shown = thresholdShown(rule as TRuleId, entry.threshold);
  }
  alerts[rule] = entry;
  return { patch: { alerts }, shown, subject: `alert ${rule}` };
}

const THRESHOLD_RANGE = {
  percent: (min: number, max: number) => `a whole percent from ${min} to ${max}`,
  points: (min: number, max: number) => `whole percentage points from ${min} to ${max}`,
  days: (min: number, max: number) => `whole days from ${min} to ${max}`,
  times: (min: number, max: number) => `a multiple from ${min} to ${max} (up to two decimals)`,
};

/** What a rule's threshold means, its range and an example: the refusal of a value outside it. */
function thresholdRule(rule: TRuleId): string {
  const t = ALERT_THRESHOLDS[rule];
  return `Say on, off or a threshold for ${rule}, ${THRESHOLD_RANGE[t.unit](t.min, t.max)}: ${t.what}. E.g. \`/kpi settings alert ${rule} ${t.example}\`.`;
}

/**
 * A threshold as typed, checked against its rule's range, in the form the rule compares with. Only plain
 * digits are read (no exponent, sign or thousands), so a huge or odd value is refused, never stored as Infinity.
 */
function alertThreshold(rule: TRuleId, typed: string): number {
  const t = ALERT_THRESHOLDS[rule];
  const m =
    t.unit === 'times'
      ? /^(\d{1,3}(?:\.\d{1,2})?)$/.exec(typed)
      : t.unit === 'days'
        ? /^(\d{1,4})$/.exec(typed)
        : /^(\d{1,4})%?$/.exec(typed);
  const n = m ? Number(m[1]) : Number.NaN;
  if (!(n >= t.min && n <= t.max)) refuse('value', thresholdRule(rule));
  return t.unit === 'percent' || t.unit === 'points' ? n / 100 : n;
}

/** A stored threshold as a person reads it: 30%, 10 percentage points, 60 days, 1.5×. */
export function thresholdShown(rule: TRuleId, threshold: number): string {
  const unit = ALERT_THRESHOLDS[rule].unit;
  // Rounded to a millionth: 0.07 × 100 is 7.000000000000001.
  const round = (x: number) => String(Math.round(x * 1e6) / 1e6);
  if (unit === 'percent') return `${round(threshold * 100)}%`;
  if (unit === 'points') return `${round(threshold * 100)} percentage points`;
  if (unit === 'days') return `${round(threshold)} days`;
  return `${round(threshold)}×`;
}

/** A column of the workspace row: the value to write, and how it reads. */
function columnSetting(
  key: TSettingKey,
  value: string,
  slackTeamId: string,
): { data: TWorkspaceColumns; shown: string } {
  // What is shown back is what was saved (a zone's own spelling, the month's name), not what was typed.
  if (key === 'timezone') {
    if (!isTimeZone(value))
      refuse('value', `"${value}" is not a time zone such as Europe/Berlin or America/New_York.`);
    const zone = new Intl.DateTimeFormat('en', { timeZone: value }).resolvedOptions().timeZone;
    return { data: { timezone: zone }, shown: zone };
  }
  const lower = value.toLowerCase();
  if (key === 'fiscal-year') {
    // A month's number, or its name or the start of it (three letters at least): "junk" is not June.
    const month = /^\d{1,2}$/.test(value)
      ? Number(value)
      : lower.length >= 3
        ? MONTHS.findIndex((m) => m.startsWith(lower)) + 1
        : 0;
    if (!(month >= 1 && month <= 12)) refuse('value', `"${value}" is not a month (april, apr, or 4).`);
    return { data: { fiscalYearStartMonth: month }, shown: MONTHS[month - 1] as string };
  }
  if (key === 'week-start') {
    const day = lower.length >= 3 ? DAYS.findIndex((d) => d.startsWith(lower)) : -1;
    if (day < 0) refuse('value', `"${value}" is not a day of the week (monday, or mon).`);
    return { data: { weekStartsOn: day }, shown: DAYS[day] as string };
  }
  if (key === 'currency') {
    const codeOf = value.toUpperCase();
    if (!Intl.supportedValuesOf('currency').includes(codeOf))
      refuse('value', `"${value}" is not a currency code such as USD or EUR.`);
    return { data: { currency: codeOf }, shown: codeOf };
  }
  // leaderboard-channel: a Slack channel reference, <#C123|name> as Slack sends a picked channel.
  const channel = channelOf(value, slackTeamId, LEADERBOARD_CHANNEL_USAGE);
  return { data: { leaderboardChannel: channel.id }, shown: channel.shown };
}

/**
 * Amounts are shown in the workspace currency and never converted, so the currency may only change to the one
 * the stored amounts are in: no deal with an amount in another currency, and no money target (stored in the
 * current currency). Otherwise every figure would be relabelled, and rescaled where the currencies' minor
 * units differ (USD cents to yen).
 */
async function assertCurrencyChangeKeepsAmounts(ctx: TServiceContext, currency: string): Promise<void> {
  const money = SCALAR_METRICS.filter((m) => m.unit === 'money').map((m) => m.id);
  const [deals, targets] = await Promise.all([
    dealAmountsInOtherCurrencies(ctx.store.db, ctx.workspace.id, currency),
    countTargetsOn(ctx.store.db, ctx.workspace.id, money),
  ]);
  if (deals.deals === 0 && targets === 0) return;
  const held = [
    deals.deals > 0
      ? `${deals.deals.toLocaleString('en-US')} ${deals.deals === 1 ? 'deal has its amount' : 'deals have their amounts'} in ${deals.currencies.join(', ')}`
      : '',
    targets > 0
      ? `${targets.toLocaleString('en-US')} money ${targets === 1 ? 'target was' : 'targets were'} set in ${ctx.workspace.currency}`
      : '',
  ].filter(Boolean);
  refuse(
    'value',
    `The currency stays ${ctx.workspace.currency}: ${held.join(' and ')}, and KPI Bot does not convert amounts, so ${currency} would show them wrong. Choose the currency before importing deals or setting money targets (docs/configuration.md).`,
  );
}

/** Changes one setting of the workspace (KPI Bot admins), each value checked before it is written. */
export async function changeSetting(
  ctx: TServiceContext,
  raw: TChangeSettingInput,
): Promise<TSettingChanged> {
  await assertAdmin(ctx, 'changing settings');
  const input = inputOf(ZChangeSetting, raw);
  const { key, value } = input;
  if (key === 'funnel-stages' && value.length > FUNNEL_STAGES_MAX_TEXT)
    refuse(
      'value',
      `That list is too long: ${count(value.length)} characters, and a funnel-stages list is at most ${count(FUNNEL_STAGES_MAX_TEXT)} (at most ${FUNNEL_STAGES_MAX} stages of at most ${FUNNEL_STAGE_NAME_MAX} characters each).`,
    );
  if (key !== 'funnel-stages' && value.length > VALUE_MAX)
    refuse(
      'value',
      `That value is too long: ${count(value.length)} characters, and a setting's value is at most ${VALUE_MAX}.`,
    );
  let shown: string;
  let subject: string = key;
  let note: string | undefined;
  if (key === 'funnel-stages') {
    const change = await funnelStagesSetting(ctx, value);
    await updateWorkspaceSettings(ctx.store.db, ctx.workspace.id, () => change.patch);
    shown = change.shown;
    note = change.note;
  } else if ((JOB_SETTING_KEYS as readonly string[]).includes(key)) {
    // Read, change and write in one transaction, so two admins' changes do not overwrite each other.
    shown = '';
    await updateWorkspaceSettings(ctx.store.db, ctx.workspace.id, (fresh) => {
      const change: { patch: Partial<TWorkspaceSettings>; shown: string; subject?: string } = jobSetting(
        key,
        value,
        fresh,
      );
      shown = change.shown;
      subject = change.subject ?? key;
      return change.patch;
    });
  } else {
    const change = columnSetting(key, value, ctx.workspace.slackTeamId);
    if (change.data.currency && change.data.currency !== ctx.workspace.currency)
      await assertCurrencyChangeKeepsAmounts(ctx, change.data.currency);
    await updateWorkspace(ctx.store.db, ctx.workspace.id, change.data);
    shown = change.shown;
  }
  ctx.logger.info({ setting: key }, 'workspace setting changed');
  return { key, subject, shown, ...(note ? { note } : {}) };
}

export { ALERT_THRESHOLDS };
