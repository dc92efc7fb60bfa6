import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCsv, type TImportOptions } from '../../src/ingest/csv/import.js';
import { repMetricsReport } from '../../src/reports/rep-metrics.js';
import type { TStore } from '../../src/store/store.js';
import type { Rep, Workspace } from '../../src/store/types.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';
import { seedWorkspace } from '../support/seed.js';

/**
 * The `targets` CSV kind: targets for backfilled history, one a row, read as `/kpi target set` reads them and
 * stored from the period the `from` column names (the workspace's zone and fiscal year). Importing the file
 * again changes nothing; bad and hostile rows are refused one by one, naming the line and column.
 */
const NOW = new Date('2026-11-30T12:00:00Z');
let store: TStore;
let cleanup: () => Promise<void>;
let ws: Workspace;
let reps: Record<string, Rep>;
let dir: string;
let fileNo = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kpi-targets-'));
  ({ store, cleanup } = await createTestStore());
  ({ workspace: ws, reps } = await seedWorkspace(store.db, {
    team: 'T0CSVT',
    timezone: 'America/New_York',
    reps: [
      { name: 'Mona Reyes', email: 'mona@example.com', slackUserId: 'U0MONA', role: 'manager' },
      { name: 'Ada Byrne', email: 'ada@example.com', manager: 'Mona Reyes' },
      { name: 'Ben Okafor', slackUserId: 'U0BEN', manager: 'Mona Reyes' },
      { name: 'Sam Twin', email: 'sam1@example.com' },
      { name: 'Sam Twin', email: 'sam2@example.com' },
    ],
    // June 2017, imported earlier: Ada won $3,000 and Ben $1,000.
    deals: [
      { rep: 'Ada Byrne', amountMinor: 300_000n, openedAt: '2017-05-20', closedAt: '2017-06-10' },
      { rep: 'Ben Okafor', amountMinor: 100_000n, openedAt: '2017-05-25', closedAt: '2017-06-12' },
    ],
  }));
});
afterAll(async () => {
  await cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function csv(text: string): string {
  fileNo += 1;
  const file = join(dir, `t${fileNo}.csv`);
  writeFileSync(file, text);
  return file;
}
const run = (file: string, more: Partial<TImportOptions> = {}) =>
  importCsv(store.db, { kind: 'targets', file, workspace: ws, provider: store.provider, now: NOW, ...more });
const targets = () =>
  store.db.target.findMany({
    where: { workspaceId: ws.id },
    select: { scope: true, repId: true, metricId: true, periodKind: true, amount: true, effectiveFrom: true },
  });
const sorted = <T>(xs: T[]) =>
  [...xs].sort((a, b) => JSON.stringify(a, big).localeCompare(JSON.stringify(b, big)));
const big = (_: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);

const GOOD = `scope,rep,metric,amount,period,from
rep,ada@example.com,sales.won_total,"4,000",month,2017-01
rep,U0BEN,sales.won_total,2k,monthly,2017-06
team,Mona Reyes,sales.won_count,30,quarter,2017-Q1
everyone,,opportunities.win_rate,25%,month,2017-01
everyone,,outreach.total,400,week,2017-01-02
`;

describe(`kpi import targets (${TEST_PROVIDER})`, () => {
  it('imports targets for history: attainment for June 2017 is no longer empty', async () => {
    const before = await repMetricsReport(store.db, ws, reps['Ada Byrne'] as Rep, '2017-06', NOW);
    expect(before.pace['sales.won_total']).toBeUndefined();
    const file = csv(GOOD);
    const dry = await run(file, { dryRun: true });
    expect(dry).toMatchObject({ rows: 5, created: 5, skipped: 0, dryRun: true });
    expect(await targets()).toEqual([]);
    // A dry run counts a row repeated in the file as the real import would: the second time, not created.
    const twice = await run(
      csv(
        `${GOOD}rep,ada@example.com,sales.won_total,4000,month,2017-01\nrep,U0BEN,sales.won_total,2500,month,2017-06\n`,
      ),
      {
        dryRun: true,
      },
    );
    expect(twice).toMatchObject({ rows: 7, created: 5, unchanged: 1, updated: 1 });
    expect(await targets()).toEqual([]);

    const summary = await run(file);
    expect(summary).toMatchObject({
      kind: 'targets',
      rows: 5,
      created: 5,
      updated: 0,
      unchanged: 0,
      skipped: 0,
    });
    const ny = (iso: string) => new Date(iso);
    expect(sorted(await targets())).toEqual(
      sorted([
        {
          scope: 'rep',
          repId: reps['Ada Byrne']?.id,
          metricId: 'sales.won_total',
          periodKind: 'month',
          amount: 400_000n,
          effectiveFrom: ny('2017-01-01T05:00:00Z'),
        },
        {
          scope: 'rep',
          repId: reps['Ben Okafor']?.id,
          metricId: 'sales.won_total',
          periodKind: 'month',
          amount: 200_000n,
          effectiveFrom: ny('2017-06-01T04:00:00Z'),
        },
        {
          scope: 'team',
          repId: reps['Mona Reyes']?.id,
          metricId: 'sales.won_count',
          periodKind: 'quarter',
          amount: 30n,
          effectiveFrom: ny('2017-01-01T05:00:00Z'),
        },
        {
          scope: 'workspace',
          repId: null,
          metricId: 'opportunities.win_rate',
          periodKind: 'month',
          amount: 250_000n,
          effectiveFrom: ny('2017-01-01T05:00:00Z'),
        },
        {
          scope: 'workspace',
          repId: null,
          metricId: 'outreach.total',
          periodKind: 'week',
          amount: 400n,
          effectiveFrom: ny('2017-01-02T05:00:00Z'),
        },
      ]),
    );
    const ada = await repMetricsReport(store.db, ws, reps['Ada Byrne'] as Rep, '2017-06', NOW);
    expect(ada.targets['sales.won_total']).toBe(4000);
    expect(ada.pace['sales.won_total']?.attainment).toBe(0.75);
    const ben = await repMetricsReport(store.db, ws, reps['Ben Okafor'] as Rep, '2017-06', NOW);
    expect(ben.pace['sales.won_total']?.attainment).toBe(0.5);
    // Ben's target starts in June: May has none of his own.
    const benMay = await repMetricsReport(store.db, ws, reps['Ben Okafor'] as Rep, '2017-05', NOW);
    expect(benMay.targets['sales.won_total']).toBeUndefined();
  });

  it('importing the same file again changes nothing; rows in another order the same; a new amount replaces', async () => {
    const before = sorted(await targets());
    expect(await run(csv(GOOD))).toMatchObject({ created: 0, updated: 0, unchanged: 5, skipped: 0 });
    const [header, ...lines] = GOOD.trim().split('\n');
    expect(await run(csv(`${header}\n${lines.reverse().join('\n')}\n`))).toMatchObject({ unchanged: 5 });
    expect(sorted(await targets())).toEqual(before);
    const changed = await run(csv(`${header}\nrep,Ada Byrne,sales.won_total,5000,month,2017-01\n`));
    expect(changed).toMatchObject({ created: 0, updated: 1, unchanged: 0 });
    expect(await targets()).toHaveLength(5);
    const ada = await repMetricsReport(store.db, ws, reps['Ada Byrne'] as Rep, '2017-06', NOW);
    expect(ada.targets['sales.won_total']).toBe(5000);
  });

  it('refuses bad and hostile rows one by one, naming line and column; the good rows are imported', async () => {
    const before = await targets();
    const file = csv(`scope,rep,metric,amount,period,from
rep,Ada Byrne,sales.won_total,-500,month,2017-02
rep,Ada Byrne,sales.won_total,1e400,month,2017-02
rep,Ada Byrne,sales.won_total,99999999999999999999,month,2017-02
rep,Ada Byrne,sales.won_total,10.001,month,2017-02
rep,Ada Byrne,sales.bogus,10,month,2017-02
rep,Ada Byrne,sales.change_vs_previous,10,month,2017-02
rep,Nobody Here,sales.won_total,10,month,2017-02
rep,Sam Twin,sales.won_total,10,month,2017-02
rep,,sales.won_total,10,month,2017-02
everyone,Ada Byrne,sales.won_total,10,month,2017-02
boss,Ada Byrne,sales.won_total,10,month,2017-02
rep,Ada Byrne,sales.won_total,10,fortnight,2017-02
rep,Ada Byrne,sales.won_total,10,quarter,2017-02
rep,Ada Byrne,sales.won_total,10,month,1969-12
rep,Ada Byrne,sales.won_total,10,month,not a period
rep,Ada Byrne,opportunities.win_rate,150%,month,2017-02
rep,Ada Byrne,outreach.total,2.5,month,2017-02
rep,"=HYPERLINK(""http://evil"")",sales.won_total,10,month,2017-02
rep,Ada Byrne,"\u001b[31mred",10,month,2017-02
rep,Ada Byrne,sales.won_total,10,month
rep,ada@example.com,sales.won_count,7,month,2017-02
`);
    const s = await run(file);
    expect(s).toMatchObject({ rows: 21, created: 1, skipped: 20 });
    const at = (line: number) => s.problems.find((p) => p.line === line);
    expect([at(2)?.column, at(2)?.reason]).toEqual([
      'amount',
      expect.stringMatching(/must be a positive number/),
    ]);
    expect([at(3)?.column, at(3)?.reason]).toEqual([
      'amount',
      'The amount is too large: at most 999,999,999,999, got "1e400".',
    ]);
    expect(at(4)?.reason).toBe(
      'The amount is too large: at most 999,999,999,999, got "99999999999999999999".',
    );
    expect(at(5)?.reason).toMatch(/USD has 2 decimal places/);
    expect([at(6)?.column, at(6)?.reason]).toEqual([
      'metric',
      expect.stringMatching(/^sales\.bogus is not a metric/),
    ]);
    expect(at(7)?.reason).toMatch(/is a change against the previous period/);
    expect([at(8)?.column, at(8)?.reason]).toEqual([
      'rep',
      expect.stringMatching(/^nobody called Nobody Here is a rep here/),
    ]);
    expect(at(9)?.reason).toMatch(/matches 2 people here/);
    expect([at(10)?.column, at(10)?.reason]).toEqual(['rep', 'say the rep.']);
    expect(at(11)?.column).toBe('rep');
    expect(at(12)?.column).toBe('scope');
    expect(at(13)?.column).toBe('period');
    expect([at(14)?.column, at(14)?.reason]).toEqual([
      'from',
      expect.stringMatching(/^A quarterly target starts with a quarter/),
    ]);
    expect(at(15)?.reason).toMatch(/before 1970/);
    expect(at(16)?.reason).toMatch(/is not a period I know/);
    expect(at(17)?.reason).toMatch(/at most 100%/);
    expect(at(18)?.reason).toMatch(/whole numbers/);
    expect(at(19)?.column).toBe('rep');
    expect(at(20)?.column).toBe('metric');
    expect(at(20)?.reason).toMatch(/^\[31mred is not a metric/);
    expect(at(21)?.reason).toBe('expected 6 fields, found 5');
    const after = await targets();
    expect(after).toHaveLength(before.length + 1);
    expect(after.filter((t) => t.metricId === 'sales.won_count' && t.scope === 'rep')).toEqual([
      expect.objectContaining({ repId: reps['Ada Byrne']?.id, amount: 7n }),
    ]);
  });

  it('reads columns named otherwise with --map, names them back in refusals; a header without from is refused', async () => {
    const s = await run(csv('Who,Type,KPI,Goal,Start\nrep,Ada Byrne,sales.won_total,ten,2017-03\n'), {
      map: 'Who=scope,Type=rep,KPI=metric,Goal=amount,Start=from',
    });
    expect(s.problems).toEqual([expect.objectContaining({ line: 2, column: 'Goal' })]);
    await expect(run(csv('scope,rep,metric,amount\nrep,Ada Byrne,sales.won_total,10\n'))).rejects.toThrow(
      /the header lacks from/,
    );
  });
});
