import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBot } from '../support/bot.js';
import { postToSlackEndpoint, slashCommandBody } from '../support/slack-request.js';

let t: Awaited<ReturnType<typeof startTestBot>>;
let seq = 0;

beforeAll(async () => {
  t = await startTestBot();
  const { db } = t.bot.store;
  const acme = await db.workspace.findUniqueOrThrow({ where: { slackTeamId: 'T0ACME' } });
  const other = await db.workspace.create({ data: { slackTeamId: 'T0OTHER', name: 'Other' } });
  // The same Slack user id in two workspaces is two different people with their own numbers.
  for (const [ws, name, minor] of [
    [acme.id, 'Dana at Acme', 100_000n],
    [other.id, 'Dana at Other', 777_700n],
  ] as const) {
    const rep = await db.rep.create({
      data: { workspaceId: ws, name, slackUserId: 'U0DANA', role: 'admin' },
    });
    await db.deal.create({
      data: {
        workspaceId: ws,
        repId: rep.id,
        source: 'csv',
        externalId: 'd1',
        stage: 'Won',
        status: 'won',
        amountMinor: minor,
        openedAt: new Date('2017-06-01T00:00:00Z'),
        closedAt: new Date('2017-06-10T00:00:00Z'),
      },
    });
  }
  await db.rep.create({ data: { workspaceId: other.id, name: 'Only Other', slackUserId: 'U0ONLY' } });
});
afterAll(async () => {
  await t?.close();
});

async function slash(text: string, team: string) {
  seq += 1;
  const responseUrl = t.slack.responseUrl(`w${seq}`);
  await postToSlackEndpoint(t.baseUrl, slashCommandBody({ text, team_id: team, response_url: responseUrl }));
  return (await t.slack.waitFor((c) => c.path === `/respond/w${seq}`)).body as { text: string };
}

describe('two workspaces through Slack requests', () => {
  it("each sees only its own rep's numbers for the same Slack user id", async () => {
    expect((await slash('me 2017-06', 'T0ACME')).text).toBe('Dana at Acme, June 2017: won $1,000.00');
    expect((await slash('me 2017-06', 'T0OTHER')).text).toBe('Dana at Other, June 2017: won $7,777.00');
  });

  it("an admin of one workspace cannot reach the other's people, targets or settings", async () => {
    expect((await slash('rep <@U0ONLY>', 'T0ACME')).text).toMatch(/do not know/);
    expect((await slash('leaderboard 2017-06', 'T0ACME')).text).toBeTruthy();
    await slash('settings timezone Asia/Tokyo', 'T0ACME');
    await slash('target set team sales.won_total 5000', 'T0ACME');
    const { db } = t.bot.store;
    const other = await db.workspace.findUniqueOrThrow({ where: { slackTeamId: 'T0OTHER' } });
    expect(other.timezone).toBe('UTC');
    expect(await db.target.count({ where: { workspaceId: other.id } })).toBe(0);
    const acme = await db.workspace.findUniqueOrThrow({ where: { slackTeamId: 'T0ACME' } });
    expect(acme.timezone).toBe('Asia/Tokyo');
    expect(await db.target.count({ where: { workspaceId: acme.id } })).toBe(1);
  });
});
