import { minorDigits } from '../domain/money.js';
import { parseWorkspaceSettings } from '../domain/settings.js';
import { periodContaining, type TPeriod } from '../metrics/periods.js';
import { OUTREACH_KINDS } from '../metrics/scalar.js';
import { calendarOf } from '../reports/present.js';
import { activityTotalsByRep, dealTotalsByRep } from '../store/facts.js';
import {
  insertMoment,
  insertMoments,
  milestoneKeysSince,
  repsWithManagers,
  unrecordedWins,
} from '../store/moments.js';
import { notifyPreferencesOfWorkspace } from '../store/notify-preferences.js';
import { activeRepsForWeeklyBoard } from '../store/reps.js';
import { resolveTargetsForReps } from '../store/targets.js';
import type { Workspace } from '../store/types.js';
import {
  CELEBRATION_WINDOW_MS,
  FUTURE_SKEW_MS,
  LIVE_SOURCES,
  MILESTONE_METRICS,
  MILESTONE_THRESHOLDS,
  type TCelebrationPayload,
  type TMilestonePayload,
  type TMomentsContext,
  WIN_BATCH,
} from './types.js';

/**
 * Where a workspace's celebrations go: its own channel, else the server's default (KPI_CELEBRATIONS_CHANNEL);
 * null (off) when the workspace turned them off or neither is set.
 */
export function celebrationsChannelOf(
  workspace: Pick<Workspace, 'settings'>,
  fallback?: string,
): string | null {
  const chosen = parseWorkspaceSettings(workspace.settings).celebrationsChannel;
  if (chosen === null) return null;
  return chosen ?? fallback ?? null;
}

/** The period milestones and progress are measured in: the workspace's current month. */
export function momentPeriod(workspace: Workspace, now: Date): TPeriod {
  return periodContaining('month', now, calendarOf(workspace));
}

const scaleOf = (currency: string) => 10 ** minorDigits(currency);

/**
 * Records a celebration for each deal won through a live source (LIVE_SOURCES) whose close time is within
 * CELEBRATION_WINDOW_MS of now (and at most FUTURE_SKEW_MS ahead), not deleted, owned by an active rep, for at
 * least the workspace's celebrate-min. The key `won:<dealId>` is recorded once whatever happens to the deal
 * afterwards (retried webhooks, a win re-sent after another status, two replicas). A CSV import never
 * celebrates, whatever source name it ran under (`--source hubspot`): it records its won deals' keys as skipped
 * in the transaction that writes them (recordImportedWins), so they are known here before the deals are seen
 * won, and a webhook re-sending such a deal later finds its key taken. Nothing is recorded here while
 * celebrations are off, so turning them on later celebrates only the live wins of the last few hours. Returns
 * how many were recorded.
 */
export async function detectWins(ctx: TMomentsContext, channel: string | null): Promise<number> {
  if (!channel) return 0;
  const { db, workspace, now } = ctx;
  const min = parseWorkspaceSettings(workspace.settings).celebrateMin ?? 0;
  // Only wins without a key are read (the key checked in SQL), at most WIN_BATCH a minute: the minute's cost
  // stays flat however many wins came in, the rest are recorded over the next minutes.
  const fresh = await unrecordedWins(
    db,
    workspace.id,
    LIVE_SOURCES,
    { from: new Date(now.getTime() - CELEBRATION_WINDOW_MS), to: new Date(now.getTime() + FUTURE_SKEW_MS) },
    // The amount is compared in the deal's own currency's units (whole units, as the setting is typed).
    { whole: min, scaleOf },
    WIN_BATCH,
  );
  const wins = fresh.filter((d) => d.rep?.active && d.closedAt !== null);
  if (wins.length === 0) return 0;
  const progress = await wonProgress(ctx, [...new Set(wins.map((d) => d.repId as string))]);
  const rows = wins.map((d) => {
    const rep = d.rep as NonNullable<typeof d.rep>;
    const payload: TCelebrationPayload = {
      dealId: d.id,
      repName: rep.name,
      slackUserId: rep.slackUserId,
      title: dealTitle(d),
      amountMinor: d.amountMinor.toString(),
      currency: d.currency,
      closedAt: (d.closedAt as Date).toISOString(),
      progress: progress.get(rep.id) ?? null,
      attempts: 0,
    };
    return {
      workspaceId: workspace.id,
      kind: 'celebration' as const,
      key: `won:${d.id}`,
      repId: rep.id,
      payload: JSON.stringify(payload),
      route: 'channel' as const,
      to: null,
      status: 'pending' as const,
      detectedAt: now,
    };
  });
  return insertMoments(db, rows);
}

/** What a win is called: its title, else "product · account" (whichever the CRM gave), else empty ("a deal"). */
export function dealTitle(d: { title: string; product?: string | null; account?: string | null }): string {
  if (d.title.trim()) return d.title;
  return [d.product, d.account]
    .map((s) => (s ?? '').trim())
    .filter(Boolean)
    .join(' · ');
}

/** Each rep's won revenue this month against their won-revenue target, where they have one. */
async function wonProgress(ctx: TMomentsContext, repIds: string[]) {
  const { db, workspace, now } = ctx;
  const period = momentPeriod(workspace, now);
  const reps = await repsWithManagers(db, workspace.id, repIds);
  const [targets, won] = await Promise.all([
    resolveTargetsForReps(db, workspace.id, reps, period),
    dealTotalsByRep(db, workspace.id, { closed: 'won', within: period }, 'sum'),
  ]);
  const scale = scaleOf(workspace.currency);
  const out = new Map<string, TCelebrationPayload['progress']>();
  for (const rep of reps) {
    const target = targets.get(rep.id)?.['sales.won_total'];
    if (!target || target <= 0) continue;
    const actual = won.get(rep.id) ?? 0;
    out.set(rep.id, {
      percent: (actual / target) * 100,
      target: target / scale,
      currency: workspace.currency,
      periodLabel: period.label,
    });
  }
  return out;
}

type TRepForMilestones = { id: string; name: string; slackUserId: string | null; managerId: string | null };

/**
 * Records the milestones crossed this month (50%, 90%, 100% of a target for won revenue, outreach and
 * personalized outreach), each once per rep, metric and period (key milestone:<repId>:<metricId>:<period>:<pct>).
 * Of several thresholds crossed since the last check only the highest is sent; the lower ones are recorded as
 * skipped. 100% goes to the celebrations channel (to the rep by DM when celebrations are off); 50% and 90% to the rep by
 * DM (skipped without a Slack id or when the rep turned milestone DMs off).
 *
 * Cost per minute and workspace: the active reps, the target rows, three GROUP BY sums over the month (won
 * revenue, outreach, personalized outreach; each on an index) and this month's milestone keys: six queries
 * whatever the team's size, and an insert only when a threshold is crossed.
 */
export async function detectMilestones(ctx: TMomentsContext, channel: string | null): Promise<number> {
  const { db, workspace, now } = ctx;
  const period = momentPeriod(workspace, now);
  const reps: TRepForMilestones[] = await activeRepsForWeeklyBoard(db, workspace.id);
  if (reps.length === 0) return 0;
  const outreach = { kind: [...OUTREACH_KINDS] };
  const [targets, won, reached, personalized, recorded] = await Promise.all([
    resolveTargetsForReps(db, workspace.id, reps, period),
    dealTotalsByRep(db, workspace.id, { closed: 'won', within: period }, 'sum'),
    activityTotalsByRep(db, workspace.id, outreach, period),
    activityTotalsByRep(db, workspace.id, { ...outreach, personalized: true }, period),
    milestoneKeysSince(db, workspace.id, period.start),
  ]);
  const actuals: Record<string, Map<string, number>> = {
    'sales.won_total': won,
    'outreach.total': reached,
    'personalization.personalized': personalized,
  };
  const scale = scaleOf(workspace.currency);
  let prefs: Awaited<ReturnType<typeof notifyPreferencesOfWorkspace>> | undefined;
  let count = 0;
  for (const rep of reps) {
    for (const metric of MILESTONE_METRICS) {
      const target = targets.get(rep.id)?.[metric.id];
      if (!target || target <= 0) continue;
      const actual = actuals[metric.id]?.get(rep.id) ?? 0;
      const keyOf = (pct: number) => `milestone:${rep.id}:${metric.id}:${period.key}:${pct}`;
      // Crossed: actual ≥ pct% of the target (compared in whole numbers, no rounding at the edge).
      const crossed = MILESTONE_THRESHOLDS.filter((pct) => actual * 100 >= pct * target);
      const fresh = crossed.filter((pct) => !recorded.has(keyOf(pct)));
      const highest = fresh[fresh.length - 1];
      if (highest === undefined) continue;
      const money = metric.unit === 'money';
      const payloadOf = (pct: number): TMilestonePayload => ({
        repName: rep.name,
        slackUserId: rep.slackUserId,
        metricId: metric.id,
        metricTitle: metric.title,
        unit: metric.unit,
        percent: pct,
        actual: money ? actual / scale : actual,
        target: money ? target / scale : target,
        currency: workspace.currency,
        periodKey: period.key,
        periodLabel: period.label,
        attempts: 0,
      });
      for (const pct of fresh) {
        // 100% is celebrated in the channel; with celebrations off it reaches the rep by DM like 50% and 90%.
        const toChannel = pct === 100 && Boolean(channel);
        let skip: string | null = null;
        if (pct !== highest) skip = `a higher threshold (${highest}%) was crossed at the same time`;
        else if (!toChannel && !rep.slackUserId) skip = 'the rep has no Slack id';
        else if (!toChannel) {
          prefs ??= await notifyPreferencesOfWorkspace(db, workspace);
          if (!prefs.of(rep.slackUserId as string).milestoneDm) skip = 'the rep turned milestone DMs off';
        }
        const inserted = await insertMoment(db, {
          workspaceId: workspace.id,
          kind: 'milestone',
          key: keyOf(pct),
          repId: rep.id,
          payload: JSON.stringify(payloadOf(pct)),
          route: toChannel ? 'channel' : 'dm',
          to: toChannel ? null : rep.slackUserId,
          status: skip ? 'skipped' : 'pending',
          detectedAt: now,
          error: skip,
        });
        if (inserted && !skip) count++;
      }
    }
  }
  return count;
}
