import { DEFAULT_STALLED_DAYS } from '../domain/notify.js';
import { parseWorkspaceSettings } from '../domain/settings.js';
import {
  changesByDeal,
  closeDurations,
  completedDwells,
  currentStageEntry,
  MIN_DWELL_SAMPLES,
  percentile,
  USUAL_DWELL_PERCENTILE,
  usualDwellByStage,
} from '../metrics/dwell.js';
import type { TFunnelDeal, TStageChange } from '../metrics/funnel.js';
import { DAY_MS } from '../metrics/stats.js';
import {
  activePeopleForStalled,
  crmAccountHints,
  dealActivityKey,
  lastActivityOfDeals,
  sourcesLoggingDealActivity,
  stalledDealFacts,
  type TOpenDealRow,
} from '../store/stalled.js';
import type { TDb } from '../store/store.js';
import type { Workspace } from '../store/types.js';

/** The rules that can stall a deal: its stage, no activity, its age against how long the team takes to close. */
export type TStalledRule = 'stage' | 'activity' | 'age';

/**
 * An open deal that has stalled (issue 17): longer in its stage than the team's usual, without activity (only
 * where its source records activity against deals in this workspace), or open longer than the team usually
 * takes to close a deal.
 */
export type TStalledDeal = {
  dealId: string;
  repId: string;
  title: string;
  /** What is sold and to whom: named when the title is empty. Absent: unknown. */
  product?: string | null;
  account?: string | null;
  /** The CRM it came from (hubspot, pipedrive, generic, csv, slack) and its id there: how to find it. */
  source: string;
  externalId: string;
  /** A link to the deal in its CRM when one can be made, else null (the id is shown). */
  link: string | null;
  stage: string;
  amountMinor: bigint;
  currency: string;
  /**
   * Days in the current stage, counted as `stageSince` says: from the stage history ('history'); with no history
   * for the stage, from the deal's open date ('opened': then it is the deal's age, not a known time in the
   * stage); with neither, from when KPI Bot recorded it there ('recorded': a lower bound). Absent: 'history'.
   */
  daysInStage: number;
  stageSince?: 'history' | 'opened' | 'recorded';
  /** Days since the deal opened in its CRM (openedAt); null when its open date is unknown. */
  ageDays?: number | null;
  /**
   * How long the team usually takes to close: ⌈p90⌉ of the open→close days of the workspace's deals closed in
   * the last 365 days; null with fewer than 5 of them (no age rule).
   */
  usualCloseDays?: number | null;
  /** The team's usual dwell in this stage (the 90th percentile, days), null when too little history. */
  usualDays: number | null;
  /** Days since the last logged activity on the deal (null: none ever logged). */
  daysSinceActivity: number | null;
  /**
   * Whether the deal's source records activity against deals in this workspace, so the activity rule was
   * applied to it. False: only the stage rule was (a missing activity there means nothing). Absent: true.
   */
  activityTracked?: boolean;
  /** The workspace's stalledDays the activity rule used (absent: not said). */
  stalledDays?: number;
  /**
   * The rule that caught it, for one word: 'both' when the stage and the activity rules hold, else the one of
   * them that holds, else 'age' (only the age rule). Every rule that holds is in `rules`.
   */
  reason: 'stage' | 'activity' | 'both' | 'age';
  /** Every rule that holds for the deal (absent: as `reason` says). */
  rules?: TStalledRule[];
};

/** The rules a stalled deal meets: `rules`, else what its `reason` says. */
export function rulesOf(d: Pick<TStalledDeal, 'reason' | 'rules'>): TStalledRule[] {
  if (d.rules) return d.rules;
  return d.reason === 'both' ? ['stage', 'activity'] : [d.reason];
}

/** Completed dwells count toward the team's usual when they ended within this many days before `now`. */
export const DWELL_LOOKBACK_DAYS = 365;

/**
 * A source "records deal activity" in a workspace when at least one activity linked to a deal of that source
 * (a dealExternalId) occurred within this many days before `now`; only then does the activity rule apply to
 * its deals. A CSV export of deals only, or HubSpot (whose activity webhooks name no deal), never qualifies.
 */
export const ACTIVITY_TRACKING_DAYS = 90;

/** What the rule reads: plain data, in any order (the answer never depends on it). */
export type TStalledInput = {
  /** Open deals to judge (each with its owner). */
  open: TOpenDealRow[];
  /** Every deal whose stays teach the team's usual dwell (the open ones included), in the funnel's shape. */
  history: TFunnelDeal[];
  /** Their stage history (dealKey = the deal's id). */
  changes: TStageChange[];
  /** Logged activities on deals: the deal's source and id there, and when (any number per deal). */
  activities: { source: string; dealExternalId: string; at: Date }[];
  /**
   * The workspace's deals that teach how long the team takes to close (the age rule): those won or lost with an
   * open date, closed in the lookback (`since`..`now`); others in the list are ignored. Absent: no age rule.
   */
  closed?: readonly Pick<TFunnelDeal, 'status' | 'openedAt' | 'closedAt'>[];
  /**
   * The sources that record activity against deals in the workspace (ACTIVITY_TRACKING_DAYS): the activity rule
   * applies only to their deals. Default: the sources of `activities` with one in that window before `now`.
   */
  activitySources?: Iterable<string>;
  now: Date;
  /** No activity for this many days stalls a deal (the workspace's stalledDays). */
  stalledDays: number;
  /** Completed dwells from this instant on teach the usual (default: DWELL_LOOKBACK_DAYS before now). */
  since?: Date;
  minSamples?: number;
};

const wholeDays = (ms: number) => Math.max(0, Math.floor(ms / DAY_MS));

/** The sources of these activities with one within ACTIVITY_TRACKING_DAYS before `now` (and not after it). */
export function sourcesWithRecentActivity(
  activities: readonly { source: string; at: Date }[],
  now: Date,
): Set<string> {
  const from = now.getTime() - ACTIVITY_TRACKING_DAYS * DAY_MS;
  const out = new Set<string>();
  for (const a of activities) {
    const t = a.at.getTime();
    if (t >= from && t <= now.getTime()) out.add(a.source);
  }
  return out;
}

/**
 * The team's usual time to close: ⌈p90⌉ (nearest rank) of the open→close days of these deals closed from `since`
 * to `now`, or null with fewer than `minSamples` of them.
 */
export function usualCloseDaysOf(
  closed: readonly Pick<TFunnelDeal, 'status' | 'openedAt' | 'closedAt'>[],
  since: Date,
  now: Date,
  minSamples = MIN_DWELL_SAMPLES,
): number | null {
  const xs = closeDurations(closed, since, now);
  if (xs.length < Math.max(1, minSamples)) return null;
  return Math.ceil(percentile(xs, USUAL_DWELL_PERCENTILE) as number);
}

/** How stalled a deal is, for ordering: how far past its threshold, as a multiple of it (the largest of the rules that hold). */
function severity(
  d: TStalledDeal,
  rules: readonly TStalledRule[],
  stalledDays: number,
  idle: number,
): number {
  const by: number[] = [0];
  if (rules.includes('stage') && d.usualDays !== null) by.push(d.daysInStage / Math.max(1, d.usualDays));
  if (rules.includes('activity')) by.push(idle / Math.max(1, stalledDays));
  if (rules.includes('age') && d.usualCloseDays && d.ageDays != null)
    by.push(d.ageDays / Math.max(1, d.usualCloseDays));
  return Math.max(...by);
}

/**
 * The stalled deals among `open`, most stalled first. Formulas (days are whole days, rounded down):
 * - stage rule: days in the current stage > usual, where usual = ⌈p90⌉ of the completed dwells in that stage
 *   across the history (ended within the lookback), known only with at least MIN_DWELL_SAMPLES of them;
 *   days in stage are counted from the history; a deal with no history for its current stage counts from its
 *   open date (its age: an upper bound, so the stage rule is not applied to it) or, without one, from when the
 *   store recorded it in the stage (a lower bound, the rule applies);
 * - activity rule, only for deals whose source records deal activity in the workspace (`activitySources`):
 *   idle ≥ stalledDays, where idle = days since the last logged activity on the deal, or the deal's age (from its
 *   creation in the CRM, else since the store first held it) when none was ever logged (a deal younger than
 *   stalledDays with no activity is not stalled). Elsewhere "no activity" says nothing;
 * - age rule: age > usualClose, where age = days since the deal's open date (unknown: no rule) and usualClose =
 *   ⌈p90⌉ of the open→close days of the `closed` deals won or lost in the lookback (at least minSamples of them).
 * Most stalled first: the largest of days in stage ÷ usual, idle ÷ stalledDays and age ÷ usualClose (for the
 * rules that hold), then amount, age, days in stage, source and id, so equal data always gives the same list.
 */
export function findStalledDeals(input: TStalledInput): TStalledDeal[] {
  const { now, stalledDays } = input;
  const since = input.since ?? new Date(now.getTime() - DWELL_LOOKBACK_DAYS * DAY_MS);
  const byDeal = changesByDeal(input.changes, now);
  const usual = usualDwellByStage(
    completedDwells(input.history, byDeal, since, now),
    input.minSamples ?? MIN_DWELL_SAMPLES,
  );
  const lastActivity = new Map<string, number>();
  for (const a of input.activities) {
    if (a.at.getTime() > now.getTime()) continue;
    const key = dealActivityKey(a.source, a.dealExternalId);
    lastActivity.set(key, Math.max(lastActivity.get(key) ?? Number.NEGATIVE_INFINITY, a.at.getTime()));
  }
  const tracked = new Set(input.activitySources ?? sourcesWithRecentActivity(input.activities, now));
  const usualCloseDays = input.closed
    ? usualCloseDaysOf(input.closed, since, now, input.minSamples ?? MIN_DWELL_SAMPLES)
    : null;
  const ranked: { deal: TStalledDeal; score: number }[] = [];
  for (const d of input.open) {
    if (d.status !== 'open' || !d.repId) continue;
    const funnelDeal = {
      key: d.id,
      stage: d.stage,
      status: 'open' as const,
      openedAt: d.openedAt,
      closedAt: null,
    };
    const fromHistory = currentStageEntry(funnelDeal, byDeal.get(d.id) ?? []);
    const stageSince = fromHistory ? 'history' : d.openedAt ? 'opened' : 'recorded';
    const enteredAt = fromHistory ?? d.openedAt ?? d.stageEnteredAt ?? d.createdAt;
    const daysInStage = wholeDays(now.getTime() - enteredAt.getTime());
    const ageDays = d.openedAt ? wholeDays(now.getTime() - d.openedAt.getTime()) : null;
    const dwell = d.stage ? usual.get(d.stage) : undefined;
    const usualDays = dwell ? Math.ceil(dwell.days) : null;
    const last = lastActivity.get(dealActivityKey(d.source, d.externalId));
    const daysSinceActivity = last === undefined ? null : wholeDays(now.getTime() - last);
    const bornAt = (d.openedAt ?? d.createdAt).getTime();
    const age = now.getTime() < bornAt ? 0 : wholeDays(now.getTime() - bornAt);
    const idle = Math.min(daysSinceActivity ?? Number.POSITIVE_INFINITY, age);
    const byStage = stageSince !== 'opened' && usualDays !== null && daysInStage > usualDays;
    const activityTracked = tracked.has(d.source);
    const byActivity = activityTracked && idle >= stalledDays;
    const byAge = usualCloseDays !== null && ageDays !== null && ageDays > usualCloseDays;
    if (!byStage && !byActivity && !byAge) continue;
    const rules: TStalledRule[] = [
      ...(byStage ? (['stage'] as const) : []),
      ...(byActivity ? (['activity'] as const) : []),
      ...(byAge ? (['age'] as const) : []),
    ];
    const deal: TStalledDeal = {
      dealId: d.id,
      repId: d.repId,
      title: d.title,
      product: d.product ?? null,
      account: d.account ?? null,
      source: d.source,
      externalId: d.externalId,
      link: null,
      stage: d.stage,
      amountMinor: d.amountMinor,
      currency: d.currency,
      daysInStage,
      stageSince,
      ageDays,
      usualCloseDays,
      usualDays,
      daysSinceActivity,
      activityTracked,
      stalledDays,
      reason: byStage && byActivity ? 'both' : byStage ? 'stage' : byActivity ? 'activity' : 'age',
      rules,
    };
    ranked.push({ deal, score: severity(deal, rules, stalledDays, idle) });
  }
  const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  ranked.sort(
    (a, b) =>
      b.score - a.score ||
      (b.deal.amountMinor > a.deal.amountMinor ? 1 : b.deal.amountMinor < a.deal.amountMinor ? -1 : 0) ||
      (b.deal.ageDays ?? -1) - (a.deal.ageDays ?? -1) ||
      b.deal.daysInStage - a.deal.daysInStage ||
      text(a.deal.source, b.deal.source) ||
      text(a.deal.externalId, b.deal.externalId) ||
      text(a.deal.dealId, b.deal.dealId),
  );
  return ranked.map((r) => r.deal);
}

/** Where a workspace's CRM deals can be opened: HubSpot's portal id, Pipedrive's company host. */
export type TCrmAccounts = { hubspotPortalId: string | null; pipedriveHost: string | null };

const PORTAL_ID = /^\d{1,15}$/;
const PIPEDRIVE_HOST = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.pipedrive\.com$/;

/** The first usable value of each hint (latest first): a portal id of digits, a `<company>.pipedrive.com` host. */
export function crmAccountsFrom(hints: {
  hubspotPortalIds: unknown[];
  pipedriveHosts: unknown[];
}): TCrmAccounts {
  const portal = hints.hubspotPortalIds
    .map((v) => (typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? String(v) : v))
    .find((v): v is string => typeof v === 'string' && PORTAL_ID.test(v));
  const host = hints.pipedriveHosts
    .map((v) => (typeof v === 'string' ? v.toLowerCase() : v))
    .find((v): v is string => typeof v === 'string' && PIPEDRIVE_HOST.test(v));
  return { hubspotPortalId: portal ?? null, pipedriveHost: host ?? null };
}

/**
 * A link to a deal in its CRM, when one can be built from what is stored: HubSpot
 * `https://app.hubspot.com/contacts/<portalId>/record/0-3/<dealId>`, Pipedrive `https://<company>.pipedrive.com/deal/<id>`;
 * ids of digits only. Null otherwise (CSV, the JSON API, Slack: the source and id are shown instead).
 *
 * @example crmLink('hubspot', '9001', { hubspotPortalId: '62515', pipedriveHost: null })
 * // 'https://app.hubspot.com/contacts/62515/record/0-3/9001'
 */
export function crmLink(source: string, externalId: string, accounts: TCrmAccounts): string | null {
  if (!/^\d{1,20}$/.test(externalId)) return null;
  if (source === 'hubspot' && accounts.hubspotPortalId)
    return `https://app.hubspot.com/contacts/${accounts.hubspotPortalId}/record/0-3/${externalId}`;
  if (source === 'pipedrive' && accounts.pipedriveHost)
    return `https://${accounts.pipedriveHost}/deal/${externalId}`;
  return null;
}

/** The workspace's stalledDays setting, else the default. */
export function stalledDaysOf(workspace: Pick<Workspace, 'settings'>): number {
  return parseWorkspaceSettings(workspace.settings).stalledDays ?? DEFAULT_STALLED_DAYS;
}

/**
 * Every active person's stalled open deals as of `now` (findStalledDeals: the stage rule, and the activity rule
 * for the sources that record deal activity in the workspace),
 * most stalled first, keyed by rep id; only people with at least one stalled deal have an entry, in the order
 * of their names. A deleted, won or lost deal is never listed, nor another workspace's. A few queries for the
 * workspace: people, open and recently closed deals, their stage history, the last activity per deal, the
 * sources with deal-linked activity in the last ACTIVITY_TRACKING_DAYS, and (only
 * when a HubSpot or Pipedrive deal is listed) the CRM account the links need.
 */
export async function stalledDealsByRep(
  db: TDb,
  workspace: Workspace,
  now: Date,
): Promise<Map<string, TStalledDeal[]>> {
  const people = await activePeopleForStalled(db, workspace.id);
  if (people.length === 0) return new Map();
  const since = new Date(now.getTime() - DWELL_LOOKBACK_DAYS * DAY_MS);
  const facts = await stalledDealFacts(
    db,
    workspace.id,
    people.map((p) => p.id),
    since,
    now,
  );
  const [last, activitySources] = await Promise.all([
    lastActivityOfDeals(db, workspace.id, facts.open, now),
    sourcesLoggingDealActivity(
      db,
      workspace.id,
      new Date(now.getTime() - ACTIVITY_TRACKING_DAYS * DAY_MS),
      now,
    ),
  ]);
  const activities = facts.open.flatMap((d) => {
    const at = last.get(dealActivityKey(d.source, d.externalId));
    return at ? [{ source: d.source, dealExternalId: d.externalId, at }] : [];
  });
  const stalled = findStalledDeals({
    open: facts.open,
    history: facts.history,
    changes: facts.changes,
    activities,
    activitySources,
    // Every deal closed in the lookback (open ones in the list are ignored): how long the team takes to close.
    closed: facts.history,
    now,
    stalledDays: stalledDaysOf(workspace),
    since,
  });
  const linked = new Set(stalled.map((d) => d.source).filter((s) => s === 'hubspot' || s === 'pipedrive'));
  if (linked.size > 0) {
    const accounts = crmAccountsFrom(await crmAccountHints(db, workspace.id, linked));
    for (const d of stalled) d.link = crmLink(d.source, d.externalId, accounts);
  }
  const order = [...people].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : 1,
  );
  const byRep = new Map<string, TStalledDeal[]>();
  for (const d of stalled) byRep.set(d.repId, [...(byRep.get(d.repId) ?? []), d]);
  const out = new Map<string, TStalledDeal[]>();
  for (const p of order) {
    const mine = byRep.get(p.id);
    if (mine) out.set(p.id, mine);
  }
  return out;
}
