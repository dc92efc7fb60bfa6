import { randomUUID } from 'node:crypto';
import { minorDigits } from '../domain/money.js';
import { parseWorkspaceSettings } from '../domain/settings.js';
import {
  abandonStaleSends,
  channelMilestonesToDm,
  claimedCounts,
  claimedPage,
  claimedRows,
  claimGroup,
  finishClaim,
  finishMoments,
  pendingGroups,
  repsNow,
  requeueClaim,
  skipPendingRoute,
  type TPendingGroup,
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
  CHANNEL_BATCH,
  CHANNEL_READ,
  DM_BATCH,
  DM_GROUPS,
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
 * minute), or the oldest MAX_WAIT_MS old (a steady stream still goes out every few minutes). The oldest and
 * newest times are summed in the database (pendingGroups), never spread from a list of rows.
 */
export function hasSettled(group: { oldest: Date; newest: Date }, now: Date): boolean {
  return (
    now.getTime() - group.newest.getTime() >= SETTLE_MS ||
    now.getTime() - group.oldest.getTime() >= MAX_WAIT_MS
  );
}

/** How a send failed, from the outbox's SendError: 'no' (Slack refused: not posted) or 'unknown' (cut off). */
function deliveredOf(error: unknown): 'no' | 'unknown' {
  const delivered = (error as { delivered?: unknown } | null)?.delivered;
  return delivered === 'no' ? 'no' : 'unknown';
}

/** Rows of a refused message read at a time to count their attempts. */
const REQUEUE_PAGE = 500;

/** A moment's payload with its kind, as the messages are built from it. */
export type TMomentPayload = (
  | { kind: 'celebration'; payload: TCelebrationPayload }
  | { kind: 'milestone'; payload: TMilestonePayload }
) & { repId?: string | null };
type TParsed = TMomentPayload & { row: Moment };

function parsed(row: Moment): TParsed | null {
  try {
    const json = JSON.parse(row.payload) as unknown;
    if (row.kind === 'celebration') {
      const p = ZCelebrationPayload.safeParse(json);
      return p.success ? { row, repId: row.repId, kind: 'celebration', payload: p.data } : null;
    }
    const p = ZMilestonePayload.safeParse(json);
    return p.success ? { row, repId: row.repId, kind: 'milestone', payload: p.data } : null;
  } catch {
    return null;
  }
}

/** The rep as they are now (name, Slack id), where the moment names one that still exists. */
type TRepNow = { id: string; name: string; slackUserId: string | null; active: boolean };

function celebrationItem(
  p: TCelebrationPayload,
  repKey: string | undefined,
  rep?: TRepNow,
): TCelebrationItem {
  return {
    ...(repKey ? { repKey } : {}),
    repName: rep?.name ?? p.repName,
    slackUserId: rep ? rep.slackUserId : p.slackUserId,
    title: p.title,
    amount: Number(p.amountMinor) / 10 ** minorDigits(p.currency),
    currency: p.currency,
    progress: p.progress,
  };
}

const milestoneItem = (p: TMilestonePayload, repKey?: string, rep?: TRepNow): TMilestoneItem => ({
  ...(repKey ? { repKey } : {}),
  metricId: p.metricId,
  repName: rep?.name ?? p.repName,
  slackUserId: rep ? rep.slackUserId : p.slackUserId,
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
 * grouped by rep (the view's groupedLines), reps in the order of their first win (close time, then deal id),
 * reps with only 100% milestones after them by name; a rep's milestones by metric. `reps`: the reps as they are
 * now (their current name and Slack id are shown); `unlisted`: moments sent with it but not given (counted).
 */
export function celebrationMessageOf(
  items: readonly TMomentPayload[],
  opts: { reps?: ReadonlyMap<string, TRepNow>; unlisted?: { wins: number; reached: number } } = {},
): TMessage {
  const repOf = (i: TMomentPayload) => (i.repId ? opts.reps?.get(i.repId) : undefined);
  const wins = items
    .flatMap((i) => (i.kind === 'celebration' ? [i] : []))
    .sort(
      (a, b) =>
        a.payload.closedAt.localeCompare(b.payload.closedAt) ||
        a.payload.dealId.localeCompare(b.payload.dealId),
    );
  const reached = items
    .flatMap((i) => (i.kind === 'milestone' ? [i] : []))
    .map((i) => ({ i, name: repOf(i)?.name ?? i.payload.repName }))
    .sort(
      (a, b) =>
        a.name.localeCompare(b.name) ||
        (a.i.repId ?? '').localeCompare(b.i.repId ?? '') ||
        a.i.payload.metricId.localeCompare(b.i.payload.metricId) ||
        a.i.payload.percent - b.i.payload.percent,
    )
    .map((x) => x.i);
  return buildCelebrationMessage({
    wins: wins.map((i) => celebrationItem(i.payload, i.repId ?? undefined, repOf(i))),
    reached: reached.map((i) => milestoneItem(i.payload, i.repId ?? undefined, repOf(i))),
    ...(opts.unlisted ? { unlisted: opts.unlisted } : {}),
  });
}

/** A rep's DM for claimed milestones, by metric then threshold. */
export function milestoneDmOf(items: readonly TMomentPayload[]): TMessage {
  const list = items
    .flatMap((i) => (i.kind === 'milestone' ? [i.payload] : []))
    .sort((a, b) => a.metricId.localeCompare(b.metricId) || a.percent - b.percent);
  return buildMilestoneDm(list.map((p) => milestoneItem(p)));
}

/**
 * Sends the workspace's pending moments: the channel's (celebrations and 100% milestones) and each rep's
 * milestone DMs, every group once its burst has settled (hasSettled, from the group's oldest and newest times
 * summed in the database) and outside quiet hours. Nothing unbounded is read: a group's rows are claimed in one
 * UPDATE of at most CHANNEL_BATCH (channel) or DM_BATCH (a rep's DMs) rows, oldest first (pending → sending,
 * naming this process and send: a replica doing the same at the same moment claims none of them), and one
 * message goes out per group and minute; a channel message lists its first lines and counts the rest ("…and N
 * more"), all marked sent with it. The recipient is decided now: the rep's current Slack id, active flag and
 * milestone-DM preference, and the channel shows the reps' current names and mentions. After the post: sent;
 * refused by Slack: pending again (failed after MAX_ATTEMPTS); cut off: uncertain, never sent again. Rows a dead
 * process left in `sending` become uncertain.
 */
export async function sendPending(ctx: TMomentsContext, rules: TMomentsRules, channel: string | null) {
  const { db, workspace, now } = ctx;
  const out: TSendOutcome = { sent: 0, held: 0, refused: 0, failed: 0, uncertain: 0, skipped: 0 };
  out.uncertain += await abandonStaleSends(db, workspace.id, new Date(now.getTime() - rules.staleClaimMs));
  if (!channel) {
    // A 100% milestone still reaches its rep, by DM, as it would have with no channel from the start.
    await channelMilestonesToDm(db, workspace.id);
    out.skipped += await skipPendingRoute(
      db,
      workspace.id,
      'channel',
      'celebrations were turned off before it was sent',
    );
  }
  const groups = await pendingGroups(db, workspace.id, DM_GROUPS);
  if (groups.length === 0) return out;
  const settings = parseWorkspaceSettings(workspace.settings);
  const quiet = settings.quietHours === undefined ? rules.defaultQuietHours : settings.quietHours;
  if (!ctx.outbox.local && rules.inQuietHours(now, workspace.timezone, quiet)) {
    out.held = groups.reduce((n, g) => n + g.count, 0);
    return out;
  }
  for (const group of groups) {
    if (!hasSettled(group, now)) {
      out.held += group.count;
      continue;
    }
    if (group.route === 'channel' && channel) await sendChannelGroup(ctx, group, channel, out);
    else if (group.route === 'dm') await sendDmGroup(ctx, group, out);
  }
  return out;
}

/** Claims a group's batch; the claim's name (this process and a fresh id) fences every later write. */
async function claim(ctx: TMomentsContext, group: TPendingGroup, limit: number): Promise<string | null> {
  const name = `${ctx.by}#${randomUUID()}`;
  const n = await claimGroup(ctx.db, ctx.workspace.id, group, name, ctx.now, limit);
  return n > 0 ? name : null;
}

/** Reads a claim's first rows; those whose payload cannot be read end as failed. */
async function readClaim(ctx: TMomentsContext, name: string, take: number, out: TSendOutcome) {
  const rows = await claimedRows(ctx.db, ctx.workspace.id, name, take);
  const items = rows.map((r) => ({ row: r, item: parsed(r) }));
  const broken = items.filter((i) => !i.item).map((i) => i.row.id);
  if (broken.length) {
    out.failed += await finishMoments(ctx.db, broken, name, {
      status: 'failed',
      now: ctx.now,
      error: 'unreadable payload',
    });
    ctx.logger.error({ ids: broken }, 'moments with an unreadable payload were not sent');
  }
  return items.flatMap((i) => (i.item ? [i.item] : []));
}

async function sendChannelGroup(
  ctx: TMomentsContext,
  group: TPendingGroup,
  channel: string,
  out: TSendOutcome,
) {
  const { db, workspace } = ctx;
  const name = await claim(ctx, group, CHANNEL_BATCH);
  if (!name) return;
  const good = await readClaim(ctx, name, CHANNEL_READ, out);
  const counts = await claimedCounts(db, workspace.id, name);
  if (counts.celebration + counts.milestone === 0) return;
  const listedWins = good.filter((g) => g.kind === 'celebration').length;
  const unlisted = {
    wins: counts.celebration - listedWins,
    reached: counts.milestone - (good.length - listedWins),
  };
  const repIds = [...new Set(good.flatMap((g) => (g.row.repId ? [g.row.repId] : [])))];
  const reps = new Map((await repsNow(db, workspace.id, repIds)).map((r) => [r.id, r]));
  const message = celebrationMessageOf(good, { reps, unlisted });
  await deliver(ctx, name, () => ctx.outbox.post(channel, message), channel, out);
}

async function sendDmGroup(ctx: TMomentsContext, group: TPendingGroup, out: TSendOutcome) {
  const { db, workspace, now } = ctx;
  const name = await claim(ctx, group, DM_BATCH);
  if (!name) return;
  const good = await readClaim(ctx, name, DM_BATCH, out);
  // Who gets it is decided now: an admin may have corrected the Slack id, or the rep left or opted out.
  const rep = group.repId ? (await repsNow(db, workspace.id, [group.repId]))[0] : undefined;
  let skip: string | null = null;
  if (!rep) skip = 'the rep no longer exists';
  else if (!rep.active) skip = 'the rep is no longer active';
  else if (!rep.slackUserId) skip = 'the rep has no Slack id';
  else if (!(await notifyPreferencesOf(db, workspace, rep.slackUserId)).milestoneDm)
    skip = 'the rep turned milestone DMs off';
  if (skip || !rep?.slackUserId) {
    out.skipped += await finishClaim(db, workspace.id, name, { status: 'skipped', now, error: skip });
    return;
  }
  if (good.length === 0) return;
  const to = rep.slackUserId;
  const message = milestoneDmOf(good);
  await deliver(ctx, name, () => ctx.outbox.dm(to, message), to, out);
}

/** Posts a claim's message and ends its rows: sent, uncertain (cut off), or refused (tried again, then failed). */
async function deliver(
  ctx: TMomentsContext,
  name: string,
  send: () => Promise<unknown>,
  to: string,
  out: TSendOutcome,
) {
  const { db, workspace, now, logger } = ctx;
  try {
    await send();
    out.sent += await finishClaim(db, workspace.id, name, { status: 'sent', now, error: null });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (deliveredOf(error) === 'unknown') {
      const n = await finishClaim(db, workspace.id, name, { status: 'uncertain', now, error: reason });
      out.uncertain += n;
      logger.warn({ err: error, to, count: n }, 'moments may or may not have been posted; not sent again');
      return;
    }
    // Refused: not posted. Each row tries again next minute until MAX_ATTEMPTS refusals: one UPDATE per attempt
    // count, then any row whose payload is not as detection wrote it a page at a time.
    const requeued = await requeueClaim(db, workspace.id, name, reason, MAX_ATTEMPTS);
    out.refused += requeued.pending;
    out.failed += requeued.failed;
    let count = requeued.pending + requeued.failed;
    for (;;) {
      const page = await claimedPage(db, workspace.id, name, REQUEUE_PAGE);
      if (page.length === 0) break;
      for (const row of page) {
        let payload: Record<string, unknown> | null = null;
        try {
          payload = JSON.parse(row.payload) as Record<string, unknown>;
        } catch {
          payload = null;
        }
        const before = typeof payload?.attempts === 'number' ? payload.attempts : 0;
        const attempts = before + 1;
        const status = !payload || attempts >= MAX_ATTEMPTS ? 'failed' : 'pending';
        const n = await finishMoments(db, [row.id], name, {
          status,
          now,
          error: reason,
          ...(payload ? { payload: JSON.stringify({ ...payload, attempts }) } : {}),
        });
        if (status === 'failed') out.failed += n;
        else out.refused += n;
        count += n;
      }
    }
    logger.warn({ err: error, to, count }, 'Slack refused moments; tried again next minute');
  }
}
