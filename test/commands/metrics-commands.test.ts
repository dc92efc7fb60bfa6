import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandRouter } from '../../src/commands/execute.js';
import { METRIC_COMMANDS } from '../../src/commands/metrics-commands.js';
import type { TActor } from '../../src/commands/types.js';
import type { Workspace } from '../../src/generated/sqlite/client.js';
import { createLogger } from '../../src/logger.js';
import type { TStore } from '../../src/store/store.js';
import { blocksToText } from '../../src/views/text.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';

let store: TStore;
let cleanup: () => Promise<void>;
let ws: Workspace;
let dana: TActor;
const router = createCommandRouter(METRIC_COMMANDS);
const now = new Date('2017-07-10T15:00:00Z');

beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
  const { db } = store;
  ws = await db.workspace.create({ data: { slackTeamId: 'T0ACME', timezone: 'America/New_York' } });
  const rep = await db.rep.create({
    data: { workspaceId: ws.id, name: 'Dana Scott', slackUserId: 'U0DANA' },
  });
  const lee = await db.rep.create({
    data: { workspaceId: ws.id, name: 'Lee <!channel>', slackUserId: 'U0LEE' },
  });
  dana = { repId: rep.id, slackUserId: 'U0DANA', name: 'Dana Scott' };
  const won = (repId: string, id: string, minor: bigint) => ({
    workspaceId: ws.id,
    repId,
    source: 'csv',
    externalId: id,
    stage: 'Won',
    status: 'won',
    amountMinor: minor,
    openedAt: new Date('2017-06-02T16:00:00Z'),
    closedAt: new Date('2017-06-20T16:00:00Z'),
  });
  await db.deal.createMany({ data: [won(rep.id, 'a', 105_400n), won(lee.id, 'b', 200_000n)] });
});
afterAll(async () => {
  await cleanup();
});

const run = (text: string, actor: TActor) =>
  router.execute(text, { workspace: ws, actor, now, store, logger: createLogger('silent') });

describe(`/kpi me and /kpi leaderboard (${TEST_PROVIDER})`, () => {
  it("me shows the asker's ten headline metrics for the period", async () => {
    const reply = await run('me 2017-06', dana);
    const text = blocksToText(reply.blocks);
    expect(text).toContain('DANA SCOTT · JUNE 2017');
    expect(text).toContain('Won revenue · $1,054');
    expect(text).toContain('Personalized outreach · 0 · 0% of 50');
    expect(reply.visibility).toBe('ephemeral');
  });

  it('me tells someone who is not a rep how to get set up', async () => {
    const reply = await run('me', { slackUserId: 'U0NEW', name: 'newbie' });
    expect(reply.text).toContain('not set up as a rep');
  });

  it('me names a bad period and the periods it knows', async () => {
    const reply = await run('me fortnight', dana);
    expect(reply.text).toMatch(/"fortnight" is not a period I know\. Try one of: this month/);
  });

  it('leaderboard ranks reps, marks the asker, and escapes names', async () => {
    const reply = await run('leaderboard 2017-06', dana);
    const text = blocksToText(reply.blocks);
    // Escaped in the Block Kit sent to Slack; the shell's text shows the name as typed.
    expect(text).toContain('1. Lee <!channel> $2,000');
    expect(JSON.stringify(reply.blocks)).not.toContain('<!channel>');
    expect(text).toContain('2. Dana Scott (you) $1,054');
  });

  it('leaderboard takes a metric id first and suggests the closest for a typo', async () => {
    const reply = await run('leaderboard sales.won_count 2017-06', dana);
    expect(reply.text).toBe('Deals won leaderboard, June 2017');
    const typo = await run('leaderboard sales.wonn_count', dana);
    expect(typo.text).toContain('did you mean sales.won_count');
  });
});
