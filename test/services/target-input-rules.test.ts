import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandRouter } from '../../src/commands/execute.js';
import { COMMANDS } from '../../src/commands/index.js';
import type { TActor } from '../../src/commands/types.js';
import { importCsv } from '../../src/ingest/csv/import.js';
import { createLogger } from '../../src/logger.js';
import type { TStore } from '../../src/store/store.js';
import type { Workspace } from '../../src/store/types.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';
import { seedWorkspace } from '../support/seed.js';

/**
 * A target is read the same way by `/kpi target set` (Slack), `kpi target set` (the CLI runs the same command as
 * the operator) and `kpi import targets` (a CSV row): a team target needs someone reporting to the manager, a
 * percent only for a share, a metric that is one number, a `from` that is a calendar period, and an amount
 * too large says the largest there is.
 */
const NOW = new Date('2026-11-30T12:00:00Z');
let store: TStore;
let cleanup: () => Promise<void>;
let ws: Workspace;
let dir: string;
let fileNo = 0;
let slackAdmin: TActor;
const operator: TActor = { name: 'kpi CLI (operator)', workspaceAdmin: true };
const router = createCommandRouter(COMMANDS);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kpi-target-rules-'));
  ({ store, cleanup } = await createTestStore());
  const seeded = await seedWorkspace(store.db, {
    team: 'T0TRULES',
    timezone: 'UTC',
    reps: [
      { name: 'Mona Reyes', slackUserId: 'U0MONA', role: 'admin' },
      { name: 'Ada Hand', slackUserId: 'U0ADA', manager: 'Mona Reyes' },
      { name: 'Darcel Schlecht', slackUserId: 'U0DARCEL' },
      { name: 'Quinn Gone', slackUserId: 'U0QUINN', manager: 'Darcel Schlecht' },
    ],
    deals: [],
  });
  ws = seeded.workspace;
  // Darcel's only report has left: nobody active reports to him.
  await store.db.rep.update({ where: { id: seeded.reps['Quinn Gone']?.id }, data: { active: false } });
  slackAdmin = { repId: seeded.reps['Mona Reyes']?.id, slackUserId: 'U0MONA', name: 'Mona Reyes' };
});
afterAll(async () => {
  await cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const run = (text: string, actor: TActor) =>
  router.execute(text, { workspace: ws, actor, now: NOW, store, logger: createLogger('silent') });
const targets = () =>
  store.db.target.findMany({
    where: { workspaceId: ws.id },
    select: { scope: true, repId: true, metricId: true, periodKind: true, amount: true, effectiveFrom: true },
    orderBy: [{ metricId: 'asc' }, { effectiveFrom: 'asc' }],
  });
function csv(text: string): string {
  fileNo += 1;
  const file = join(dir, `t${fileNo}.csv`);
  writeFileSync(file, text);
  return file;
}
const importRows = (rows: string[]) =>
  importCsv(store.db, {
    kind: 'targets',
    file: csv(`scope,rep,metric,amount,period,from\n${rows.join('\n')}\n`),
    workspace: ws,
    provider: store.provider,
    now: NOW,
  });

/** Each case: the command's words after `target set`, the CSV row, the CSV column refused and the reason. */
const CASES: { name: string; command: string; row: string; column: string; reason: RegExp }[] = [
  {
    name: 'a team target on a rep who manages nobody (active)',
    command: 'team "Darcel Schlecht" sales.won_total 7000 --from 2017-06',
    row: 'team,Darcel Schlecht,sales.won_total,7000,month,2017-06',
    column: 'rep',
    reason: /^Darcel Schlecht manages nobody: a team target applies to a manager's reports\./,
  },
  {
    name: 'a percent on a money metric',
    command: '"Ada Hand" sales.won_total 35% --from 2017-03',
    row: 'rep,Ada Hand,sales.won_total,35%,month,2017-03',
    column: 'amount',
    reason: /^Won revenue \(sales\.won_total\) is not a share, so its amount is not a percent; got "35%"\./,
  },
  {
    name: 'a percent on a count',
    command: '"Ada Hand" sales.won_count 10% --from 2017-03',
    row: 'rep,Ada Hand,sales.won_count,10%,month,2017-03',
    column: 'amount',
    reason: /\(sales\.won_count\) is not a share, so its amount is not a percent/,
  },
  {
    name: 'a per-stage funnel metric',
    command: '"Ada Hand" funnel.stage_conversion 30% --from 2017-03',
    row: 'rep,Ada Hand,funnel.stage_conversion,30%,month,2017-03',
    column: 'metric',
    reason:
      /^funnel\.stage_conversion is a conversion rate per stage, not a single number, so it takes no target\./,
  },
  {
    name: 'the funnel bottleneck',
    command: '"Ada Hand" funnel.bottleneck 1 --from 2017-03',
    row: 'rep,Ada Hand,funnel.bottleneck,1,month,2017-03',
    column: 'metric',
    reason:
      /^funnel\.bottleneck is the name of the funnel's slowest stage, not a single number, so it takes no target\./,
  },
  {
    name: 'a custom range of days',
    command: '"Ada Hand" sales.won_total 5000 --from 2017-06-01..2017-06-15',
    row: 'rep,Ada Hand,sales.won_total,5000,month,2017-06-01..2017-06-15',
    column: 'from',
    reason:
      /^"2017-06-01\.\.2017-06-15" is a range of days, not a calendar period: from \(the first period a target counts for\) takes a calendar period: a month \(2017-06\)/,
  },
  {
    name: 'a rolling range',
    command: '"Ada Hand" sales.won_total 5000 --from last 30 days',
    row: 'rep,Ada Hand,sales.won_total,5000,month,last 30 days',
    column: 'from',
    reason: /^"last 30 days" is a range of days, not a calendar period/,
  },
  {
    name: 'year to date',
    command: '"Ada Hand" sales.won_total 5000 yearly --from ytd',
    row: 'rep,Ada Hand,sales.won_total,5000,year,ytd',
    column: 'from',
    reason: /^"ytd" is a range of days, not a calendar period/,
  },
  {
    name: 'an amount written with an exponent, too large',
    command: '"Ada Hand" sales.won_total 1e20 --from 2017-03',
    row: 'rep,Ada Hand,sales.won_total,1e20,month,2017-03',
    column: 'amount',
    reason: /^The amount is too large: at most 999,999,999,999, got "1e20"\./,
  },
  {
    name: 'an amount in digits, too large',
    command: '"Ada Hand" sales.won_total 100000000000000000000 --from 2017-03',
    row: 'rep,Ada Hand,sales.won_total,100000000000000000000,month,2017-03',
    column: 'amount',
    reason: /^The amount is too large: at most 999,999,999,999, got "100000000000000000000"\./,
  },
  {
    name: 'a rate too large to keep exactly',
    command: '"Ada Hand" social.likes_per_post 10000000000 --from 2017-03',
    row: 'rep,Ada Hand,social.likes_per_post,10000000000,month,2017-03',
    column: 'amount',
    reason: /^The amount is too large: at most 9,007,199,254, got "10000000000"\./,
  },
  {
    name: 'a small amount written with an exponent',
    command: '"Ada Hand" sales.won_total 5e3 --from 2017-03',
    row: 'rep,Ada Hand,sales.won_total,5e3,month,2017-03',
    column: 'amount',
    reason: /^Write the amount in digits, such as 50000, 50k or 1\.5m, got "5e3"\./,
  },
];

describe(`target input rules in every transport (${TEST_PROVIDER})`, () => {
  it('keeps the targets set before (Ada $4,000 from March 2017, June 2017)', async () => {
    expect(
      (await run('target set "Ada Hand" sales.won_total 4000 --from 2017-03', slackAdmin)).refused,
    ).toBeFalsy();
    expect(
      (await run('target set "Ada Hand" sales.won_total 5000 --from 2017-06', operator)).refused,
    ).toBeFalsy();
    expect((await targets()).map((t) => [t.metricId, t.amount, t.effectiveFrom.toISOString()])).toEqual([
      ['sales.won_total', 400_000n, '2017-03-01T00:00:00.000Z'],
      ['sales.won_total', 500_000n, '2017-06-01T00:00:00.000Z'],
    ]);
  });

  it.each(CASES)('refuses $name in Slack, in the CLI and in a CSV row, storing nothing', async (c) => {
    const before = await targets();
    for (const actor of [slackAdmin, operator]) {
      const reply = await run(`target set ${c.command}`, actor);
      expect(reply.refused, `${actor.name}: ${c.command}`).toBe(true);
      expect(reply.text).toMatch(c.reason);
      expect(reply.terminal?.replace(/^! /, '')).toMatch(c.reason);
    }
    const imported = await importRows([c.row]);
    expect(imported).toMatchObject({ rows: 1, created: 0, updated: 0 });
    expect(imported.problems).toEqual([
      { line: 2, column: c.column, reason: expect.stringMatching(c.reason) },
    ]);
    expect(await targets()).toEqual(before);
  });

  it('still takes a team target on a manager with a report, a share in percent, and a range that is a whole month', async () => {
    expect(
      (await run('target set team "Mona Reyes" sales.won_count 12 --from 2017-06', slackAdmin)).text,
    ).toMatch(/Target set: Mona Reyes's team/);
    expect(
      (await run('target set "Ada Hand" opportunities.win_rate 35% --from 2017-03', operator)).refused,
    ).toBeFalsy();
    expect(
      (await run('target set "Ada Hand" outreach.total 400 --from 2017-07-01..2017-07-31', operator)).refused,
    ).toBeFalsy();
    const imported = await importRows([
      'team,Mona Reyes,sales.won_count,12,month,2017-07',
      'rep,Ada Hand,opportunities.win_rate,40%,month,2017-04',
    ]);
    expect(imported).toMatchObject({ rows: 2, created: 2 });
    expect(imported.problems).toEqual([]);
  });
});
