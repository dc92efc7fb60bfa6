import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandRouter } from '../../src/commands/execute.js';
import { METRIC_COMMANDS, metricOfWord } from '../../src/commands/metrics-commands.js';
import { teamCommand } from '../../src/commands/people-commands.js';
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
let mona: TActor;
const router = createCommandRouter([...METRIC_COMMANDS, teamCommand]);
const now = new Date('2017-07-10T15:00:00Z');

beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
  const { db } = store;
  ws = await db.workspace.create({ data: { slackTeamId: 'T0ACME', timezone: 'America/New_York' } });
  const manager = await db.rep.create({
    data: { workspaceId: ws.id, name: 'Mona Manager', slackUserId: 'U0MONA', role: 'manager' },
  });
  mona = { repId: manager.id, slackUserId: 'U0MONA', name: 'Mona Manager' };
  const rep = await db.rep.create({
    data: { workspaceId: ws.id, name: 'Dana Scott', slackUserId: 'U0DANA', managerId: manager.id },
  });
  const lee = await db.rep.create({
    data: { workspaceId: ws.id, name: 'Lee <!channel>', slackUserId: 'U0LEE', managerId: manager.id },
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

  it('leaderboard takes a short metric name too', async () => {
    expect((await run('leaderboard deals 2017-06', dana)).text).toBe('Deals won leaderboard, June 2017');
    expect((await run('leaderboard Win-Rate 2017-06', dana)).text).toBe('Win rate leaderboard, June 2017');
  });
});

describe(`/kpi team with a metric (${TEST_PROVIDER})`, () => {
  it('ranks the team by won revenue unless a metric is named', async () => {
    const reply = await run('team 2017-06', mona);
    const text = blocksToText(reply.blocks);
    expect(text).toContain('Ranked by Won revenue.');
    expect(text.indexOf('1. Lee <!channel>')).toBeGreaterThan(-1);
    expect(text.indexOf('2. Dana Scott')).toBeGreaterThan(text.indexOf('1. Lee <!channel>'));
  });

  it('takes a metric word after the manager, as /kpi leaderboard does', async () => {
    for (const command of [
      'team win-rate 2017-06',
      'team opportunities.win_rate 2017-06',
      'team <@U0MONA|mona> win_rate 2017-06',
    ]) {
      const reply = await run(command, mona);
      expect(reply.data, command).toMatchObject({
        type: 'team',
        metric: 'opportunities.win_rate',
        period: { key: '2017-06' },
      });
    }
    expect((await run('team deals last month', mona)).data).toMatchObject({ metric: 'sales.won_count' });
    // No metric word: the period is read as before.
    expect((await run('team last month', mona)).data).toMatchObject({ metric: 'sales.won_total' });
  });

  it('refuses a bad metric with the closest name and the usage; a bad period is still a bad period', async () => {
    const typo = await run('team win-rat 2017-06', mona);
    expect(typo.refused).toBe(true);
    expect(typo.text).toContain('"win-rat" is not a metric; did you mean win-rate?');
    expect(typo.text).toContain('Usage: `/kpi team [@manager] [metric] [period]`');
    const hostile = await run('team sales.<!channel>*x* 2017-06', mona);
    expect(hostile.text).toContain('is not a metric');
    expect(JSON.stringify(hostile.blocks)).not.toContain('<!channel>');
    // A lone unknown word may be meant as either: the refusal names both, the periods and the usage.
    const alone = (await run('team fortnight', mona)).text;
    expect(alone).toMatch(/"fortnight" is neither a metric nor a period I know\. Periods: this month, /);
    expect(alone).toContain('Usage: `/kpi team [@manager] [metric] [period]`');
    // A bad period after a good metric is still a bad period.
    expect((await run('team win-rate fortnight', mona)).text).toMatch(/"fortnight" is not a period I know/);
  });

  it("a plain word in the metric's place that is neither a metric nor a period is refused as a metric (issue 14)", async () => {
    for (const [text, usage] of [
      ['team winrate 2017-06', 'team [@manager] [metric] [period]'],
      ['leaderboard winrate 2017-06', 'leaderboard [metric] [period]'],
      ['leaderboard WinRate last month', 'leaderboard [metric] [period]'],
    ] as const) {
      const reply = await run(text, mona);
      expect(reply.refused, text).toBe(true);
      expect(reply.text, text).toMatch(/^"winrate" is not a metric; did you mean win-rate\?/i);
      expect(reply.text, text).toContain(`Usage: \`/kpi ${usage}\``);
      expect(reply.text, text).not.toContain('not a period');
    }
    const wins = await run('team wins 2017-06', mona);
    expect(wins.text).toMatch(/^"wins" is not a metric[;.]/);
    expect(wins.text).toContain('Usage: `/kpi team');
    const foo = await run('team foo', mona);
    expect(foo.refused).toBe(true);
    expect(foo.text).toMatch(/^"foo" is neither a metric nor a period I know\./);
    // Hostile text in that place is shown as typed, never as a Slack mention.
    const hostile = await run('leaderboard <!channel> 2017-06', mona);
    expect(hostile.refused).toBe(true);
    expect(JSON.stringify(hostile.blocks ?? [])).not.toContain('<!channel>');
    // Period words stay periods.
    for (const period of ['june', 'yesterday', 'today', 'ytd', 'last month', 'this quarter'])
      expect((await run(`team ${period}`, mona)).refused, period).not.toBe(true);
  });

  it('reads metric words whatever their case and separators, and only whole names', () => {
    expect(metricOfWord('WIN-RATE')).toBe('opportunities.win_rate');
    expect(metricOfWord('outreach-total')).toBe('outreach.total');
    expect(metricOfWord('won')).toBe('sales.won_total');
    // A short name several metrics share (target_attainment) names none of them.
    expect(metricOfWord('target-attainment')).toBeUndefined();
    expect(metricOfWord('sales-target-attainment')).toBe('sales.target_attainment');
    expect(metricOfWord('last')).toBeUndefined();
    expect(metricOfWord('2017-06')).toBeUndefined();
  });
});
