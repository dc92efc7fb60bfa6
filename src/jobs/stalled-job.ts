import { plural } from '../reports/format.js';
import { stalledDaysOf, stalledDealsByRep } from '../reports/stalled-deals.js';
import { notifyPreferencesOfWorkspace } from '../store/notify-preferences.js';
import { activePeopleForStalled } from '../store/stalled.js';
import { buildStalledDealsDm } from '../views/stalled.js';
import { quietHoursHold, workspaceAdmins } from './coaching-job.js';
import { SendError } from './outbox.js';
import type { TJob, TJobContext } from './types.js';

type TCounts = {
  /** People sent their list. */
  sent: number;
  /** Deals listed in the messages sent. */
  deals: number;
  /** People with stalled deals who turned the message off (`/kpi notify`). */
  skippedByPreference: number;
  /** People with stalled deals and no Slack id (nobody to send to). */
  withoutSlackId: number;
  /** Slack refused the message (not sent; the next week's run sends a fresh list). */
  failed: number;
  /** Cut off while sending: it may have arrived (not sent again). */
  uncertain: number;
};

function summaryOf(c: TCounts, stalledReps: number): string {
  if (stalledReps === 0) return 'no stalled deals: nothing sent';
  return [
    `${plural(c.sent, 'rep')} sent their stalled deals (${plural(c.deals, 'deal')})`,
    ...(c.skippedByPreference ? [`${c.skippedByPreference} skipped by their preference`] : []),
    ...(c.withoutSlackId ? [`${c.withoutSlackId} without a Slack id`] : []),
    ...(c.failed ? [`${c.failed} refused by Slack`] : []),
    ...(c.uncertain ? [`${c.uncertain} cut off while sending`] : []),
  ].join(', ');
}

/** Tells the workspace's admins when some lists did not reach their rep (refused, or cut off mid-way). */
async function reportUndelivered(ctx: TJobContext, counts: TCounts): Promise<void> {
  const missed = counts.failed + counts.uncertain;
  if (!missed) return;
  const text = `KPI Bot could not deliver ${plural(missed, 'stalled-deals message')} (${ctx.slot.toISOString()}): ${
    counts.failed
  } refused by Slack, ${counts.uncertain} cut off (not sent again). Next week's run sends fresh lists; the bot's log has the details.`;
  for (const admin of await workspaceAdmins(ctx.db, ctx.workspace.id, ctx.workspace.settings))
    await ctx.outbox
      .dm(admin, { text, blocks: [{ type: 'section', text: { type: 'plain_text', text } }], terminal: text })
      .catch((error: unknown) =>
        ctx.logger.error({ err: error, admin }, 'could not tell an admin about stalled-deals messages'),
      );
}

/**
 * The weekly stalled-deals message: each active person with stalled open deals (stalledDealsByRep, as of the
 * slot) gets one direct message listing them, unless they turned it off (`stalledDm`, `/kpi notify`) or have no
 * Slack id (in local mode they are reached by name). Nothing for someone with nothing stalled. In quiet hours the
 * run is held and sent when they end; the ledger runs each slot once. A message Slack refuses is logged and
 * counted (next week's list replaces it); one cut off is counted as uncertain and not sent again.
 */
export const stalledDealsJob: TJob = {
  name: 'stalled-deals',
  defaultSchedule: '0 9 * * 1',
  async run(ctx) {
    const held = quietHoursHold(ctx);
    if (held) return held;
    const { db, workspace } = ctx;
    const byRep = await stalledDealsByRep(db, workspace, ctx.slot);
    const counts: TCounts = {
      sent: 0,
      deals: 0,
      skippedByPreference: 0,
      withoutSlackId: 0,
      failed: 0,
      uncertain: 0,
    };
    if (byRep.size === 0) return { summary: summaryOf(counts, 0), ...counts, stalledReps: 0 };
    const people = new Map((await activePeopleForStalled(db, workspace.id)).map((p) => [p.id, p]));
    const prefs = await notifyPreferencesOfWorkspace(db, workspace);
    const stalledDays = stalledDaysOf(workspace);
    const without: string[] = [];
    const errors: string[] = [];
    let sendingMarked = false;
    for (const [repId, deals] of byRep) {
      const person = people.get(repId);
      if (!person) continue;
      const to = person.slackUserId ?? (ctx.outbox.local ? person.name : null);
      if (!to) {
        counts.withoutSlackId += 1;
        without.push(person.name);
        continue;
      }
      if (!prefs.of(to).stalledDm) {
        counts.skippedByPreference += 1;
        continue;
      }
      if (!sendingMarked) {
        await ctx.sending();
        sendingMarked = true;
      }
      try {
        await ctx.outbox.dm(to, buildStalledDealsDm(deals, { stalledDays, locale: workspace.locale }));
        counts.sent += 1;
        counts.deals += deals.length;
        await ctx.sent({ stalledDms: counts.sent });
      } catch (error) {
        const refused = error instanceof SendError && error.delivered === 'no';
        counts[refused ? 'failed' : 'uncertain'] += 1;
        errors.push(`${to}: ${(error as Error).message}`);
        ctx.logger.warn({ err: error, to }, 'stalled-deals message not sent');
      }
    }
    await reportUndelivered(ctx, counts);
    if (without.length)
      ctx.logger.warn(
        { people: without.length },
        'people with stalled deals have no Slack id: link them (kpi import reps, or their email) to reach them',
      );
    return {
      summary: summaryOf(counts, byRep.size),
      ...counts,
      stalledReps: byRep.size,
      ...(without.length ? { withoutSlackIdNames: without.slice(0, 50) } : {}),
      ...(errors.length ? { errors: errors.slice(0, 50) } : {}),
    };
  },
};
