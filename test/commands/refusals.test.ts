import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandRouter } from '../../src/commands/execute.js';
import { COMMANDS } from '../../src/commands/index.js';
import type { TActor } from '../../src/commands/types.js';
import type { Workspace } from '../../src/generated/sqlite/client.js';
import { createLogger } from '../../src/logger.js';
import type { TStore } from '../../src/store/store.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';

/**
 * Issue 13, part 5, for Slack text as for webhooks: nothing rounded or moved silently, and a value the rules
 * refuse is a clear refusal, never "something went wrong".
 */
let store: TStore;
let cleanup: () => Promise<void>;
let ws: Workspace;
let ada: TActor;
const router = createCommandRouter(COMMANDS);
const now = new Date('2026-11-10T15:00:00Z');

beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
  ws = await store.db.workspace.create({ data: { slackTeamId: 'T0ACME', timezone: 'UTC' } });
  const rep = await store.db.rep.create({
    data: { workspaceId: ws.id, name: 'Ada Admin', slackUserId: 'U0ADA', role: 'admin' },
  });
  ada = { repId: rep.id, slackUserId: 'U0ADA', name: 'Ada Admin' };
});
afterAll(async () => {
  await cleanup();
});

const run = (text: string) =>
  router.execute(text, { workspace: ws, actor: ada, now, store, logger: createLogger('silent') });

describe(`refusals in /kpi (${TEST_PROVIDER})`, () => {
  it('refuses a logged day before 1970 with the rule, and stores nothing', async () => {
    for (const day of ['0000-01-01', '1969-12-31']) {
      const reply = await run(`log call 3 ${day}`);
      expect(reply.refused).toBe(true);
      expect(reply.text).toMatch(/is before 1970; KPI Bot keeps dates from 1970-01-01 on/);
    }
    expect(await store.db.activity.count()).toBe(0);
    expect((await run('log call 3 1970-01-01')).text).toBe('Logged 3 calls on 1970-01-01.');
  });

  it('refuses a money target finer than the currency, and a huge one; stores what it confirms', async () => {
    const fine = await run('target set team sales.won_total 1.005');
    expect(fine.refused).toBe(true);
    expect(fine.text).toMatch(/^USD has 2 decimal places; "1\.005" has more/);
    expect((await run('target set team sales.won_total 99999999999999999999')).text).toMatch(/too large/);
    expect(await store.db.target.count()).toBe(0);
    expect((await run('target set team sales.won_total 1.25')).refused).toBeFalsy();
    expect((await store.db.target.findFirstOrThrow()).amount).toBe(125n);
    // Decimals are counted as typed: a long amount with cents, and 1.5k, are exact. Each replaces the target
    // before it (the same scope, metric, period and start), so the store holds the one last confirmed.
    expect((await run('target set team sales.won_total 1,234,567,890.12')).refused).toBeFalsy();
    expect((await store.db.target.findMany()).map((t) => t.amount)).toEqual([123456789012n]);
    expect((await run('target set team sales.won_total 1.5k')).refused).toBeFalsy();
    expect((await store.db.target.findMany()).map((t) => t.amount)).toEqual([150000n]);
  });

  it('refuses a count target that is not whole and a share finer than a millionth; stores the rest as integers', async () => {
    const before = await store.db.target.count();
    const half = await run('target set team outreach.total 2.5');
    expect(half.refused).toBe(true);
    expect(half.text).toMatch(/^Outreach is counted in whole numbers; "2\.5" is not one/);
    const fine = await run('target set team opportunities.win_rate 12.34567%');
    expect(fine.refused).toBe(true);
    expect(fine.text).toMatch(/"12\.34567%" is finer than a target keeps \(a millionth, 0\.0001%\)/);
    expect(await store.db.target.count()).toBe(before);
    expect((await run('target set team outreach.total 2.5k')).refused).toBeFalsy();
    expect((await run('target set team opportunities.win_rate 12.3456%')).refused).toBeFalsy();
    const rows = await store.db.target.findMany({
      where: { metricId: { in: ['outreach.total', 'opportunities.win_rate'] } },
      orderBy: { createdAt: 'asc' },
    });
    expect(rows.map((t) => t.amount)).toEqual([2500n, 123_456n]);
  });

  it('refuses periods before 1970 instead of reading 0099 as 1999', async () => {
    for (const period of ['0099-06', '0000-01', '1969', '1969-Q4']) {
      const reply = await run(`me ${period}`);
      expect(reply.refused, period).toBe(true);
      expect(reply.text).toMatch(/is before 1970/);
    }
    expect((await run('me 1970-01')).refused).toBeFalsy();
    // A count of days is not a year.
    expect((await run('me last 1000 days')).refused).toBeFalsy();
    expect((await run('me last 9999 weeks')).text).toMatch(/reaches back before 1970/);
  });

  it('a number-like count is refused as a count (1e3 was read as a date), naming the count field', async () => {
    for (const word of ['1e3', '1,000.5', '-3', '0']) {
      const reply = await run(`log email ${word}`);
      expect(reply.refused, word).toBe(true);
      expect(reply.text, word).toMatch(/^N must be a whole number from 1 to 10,000/);
      expect(reply.data, word).toMatchObject({ type: 'error', error: { field: 'count' } });
    }
  });
});
