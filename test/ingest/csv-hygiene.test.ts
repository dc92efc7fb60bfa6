import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Workspace } from '../../src/generated/sqlite/client.js';
import { importCsv, type TImportOptions } from '../../src/ingest/csv/import.js';
import type { TStore } from '../../src/store/store.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';

/**
 * Issue 13, parts 4, 5 and 6 for CSV files: a cell the store cannot hold, an amount with more decimals than its
 * currency and a date outside 1970..now+100y are reported with row and column, and nothing of that row is
 * stored; a file broken by an unclosed quote says truly what was imported before it.
 */

const NOW = new Date('2017-07-15T12:00:00Z');
let t: Awaited<ReturnType<typeof createTestStore>>;
let store: TStore;
let workspace: Workspace;
let dir: string;
let fileNo = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kpi-csv-hygiene-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await t?.cleanup();
});
beforeEach(async () => {
  await t?.cleanup();
  t = await createTestStore();
  store = t.store;
  workspace = await store.db.workspace.create({ data: { slackTeamId: 'local', timezone: 'UTC' } });
  await store.db.rep.create({ data: { workspaceId: workspace.id, name: 'Dana Scott' } });
});

function csv(text: string): string {
  fileNo += 1;
  const file = join(dir, `f${fileNo}.csv`);
  writeFileSync(file, text);
  return file;
}
const run = (kind: string, file: string, more: Partial<TImportOptions> = {}) =>
  importCsv(store.db, { kind, file, workspace, provider: store.provider, now: NOW, ...more });
const dealIds = async () =>
  (await store.db.deal.findMany({ select: { externalId: true }, orderBy: { externalId: 'asc' } })).map(
    (d) => d.externalId,
  );

describe(`CSV cells a store cannot hold (${TEST_PROVIDER})`, () => {
  it('reports the row and column of a NUL and stores nothing from that row', async () => {
    const file = csv(
      [
        'deal_id,owner,title,stage,amount',
        'c1,Dana Scott,Fine deal,Prospecting,10',
        'c2,Dana Scott,Big\u0000deal,Prospecting,20',
        'c3,Da\u0000na,Other deal,Prospecting,30',
        'c4,Dana Scott,Last deal,Won,40',
        '',
      ].join('\n'),
    );
    const res = await run('deals', file);
    expect(res).toMatchObject({ rows: 4, created: 2, skipped: 2 });
    expect(res.problems).toEqual([
      {
        line: 3,
        column: 'title',
        reason: expect.stringMatching(/^contains a NUL character \(U\+0000\) at character 4/),
      },
      { line: 4, column: 'owner', reason: expect.stringMatching(/^contains a NUL character/) },
    ]);
    expect(await dealIds()).toEqual(['c1', 'c4']);
  });

  it('names the file’s own column when a --map renamed it', async () => {
    const file = csv(
      'Opportunity,Course Name,Agent,Score,When\nq1,Prod\u0000uct 101,Dana Scott,8,2017-06-01\n',
    );
    const res = await run('training', file, {
      map: 'Opportunity=result_id,Course Name=course,Agent=owner,Score=score,When=at',
    });
    expect(res.problems).toEqual([{ line: 2, column: 'Course Name', reason: expect.stringMatching(/NUL/) }]);
    expect(await store.db.trainingResult.count()).toBe(0);
  });
});

describe(`CSV amounts and dates (${TEST_PROVIDER})`, () => {
  it('refuses an amount with more decimals than its currency, per row, in the row’s, the file’s or the workspace’s currency', async () => {
    const file = csv(
      [
        'deal_id,owner,stage,amount,currency',
        'm1,Dana Scott,Won,1.005,',
        'm2,Dana Scott,Won,1.01,',
        'm3,Dana Scott,Won,12.5,JPY',
        'm4,Dana Scott,Won,"1,234.567",BHD',
        'm5,Dana Scott,Won,100,JPY',
        'm5,Dana Scott,Won,100.5,',
        'm6,Dana Scott,Won,"$2,000.50",',
        '',
      ].join('\n'),
    );
    const res = await run('deals', file);
    expect(res.problems).toEqual([
      { line: 2, column: 'amount', reason: 'USD has 2 decimal places; 1.005 has 3' },
      { line: 4, column: 'amount', reason: 'JPY has 0 decimal places; 12.5 has 1' },
      { line: 7, column: 'amount', reason: 'JPY has 0 decimal places; 100.5 has 1' },
    ]);
    const deals = await store.db.deal.findMany({ orderBy: { externalId: 'asc' } });
    expect(deals.map((d) => [d.externalId, d.currency, d.amountMinor])).toEqual([
      ['m2', 'USD', 101n],
      ['m4', 'BHD', 1_234_567n],
      ['m5', 'JPY', 100n],
      ['m6', 'USD', 200_050n],
    ]);
  });

  it('checks an amount without a currency against the stored deal’s currency', async () => {
    await run(
      'deals',
      csv('deal_id,owner,stage,amount,currency\ne1,Dana Scott,Won,10,EUR\nk1,Dana Scott,Won,1,KWD\n'),
    );
    const res = await run(
      'deals',
      csv('deal_id,owner,stage,amount\ne1,Dana Scott,Won,10.125\nk1,Dana Scott,Won,1.125\n'),
    );
    expect(res.problems).toEqual([
      { line: 2, column: 'amount', reason: 'EUR has 2 decimal places; 10.125 has 3' },
    ]);
    expect(
      (await store.db.deal.findMany({ orderBy: { externalId: 'asc' } })).map((d) => [
        d.externalId,
        d.amountMinor,
      ]),
    ).toEqual([
      ['e1', 1000n],
      ['k1', 1125n],
    ]);
  });

  it('refuses dates before 1970 or more than 100 years after now, naming the column', async () => {
    const file = csv(
      [
        'activity_id,owner,kind,occurred_at',
        'a1,Dana Scott,call,0000-01-01',
        'a2,Dana Scott,call,1969-12-31',
        'a3,Dana Scott,call,1970-01-01',
        'a4,Dana Scott,call,2117-07-15',
        'a5,Dana Scott,call,2117-07-16',
        '',
      ].join('\n'),
    );
    const res = await run('activities', file);
    expect(res.problems).toEqual([
      { line: 2, column: 'occurred_at', reason: expect.stringMatching(/^0000-01-01 is before 1970-01-01/) },
      { line: 3, column: 'occurred_at', reason: expect.stringMatching(/^1969-12-31 is before 1970-01-01/) },
      {
        line: 6,
        column: 'occurred_at',
        reason: expect.stringMatching(/^2117-07-16 is more than 100 years from now, after 2117-07-15/),
      },
    ]);
    expect(
      (await store.db.activity.findMany({ orderBy: { externalId: 'asc' } })).map((a) => a.externalId),
    ).toEqual(['a3', 'a4']);
    const deals = csv(
      'deal_id,owner,stage,opened_at,closed_at\nd1,Dana Scott,Won,2017-01-01,2999-01-01\nd2,Dana Scott,Won,1900-05-05,2017-02-01\n',
    );
    const res2 = await run('deals', deals);
    expect(res2.problems.map((p) => [p.line, p.column])).toEqual([
      [2, 'closed_at'],
      [3, 'opened_at'],
    ]);
    expect(await dealIds()).toEqual([]);
  });
});

describe(`a CSV broken by an unclosed quote (${TEST_PROVIDER})`, () => {
  const broken = [
    'activity_id,owner,kind,occurred_at',
    'q1,Dana Scott,call,2017-06-01',
    'q2,Dana Scott,call,nope',
    'q3,Dana Scott,email,2017-06-02',
    'q4,"Dana Scott,call,2017-06-03',
    '',
  ].join('\n');

  it('imports the good rows before the broken line, and says exactly how many', async () => {
    await expect(run('activities', csv(broken))).rejects.toThrow(
      /: line 5: Quote Not Closed: .*\. The import stopped there: of the 3 rows read before it, 2 were imported and 1 skipped\. Fix the line/,
    );
    expect(
      (await store.db.activity.findMany({ orderBy: { externalId: 'asc' } })).map((a) => a.externalId),
    ).toEqual(['q1', 'q3']);
  });

  it('in a dry run, says what would have been imported and saves nothing', async () => {
    await expect(run('activities', csv(broken), { dryRun: true })).rejects.toThrow(
      /of the 3 rows read before it, 2 would be imported \(dry run: nothing was saved\) and 1 skipped\./,
    );
    expect(await store.db.activity.count()).toBe(0);
  });

  it('names the line where the broken quote opens, not where the parser gave up', async () => {
    const middle = [
      'activity_id,owner,kind,occurred_at',
      'm1,Dana Scott,call,2017-06-01',
      'm2,"Dana Scott,call,2017-06-02',
      'm3,Dana Scott,call,2017-06-03',
      'm4,Dana Scott,call,2017-06-04',
      '',
    ].join('\n');
    await expect(run('activities', csv(middle), { dryRun: true })).rejects.toThrow(
      /: line 3: .*The import stopped there: of the 1 row read before it, 1 would be imported/,
    );
    // A stray quote inside a field (csv-parse's INVALID_OPENING_QUOTE) is reported the same way.
    const stray = [
      'activity_id,owner,kind,occurred_at',
      's1,Dana Scott,call,2017-06-01',
      's2,Da"na,call,2017-06-02',
      '',
    ].join('\n');
    await expect(run('activities', csv(stray), { dryRun: true })).rejects.toThrow(
      /: line 3: Invalid Opening Quote: .*The import stopped there/,
    );
  });

  it('a file broken on its first row says nothing was imported', async () => {
    await expect(
      run('activities', csv('activity_id,owner,kind,occurred_at\n"q1,Dana Scott,call,2017-06-01\n')),
    ).rejects.toThrow(/of the 0 rows read before it, 0 were imported and 0 skipped\./);
    expect(await store.db.activity.count()).toBe(0);
  });
});
