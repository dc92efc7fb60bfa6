import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBot } from '../support/bot.js';
import { seedWorkspace } from '../support/seed.js';
import { slashCommands } from '../support/slack-request.js';

let t: Awaited<ReturnType<typeof startTestBot>>;
const { slash } = slashCommands(() => t);

beforeAll(async () => {
  t = await startTestBot();
  // The same Slack user id in two workspaces is two different people with their own numbers.
  const june = { openedAt: '2017-06-01T00:00:00Z', closedAt: '2017-06-10T00:00:00Z' };
  await seedWorkspace(t.bot.store.db, {
    reps: [{ name: 'Dana at Acme', slackUserId: 'U0DANA', role: 'admin' }],
    deals: [{ rep: 'Dana at Acme', amountMinor: 100_000n, ...june }],
  });
  await seedWorkspace(t.bot.store.db, {
    team: 'T0OTHER',
    name: 'Other',
    reps: [
      { name: 'Dana at Other', slackUserId: 'U0DANA', role: 'admin' },
      { name: 'Only Other', slackUserId: 'U0ONLY' },
    ],
    deals: [{ rep: 'Dana at Other', amountMinor: 777_700n, ...june }],
  });
});
afterAll(async () => {
  await t?.close();
});

describe('two workspaces through Slack requests', () => {
  it("each sees only its own rep's numbers for the same Slack user id", async () => {
    expect((await slash('me 2017-06', { team: 'T0ACME' })).text).toBe('Dana at Acme, June 2017: won $1,000');
    expect((await slash('me 2017-06', { team: 'T0OTHER' })).text).toBe(
      'Dana at Other, June 2017: won $7,777',
    );
  });

  it("an admin of one workspace cannot reach the other's people, targets or settings", async () => {
    expect((await slash('rep <@U0ONLY>', { team: 'T0ACME' })).text).toMatch(/do not know/);
    expect((await slash('leaderboard 2017-06', { team: 'T0ACME' })).text).toBeTruthy();
    await slash('settings timezone Asia/Tokyo', { team: 'T0ACME' });
    await slash('target set team sales.won_total 5000', { team: 'T0ACME' });
    const { db } = t.bot.store;
    const other = await db.workspace.findUniqueOrThrow({ where: { slackTeamId: 'T0OTHER' } });
    expect(other.timezone).toBe('UTC');
    expect(await db.target.count({ where: { workspaceId: other.id } })).toBe(0);
    const acme = await db.workspace.findUniqueOrThrow({ where: { slackTeamId: 'T0ACME' } });
    expect(acme.timezone).toBe('Asia/Tokyo');
    expect(await db.target.count({ where: { workspaceId: acme.id } })).toBe(1);
  });
});
