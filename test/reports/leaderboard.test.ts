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
  it('ranks the reps with a result best first, ties by name, in major units; a 0 is not ranked', async () => {
    const board = await leaderboardReport(store.db, ws, 'sales.won_total', '2017-06', now);
    expect(board.rows.map((r) => [r.rank, r.rep.name, r.value])).toEqual([
      [1, 'Bob', 5000],
      [2, 'Ann', 3000],
      [3, 'Cat', 3000],
    ]);
    // Dan won nothing: counted, not ranked.
    expect(board).toMatchObject({ ranked: 3, unranked: 1, own: null });
  });

  it('leaves reps without data unranked and honours --top', async () => {
    const board = await leaderboardReport(store.db, ws, 'sales.avg_deal_size', '2017-06', now, 2);
    expect(board.rows.map((r) => [r.rep.name, r.value])).toEqual([
      ['Bob', 5000],
      ['Ann', 3000],
    ]);
    expect(board).toMatchObject({ ranked: 3, unranked: 1 });
    const all = await leaderboardReport(store.db, ws, 'sales.avg_deal_size', '2017-06', now);
    expect(all.rows.map((r) => r.rep.name)).toEqual(['Bob', 'Ann', 'Cat']);
  });

  it("the asker's own row when they rank below the top N, with their rank among everyone ranked", async () => {
    for (const factsOnly of [false, true]) {
      const cat = await leaderboardReport(store.db, ws, 'sales.won_total', '2017-06', now, 1, {
        factsOnly,
        asker: (await store.db.rep.findFirstOrThrow({ where: { workspaceId: ws.id, name: 'Cat' } })).id,
      });
      expect(cat.rows.map((r) => r.rep.name)).toEqual(['Bob']);
      expect(cat.own).toMatchObject({ rank: 3, rep: { name: 'Cat' }, value: 3000 });
    }
    const bob = await store.db.rep.findFirstOrThrow({ where: { workspaceId: ws.id, name: 'Bob' } });
    const dan = await store.db.rep.findFirstOrThrow({ where: { workspaceId: ws.id, name: 'Dan' } });
    // In the top N already, or without a result: no own row.
    expect(
      (await leaderboardReport(store.db, ws, 'sales.won_total', '2017-06', now, 1, { asker: bob.id })).own,
    ).toBeNull();
    expect(
      (await leaderboardReport(store.db, ws, 'sales.won_total', '2017-06', now, 1, { asker: dan.id })).own,
    ).toBeNull();
  });

  it('a metric nobody has data for ranks nobody', async () => {
    const board = await leaderboardReport(store.db, ws, 'conversion.rate', '2017-06', now, 10);
    expect(board).toMatchObject({ rows: [], ranked: 0, unranked: 4, own: null });
    // Nothing won in May by anyone: nobody ranked either.
    const may = await leaderboardReport(store.db, ws, 'sales.won_total', '2017-05', now, 10);
    expect(may).toMatchObject({ rows: [], ranked: 0, unranked: 4 });
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
      // The store holds two workspaces, so the command names its own.
      [
        KPI,
        'leaderboard',
        '--workspace',
        'local',
        '--metric',
        'sales.won_total',
        '--period',
        '2017-06',
        '--top',
        '2',
        '--json',
      ],
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
