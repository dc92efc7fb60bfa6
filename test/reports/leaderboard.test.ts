import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../../src/generated/sqlite/client.js';
import { leaderboardReport } from '../../src/reports/leaderboard.js';
import type { TStore } from '../../src/store/store.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';

let store: TStore;
let url: string;
let cleanup: () => Promise<void>;
let ws: Workspace;
const now = new Date('2017-07-10T15:00:00Z');
const june = (day: number) => new Date(Date.UTC(2017, 5, day, 16));

beforeAll(async () => {
  ({ store, url, cleanup } = await createTestStore());
  const { db } = store;
  ws = await db.workspace.create({ data: { slackTeamId: 'local', timezone: 'UTC', currency: 'USD' } });
  const other = await db.workspace.create({ data: { slackTeamId: 'T0OTHER' } });
  const make = (name: string, workspaceId = ws.id, role = 'rep') =>
    db.rep.create({ data: { workspaceId, name, role } });
  const [ann, bob, cat, dan] = await Promise.all([make('Ann'), make('Bob'), make('Cat'), make('Dan')]);
  await make('Morgan', ws.id, 'manager');
  const stranger = await make('Zed', other.id);
  let n = 0;
  const won = (repId: string, minor: bigint, workspaceId = ws.id) => ({
    workspaceId,
    repId,
    source: 'csv',
    externalId: `d${n++}`,
    stage: 'Won',
    status: 'won',
    amountMinor: minor,
    openedAt: june(1),
    closedAt: june(10),
  });
  await db.deal.createMany({
    data: [
      won(ann.id, 300_000n),
      won(bob.id, 500_000n),
      won(cat.id, 200_000n),
      won(cat.id, 100_000n), // Cat ties Ann at 3,000.00; the tie breaks by name
      won(stranger.id, 900_000_000n, other.id),
    ],
  });
  // Dan sold nothing: no deals at all.
  expect(dan.name).toBe('Dan');
});
afterAll(async () => {
  await cleanup();
});

describe(`leaderboard (${TEST_PROVIDER})`, () => {
  it('ranks the workspace reps best first, ties by name, in major units', async () => {
    const board = await leaderboardReport(store.db, ws, 'sales.won_total', '2017-06', now);
    expect(board.rows.map((r) => [r.rank, r.rep.name, r.value])).toEqual([
      [1, 'Bob', 5000],
      [2, 'Ann', 3000],
      [3, 'Cat', 3000],
      [4, 'Dan', 0],
    ]);
  });

  it('puts reps without data last and honours --top', async () => {
    const board = await leaderboardReport(store.db, ws, 'sales.avg_deal_size', '2017-06', now, 3);
    expect(board.rows.map((r) => [r.rep.name, r.value])).toEqual([
      ['Bob', 5000],
      ['Ann', 3000],
      ['Cat', 1500],
    ]);
    const all = await leaderboardReport(store.db, ws, 'sales.avg_deal_size', '2017-06', now);
    expect(all.rows.at(-1)).toMatchObject({ rep: { name: 'Dan' }, value: null });
  });

  it('refuses an unknown metric, suggesting the closest id', async () => {
    await expect(leaderboardReport(store.db, ws, 'sales.won_totl', '2017-06', now)).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringContaining('did you mean sales.won_total'),
    });
  });

  it('`kpi leaderboard --json` prints the output contract', async () => {
    const KPI = fileURLToPath(new URL('../../bin/kpi-dev.mjs', import.meta.url));
    const child = spawn(
      process.execPath,
      [KPI, 'leaderboard', '--metric', 'sales.won_total', '--period', '2017-06', '--top', '2', '--json'],
      { env: { PATH: process.env.PATH, DATABASE_URL: url, LOG_LEVEL: 'silent' } },
    );
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    expect(await new Promise((r) => child.on('exit', r))).toBe(0);
    const json = JSON.parse(out) as {
      metric: string;
      period: { key: string };
      rows: { rank: number; rep: { name: string }; value: number }[];
    };
    expect(json.metric).toBe('sales.won_total');
    expect(json.period.key).toBe('2017-06');
    expect(json.rows).toHaveLength(2);
    expect(json.rows[0]).toMatchObject({ rank: 1, rep: { name: 'Bob' }, value: 5000 });
  });
});
