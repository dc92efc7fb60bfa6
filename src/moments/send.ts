import { minorDigits } from '../domain/money.js';
import { parseWorkspaceSettings } from '../domain/settings.js';
import {
  abandonStaleSends,
  claimMoments,
  finishMoments,
  pendingMoments,
  skipPending,
} from '../store/moments.js';
import { notifyPreferencesOf } from '../store/notify-preferences.js';
import type { Moment } from '../store/types.js';
import {
  buildCelebrationMessage,
  buildMilestoneDm,
  type TCelebrationItem,
  type TMilestoneItem,
} from '../views/moments.js';
import type { TMessage } from '../views/types.js';
import {
  MAX_ATTEMPTS,
  MAX_WAIT_MS,
  SETTLE_MS,
  type TCelebrationPayload,
  type TMilestonePayload,
  type TMomentsContext,
  type TMomentsRules,
  ZCelebrationPayload,
  ZMilestonePayload,
} from './types.js';

/** What one minute's sending did, for the log and the tests. */
export type TSendOutcome = {
  sent: number;
  held: number;
  refused: number;
  failed: number;
  uncertain: number;
  skipped: number;
};

/**
 * A group of pending moments goes out when its burst has settled: the newest is SETTLE_MS old (nothing new for a
 * minute), or the oldest MAX_WAIT_MS old (a steady stream still goes out every few minutes).
 */
export function hasSettled(rows: readonly Pick<Moment, 'detectedAt'>[], now: Date): boolean {
  if (rows.length === 0) return false;
  const times = rows.map((r) => r.detectedAt.getTime());
  return now.getTime() - Math.max(...times) >= SETTLE_MS || now.getTime() - Math.min(...times) >= MAX_WAIT_MS;
}

/** How a send failed, from the outbox's SendError: 'no' (Slack refused: not posted) or 'unknown' (cut off). */
function deliveredOf(error: unknown): 'no' | 'unknown' {
  const delivered = (error as { delivered?: unknown } | null)?.delivered;
  return delivered === 'no' ? 'no' : 'unknown';
}

/** A moment's payload with its kind, as the messages are built from it. */
export type TMomentPayload =
  | { kind: 'celebration'; payload: TCelebrationPayload }
  | { kind: 'milestone'; payload: TMilestonePayload };
type TParsed = TMomentPayload & { row: Moment };

function parsed(row: Moment): TParsed | null {
  try {
    const json = JSON.parse(row.payload) as unknown;
    if (row.kind === 'celebration') {
      const p = ZCelebrationPayload.safeParse(json);
      return p.success ? { row, kind: 'celebration', payload: p.data } : null;
    }
    const p = ZMilestonePayload.safeParse(json);
    return p.success ? { row, kind: 'milestone', payload: p.data } : null;
  } catch {
    return null;
  }
}

function celebrationItem(p: TCelebrationPayload): TCelebrationItem {
  return {
    repName: p.repName,
    slackUserId: p.slackUserId,
    title: p.title,
    amount: Number(p.amountMinor) / 10 ** minorDigits(p.currency),
    currency: p.currency,
    progress: p.progress,
  };
}

const milestoneItem = (p: TMilestonePayload): TMilestoneItem => ({
  repName: p.repName,
  slackUserId: p.slackUserId,
  metricTitle: p.metricTitle,
  unit: p.unit,
  percent: p.percent,
  actual: p.actual,
  target: p.target,
  currency: p.currency,
  periodLabel: p.periodLabel,
});

/**
 * The channel's message for claimed moments, in a fixed order whatever order they were detected or claimed in:
 * wins by close time (then deal id), then 100% milestones by rep name and metric.
 */
export function celebrationMessageOf(items: readonly TMomentPayload[]): TMessage {
  const wins = items
    .flatMap((i) => (i.kind === 'celebration' ? [i.payload] : []))
    .sort((a, b) => a.closedAt.localeCompare(b.closedAt) || a.dealId.localeCompare(b.dealId));
  const reached = items
    .flatMap((i) => (i.kind === 'milestone' ? [i.payload] : []))
    .sort(
      (a, b) =>
        a.repName.localeCompare(b.repName) || a.metricId.localeCompare(b.metricId) || a.percent - b.percent,
    );
  return buildCelebrationMessage({ wins: wins.map(celebrationItem), reached: reached.map(milestoneItem) });
}

/** A rep's DM for claimed milestones, by metric then threshold. */
export function milestoneDmOf(items: readonly TMomentPayload[]): TMessage {
  const list = items
    .flatMap((i) => (i.kind === 'milestone' ? [i.payload] : []))
    .sort((a, b) => a.metricId.localeCompare(b.metricId) || a.percent - b.percent);
  return buildMilestoneDm(list.map(milestoneItem));
}

/**
 * Sends the workspace's pending moments: the channel's (celebrations and 100% milestones) as one message, each
 * rep's milestone DMs as one message each, every group once its burst has settled (hasSettled) and outside quiet
 * hours. Rows are claimed first (pending → sending, naming this process): a replica doing the same at the same
 * moment claims none of them. After the post: sent; refused by Slack: pending again (failed after MAX_ATTEMPTS);
 * cut off: uncertain, never sent again. Rows a dead process left in `sending` become uncertain.
 */
export async function sendPending(ctx: TMomentsContext, rules: TMomentsRules, channel: string | null) {
  const { db, workspace, now, logger } = ctx;
  const out: TSendOutcome = { sent: 0, held: 0, refused: 0, failed: 0, uncertain: 0, skipped: 0 };
  out.uncertain += await abandonStaleSends(db, workspace.id, new Date(now.getTime() - rules.staleClaimMs));
  const pending = await pendingMoments(db, workspace.id);
  if (pending.length === 0) return out;
  const channelRows = pending.filter((r) => r.route === 'channel');
  if (channelRows.length && !channel) {
    out.skipped += await skipPending(
      db,
      workspace.id,
      channelRows.map((r) => r.id),
      'celebrations were turned off before it was sent',
    );
  }
  const live = channel ? pending : pending.filter((r) => r.route !== 'channel');
  const settings = parseWorkspaceSettings(workspace.settings);
  const quiet = settings.quietHours === undefined ? rules.defaultQuietHours : settings.quietHours;
  if (!ctx.outbox.local && rules.inQuietHours(now, workspace.timezone, quiet)) {
    out.held = live.length;
    return out;
  }
  const groups: { rows: Moment[]; to: string; route: 'channel' | 'dm' }[] = [];
  if (channelRows.length && channel) groups.push({ rows: channelRows, to: channel, route: 'channel' });
  const byPerson = new Map<string, Moment[]>();
  for (const r of live) if (r.route === 'dm' && r.to) byPerson.set(r.to, [...(byPerson.get(r.to) ?? []), r]);
  for (const [to, rows] of [...byPerson].sort(([a], [b]) => a.localeCompare(b)))
    groups.push({ rows, to, route: 'dm' });
  for (const group of groups) {
    if (!hasSettled(group.rows, now)) {
      out.held += group.rows.length;
      continue;
    }
    const mine = new Set(
      await claimMoments(
        db,
        workspace.id,
        group.rows.map((r) => r.id),
        ctx.by,
        now,
      ),
    );
    const rows = group.rows.filter((r) => mine.has(r.id));
    if (rows.length === 0) continue;
    const items = rows.map((r) => ({ row: r, item: parsed(r) }));
    const broken = items.filter((i) => !i.item).map((i) => i.row.id);
    if (broken.length) {
      out.failed += await finishMoments(db, broken, ctx.by, {
        status: 'failed',
        now,
        error: 'unreadable payload',
      });
      logger.error({ ids: broken }, 'moments with an unreadable payload were not sent');
    }
    const good = items.flatMap((i) => (i.item ? [i.item] : []));
    if (good.length === 0) continue;
    const ids = good.map((g) => g.row.id);
    if (group.route === 'dm') {
      // The person may have turned milestone DMs off since the milestone was recorded.
      const prefs = await notifyPreferencesOf(db, workspace, group.to);
      if (!prefs.milestoneDm) {
        out.skipped += await finishMoments(db, ids, ctx.by, {
          status: 'skipped',
          now,
          error: 'the rep turned milestone DMs off',
        });
        continue;
      }
    }
    const message = group.route === 'channel' ? celebrationMessageOf(good) : milestoneDmOf(good);
    try {
      if (group.route === 'channel') await ctx.outbox.post(group.to, message);
      else await ctx.outbox.dm(group.to, message);
      out.sent += await finishMoments(db, ids, ctx.by, { status: 'sent', now, error: null });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (deliveredOf(error) === 'unknown') {
        out.uncertain += await finishMoments(db, ids, ctx.by, { status: 'uncertain', now, error: reason });
        logger.warn(
          { err: error, to: group.to, count: ids.length },
          'moments may or may not have been posted; not sent again',
        );
        continue;
      }
      // Refused: not posted. Each row tries again next minute until MAX_ATTEMPTS refusals.
      for (const g of good) {
        const attempts = g.payload.attempts + 1;
        const payload = JSON.stringify({ ...g.payload, attempts });
        const status = attempts >= MAX_ATTEMPTS ? 'failed' : 'pending';
        const n = await finishMoments(db, [g.row.id], ctx.by, { status, now, error: reason, payload });
        if (status === 'failed') out.failed += n;
        else out.refused += n;
      }
      logger.warn(
        { err: error, to: group.to, count: ids.length },
        'Slack refused moments; tried again next minute',
      );
    }
  }
  return out;
}
