import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBot } from '../support/bot.js';

/**
 * The weekly post's movement through the real bot (scheduler tick with chosen instants, the loopback fake Slack):
 * arrows only against last week's board of the same month; the first post of a month says so instead.
 */

let t: Awaited<ReturnType<typeof startTestBot>>;
const posts = () => t.slack.callsOf('chat.postMessage').filter((c) => c.body.channel === 'C0BOARD');

beforeAll(async () => {
  t = await startTestBot();
  const db = t.bot.store.db;
  const ws = await db.workspace.update({
    where: { slackTeamId: 'T0ACME' },
    data: {
      timezone: 'Europe/Berlin',
      leaderboardChannel: 'C0BOARD',
      createdAt: new Date('2026-01-01T00:00:00Z'),
      settings: JSON.stringify({
        jobs: { 'coaching-alerts': { enabled: false }, 'stalled-deals': { enabled: false } },
      }),
    },
  });
  const rep = (name: string, slackUserId: string) =>
    db.rep.create({ data: { workspaceId: ws.id, name, slackUserId } });
  const [ana, bo, cy] = await Promise.all([rep('Ana', 'U0ANA'), rep('Bo', 'U0BO'), rep('Cy', 'U0CY')]);
  // Milestone DMs off: this file counts the board's posts.
  for (const id of ['U0ANA', 'U0BO', 'U0CY'])
    await db.notifyPreference.create({
      data: { workspaceId: ws.id, slackUserId: id, settings: JSON.stringify({ milestoneDm: false }) },
    });
  let n = 0;
  const won = (repId: string, closedAt: string, dollars: number) => ({
    workspaceId: ws.id,
    repId,
    source: 'csv',
    externalId: `mv${n++}`,
    stage: 'Won',
    status: 'won',
    amountMinor: BigInt(dollars * 100),
    openedAt: new Date('2026-10-01T00:00:00Z'),
    closedAt: new Date(closedAt),
  });
  await db.deal.createMany({
    data: [
      // November: Ana far ahead, then Cy, then Bo.
      won(ana.id, '2026-11-10T10:00:00Z', 30_000),
      won(cy.id, '2026-11-11T10:00:00Z', 20_000),
      won(bo.id, '2026-11-12T10:00:00Z', 10_000),
      // December to the 7th: Bo first, Cy second, Ana nothing yet.
      won(bo.id, '2026-12-02T10:00:00Z', 9_000),
      won(cy.id, '2026-12-03T10:00:00Z', 4_000),
      // December to the 14th: Ana ahead.
      won(ana.id, '2026-12-09T10:00:00Z', 12_000),
    ],
  });
});
afterAll(async () => {
  await t?.close();
});

describe('weekly post movement (through the bot)', () => {
  it('the first post of a month has no arrows and says why; the next one shows them with a legend', async () => {
    // Monday 30 November, 09:00 Berlin: November to date; the board a week before (23 Nov) was November too.
    await t.bot.jobs.tick(new Date('2026-11-30T08:00:20Z'));
    // Monday 7 December: December to date against the board of 30 November (November): a new month.
    await t.bot.jobs.tick(new Date('2026-12-07T08:00:20Z'));
    // Monday 14 December: against 7 December, the same month.
    await t.bot.jobs.tick(new Date('2026-12-14T08:00:20Z'));
    const [nov, dec7, dec14] = posts().map((p) => JSON.stringify(p.body.blocks));
    expect(posts()).toHaveLength(3);
    // Same month as 23 November's board and every rank held: nothing to mark, so no legend either.
    expect(nov).not.toMatch(/↑|↓|\(new\)|New month/);
    expect(dec7).toContain('December 2026 to date (1–7 Dec)');
    expect(dec7).toContain('New month: movement starts next week.');
    expect(dec7).not.toMatch(/↑|↓|\(new\)/);
    expect(dec14).not.toContain('New month');
    expect(dec14).toContain('*1.* <@U0ANA>  $12,000 (new)');
    expect(dec14).toContain('*2.* <@U0BO>  $9,000 ↓1');
    expect(dec14).toContain('*3.* <@U0CY>  $4,000 ↓1');
    expect(dec14).toContain("↑↓ places since last week's board; (new): not ranked on it.");
  });
});
