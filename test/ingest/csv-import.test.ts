import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Workspace } from '../../src/generated/sqlite/client.js';
import { importCsv, type TImportOptions } from '../../src/ingest/csv/import.js';
import { repMetricsReport } from '../../src/reports/rep-metrics.js';
import type { TStore } from '../../src/store/store.js';
import { createTestStore } from '../support/db.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const NOW = new Date('2017-07-15T12:00:00Z');

let t: Awaited<ReturnType<typeof createTestStore>>;
let store: TStore;
let workspace: Workspace;
let dir: string;
let fileNo = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kpi-csv-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => {
  await t?.cleanup();
  t = await createTestStore();
  store = t.store;
  workspace = await store.db.workspace.create({
    data: { slackTeamId: 'local', timezone: 'America/New_York' },
  });
});
afterAll(async () => t?.cleanup());

function csv(text: string): string {
  fileNo += 1;
  const file = join(dir, `f${fileNo}.csv`);
  writeFileSync(file, text);
  return file;
}

const run = (kind: string, file: string, more: Partial<TImportOptions> = {}) =>
  importCsv(store.db, { kind, file, workspace, provider: store.provider, now: NOW, ...more });

describe('CSV presets for the "CRM sales opportunities" export', () => {
  it('a folder, a missing file: a one-line refusal saying why (a folder crashed kpi import with EISDIR)', async () => {
    await expect(run('deals', dir)).rejects.toThrow(/^cannot read .*: it is a folder, not a CSV file$/);
    await expect(run('deals', join(dir, 'no-such.csv'))).rejects.toThrow(/^cannot read .*: no such file$/);
  });

  it('imports the team, then the pipeline, and the metrics follow', async () => {
    const reps = await run('reps', join(FIXTURES, 'sales_teams.csv'), { preset: 'sales_teams' });
    expect(reps).toMatchObject({ rows: 4, created: 4, skipped: 0 });
    const ada = await store.db.rep.findFirstOrThrow({
      where: { name: 'Ada Byrne' },
      include: { manager: true },
    });
    expect(ada.manager).toMatchObject({ name: 'Mona Reyes', role: 'manager' });
    expect(await store.db.rep.count()).toBe(6);

    const deals = await run('deals', join(FIXTURES, 'sales_pipeline.csv'), { preset: 'sales_pipeline' });
    expect(deals).toMatchObject({ rows: 11, created: 11, updated: 0, skipped: 0 });
    expect(deals.unmappedOwners).toEqual({ 'Eve Unknown': 1 });
    const prospect = await store.db.deal.findFirstOrThrow({ where: { externalId: 'OPP005' } });
    expect(prospect).toMatchObject({ status: 'open', stage: 'Prospecting', openedAt: null, closedAt: null });
    const won = await store.db.deal.findFirstOrThrow({ where: { externalId: 'OPP009' } });
    expect(won).toMatchObject({
      status: 'won',
      stage: 'Won',
      amountMinor: 550050n,
      account: 'Soylent',
      product: 'GTX Plus Pro',
    });
    // A date in the file is a local date of the workspace (New York).
    expect(won.closedAt?.toISOString()).toBe('2017-06-29T04:00:00.000Z');

    const report = await repMetricsReport(store.db, workspace, ada, '2017-06', NOW);
    expect(report.metrics['sales.won_total']).toBe(6000);
    expect(report.metrics['sales.won_count']).toBe(2);
    expect(report.metrics['opportunities.created']).toBe(3);
    expect(report.metrics['opportunities.lost']).toBe(1);
  });

  it("the preset sets the export's funnel order where none is set; the funnel follows it, no conversion without history", async () => {
    await run('reps', join(FIXTURES, 'sales_teams.csv'), { preset: 'sales_teams' });
    const file = join(FIXTURES, 'sales_pipeline.csv');
    // A dry run says what it would set and sets nothing.
    const dry = await run('deals', file, { preset: 'sales_pipeline', dryRun: true });
    expect(dry.funnelStages).toEqual(['Prospecting', 'Engaging']);
    const settingsOf = async () =>
      JSON.parse((await store.db.workspace.findUniqueOrThrow({ where: { id: workspace.id } })).settings);
    expect((await settingsOf()).funnelStages).toBeUndefined();
    const first = await run('deals', file, { preset: 'sales_pipeline' });
    expect(first.funnelStages).toEqual(['Prospecting', 'Engaging']);
    expect((await settingsOf()).funnelStages).toEqual(['Prospecting', 'Engaging']);
    // Once set, an import says nothing of it again.
    expect((await run('deals', file, { preset: 'sales_pipeline' })).funnelStages).toBeUndefined();
    const ws = await store.db.workspace.findUniqueOrThrow({ where: { id: workspace.id } });
    const ada = await store.db.rep.findFirstOrThrow({ where: { name: 'Ada Byrne' } });
    const report = await repMetricsReport(store.db, ws, ada, 'this month', NOW);
    expect(Object.keys(report.metrics['funnel.open_by_stage'] as object)).toEqual([
      'Prospecting',
      'Engaging',
    ]);
    // The rows carry only each deal's current stage: open deals per stage, no conversion and no dwell.
    expect(Object.values(report.metrics['funnel.stage_conversion'] as object).every((v) => v === null)).toBe(
      true,
    );
  });

  it("an admin's funnel order is never replaced by a preset's", async () => {
    await store.db.workspace.update({
      where: { id: workspace.id },
      data: { settings: JSON.stringify({ funnelStages: ['Engaging', 'Prospecting'] }) },
    });
    const summary = await run('deals', join(FIXTURES, 'sales_pipeline.csv'), { preset: 'sales_pipeline' });
    expect(summary.funnelStages).toBeUndefined();
    const ws = await store.db.workspace.findUniqueOrThrow({ where: { id: workspace.id } });
    expect(JSON.parse(ws.settings).funnelStages).toEqual(['Engaging', 'Prospecting']);
  });

  it('CSV-only deals without a preset order their stages by first appearance in the file, never alphabetically', async () => {
    await run('reps', join(FIXTURES, 'sales_teams.csv'), { preset: 'sales_teams' });
    const file = csv(
      [
        'deal_id,owner,stage,opened_at',
        'Z1,Ada Byrne,Qualify,2017-07-01',
        'Z2,Ada Byrne,Demo,2017-07-02',
        'Z3,Ada Byrne,Qualify,2017-07-03',
        'Z4,Ada Byrne,Negotiation,2017-07-04',
        'Z5,Ada Byrne,Closed Won,2017-07-05',
      ].join('\n'),
    );
    expect((await run('deals', file)).funnelStages).toBeUndefined();
    const ada = await store.db.rep.findFirstOrThrow({ where: { name: 'Ada Byrne' } });
    const report = await repMetricsReport(store.db, workspace, ada, 'this month', NOW);
    expect(Object.keys(report.metrics['funnel.open_by_stage'] as object)).toEqual([
      'Qualify',
      'Demo',
      'Negotiation',
    ]);
  });

  it('re-importing the same file changes nothing; a newer export updates what moved', async () => {
    await run('reps', join(FIXTURES, 'sales_teams.csv'), { preset: 'sales_teams' });
    const file = join(FIXTURES, 'sales_pipeline.csv');
    await run('deals', file, { preset: 'sales_pipeline' });
    const before = await store.db.deal.findMany({ orderBy: { externalId: 'asc' } });
    const again = await run('deals', file, {
      preset: 'sales_pipeline',
      now: new Date('2017-07-20T00:00:00Z'),
    });
    expect(again).toMatchObject({ rows: 11, created: 0, updated: 0, unchanged: 11, skipped: 0 });
    expect(await store.db.deal.findMany({ orderBy: { externalId: 'asc' } })).toEqual(before);
    expect(await store.db.dealStageChange.count()).toBe(0);

    const reps = await run('reps', join(FIXTURES, 'sales_teams.csv'), { preset: 'sales_teams' });
    expect(reps).toMatchObject({ created: 0, unchanged: 4 });

    const newer = csv(
      'opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\n' +
        'OPP004,Ada Byrne,GTX Basic,Umbrella,Won,2017-06-10,2017-07-02,650\n',
    );
    const moved = await run('deals', newer, { preset: 'sales_pipeline' });
    expect(moved).toMatchObject({ updated: 1 });
    const deal = await store.db.deal.findFirstOrThrow({
      where: { externalId: 'OPP004' },
      include: { stageChanges: true },
    });
    expect(deal).toMatchObject({ status: 'won', amountMinor: 65000n });
    expect(deal.stageChanges.map((c) => [c.fromStage, c.toStage, c.changedAt.toISOString()])).toEqual([
      ['Engaging', 'Won', '2017-07-02T04:00:00.000Z'],
    ]);
  });

  it('hands rows of a name imported before its rep to that rep once the team is imported', async () => {
    await run('deals', join(FIXTURES, 'sales_pipeline.csv'), { preset: 'sales_pipeline' });
    expect(await store.db.deal.count({ where: { repId: { not: null } } })).toBe(0);
    await run('reps', join(FIXTURES, 'sales_teams.csv'), { preset: 'sales_teams' });
    const ada = await store.db.rep.findFirstOrThrow({ where: { name: 'Ada Byrne' } });
    expect(await store.db.deal.count({ where: { repId: ada.id } })).toBe(5);
    expect(await store.db.deal.count({ where: { repId: null } })).toBe(1);
  });
});

describe('CSV kinds with the canonical columns', () => {
  beforeEach(async () => {
    await run(
      'reps',
      csv(
        'name,email,role,manager\nDana Scott,dana@example.com,rep,Mo Lee\nSam Park,sam@example.com,,Mo Lee\n',
      ),
    );
  });

  it('activities, leads, customers, social snapshots, social posts and training results', async () => {
    const results = {
      activities: await run(
        'activities',
        csv(
          'activity_id,owner,kind,count,personalized,occurred_at,recording_url\n' +
            'a1,dana@example.com,call,3,yes,2017-06-02,https://rec.example.com/1\n' +
            'a2,Dana Scott,email,10,generic,2017-06-03T10:00:00Z,\n' +
            'a3,sam@example.com,meeting,,,2017-06-04,\n',
        ),
      ),
      leads: await run(
        'leads',
        csv(
          'lead_id,owner,name,email,mql_at,converted_at\nl1,Dana Scott,Pat,PAT@x.io,2017-06-01,2017-06-20\nl2,Dana Scott,Lu,,2017-06-05,\n',
        ),
      ),
      customers: await run(
        'customers',
        csv(
          'customer_id,owner,name,won_at,churned_at\nc1,Dana Scott,Acme,2017-01-10,2017-06-15\nc2,Dana Scott,Initech,2017-02-01,\n',
        ),
      ),
      social: await run(
        'social-snapshots',
        csv(
          'owner,network,metric,value,at\nDana Scott,LinkedIn,followers,500,2017-05-31\nDana Scott,linkedin,followers,540,2017-06-30\n',
        ),
      ),
      posts: await run(
        'social-posts',
        csv(
          'owner,post_id,posted_at,shares,comments,likes\nDana Scott,p1,2017-06-10,4,2,30\nDana Scott,p2,2017-06-12,0,1,8\n',
        ),
      ),
      training: await run(
        'training',
        csv('owner,course,score,max_score,at\nDana Scott,GTX Pro,42,50,2017-06-08\n'),
      ),
    };
    expect(Object.fromEntries(Object.entries(results).map(([k, r]) => [k, [r.created, r.skipped]]))).toEqual({
      activities: [3, 0],
      leads: [2, 0],
      customers: [2, 0],
      social: [2, 0],
      posts: [2, 0],
      training: [1, 0],
    });
    const dana = await store.db.rep.findFirstOrThrow({ where: { name: 'Dana Scott' } });
    const a1 = await store.db.activity.findFirstOrThrow({ where: { externalId: 'a1' } });
    expect(a1).toMatchObject({
      repId: dana.id,
      kind: 'call',
      count: 3,
      personalized: true,
      recordingUrl: 'https://rec.example.com/1',
    });
    expect(await store.db.activity.findFirstOrThrow({ where: { externalId: 'a2' } })).toMatchObject({
      personalized: false,
      count: 10,
    });
    expect(await store.db.activity.findFirstOrThrow({ where: { externalId: 'a3' } })).toMatchObject({
      personalized: null,
      count: 1,
    });
    expect(await store.db.lead.findFirstOrThrow({ where: { externalId: 'l1' } })).toMatchObject({
      email: 'pat@x.io',
      repId: dana.id,
    });

    const report = await repMetricsReport(store.db, workspace, dana, '2017-06', NOW);
    expect(report.metrics).toMatchObject({
      'outreach.calls': 3,
      'outreach.emails': 10,
      'conversion.mqls': 2,
      'conversion.converted': 1,
      'linkedin.followers': 540,
      'social.posts': 2,
      'social.shares_per_post': 2,
      'expertise.avg_score': 84,
    });
    // Every kind re-imported: nothing changes.
    for (const kind of ['activities', 'leads', 'customers', 'social-snapshots', 'social-posts', 'training']) {
      const file = join(
        dir,
        `f${fileNo - 5 + ['activities', 'leads', 'customers', 'social-snapshots', 'social-posts', 'training'].indexOf(kind)}.csv`,
      );
      const again = await run(kind, file);
      expect([kind, again.created, again.updated, again.skipped]).toEqual([kind, 0, 0, 0]);
    }
  });

  it('a newer export corrects the time of an activity already imported', async () => {
    await run('activities', csv('activity_id,owner,kind,occurred_at\nt1,Dana Scott,call,2017-06-01\n'));
    const fixed = await run(
      'activities',
      csv('activity_id,owner,kind,occurred_at\nt1,Dana Scott,call,2017-06-03\n'),
    );
    expect(fixed).toMatchObject({ updated: 1 });
    const a = await store.db.activity.findFirstOrThrow({ where: { externalId: 't1' } });
    expect(a.occurredAt.toISOString()).toBe('2017-06-03T04:00:00.000Z');
  });

  it('maps other column names with --map', async () => {
    const file = csv(
      'Opportunity ID,Owner Email,Stage,Amount,Created,Closed\nSF-1,dana@example.com,Closed Won,"1,250.00",2017-06-01,2017-06-09\n',
    );
    const res = await run('deals', file, {
      map: 'Opportunity ID=deal_id,Owner Email=owner,Stage=stage,Amount=amount,Created=opened_at,Closed=closed_at',
    });
    expect(res).toMatchObject({ created: 1, skipped: 0 });
    expect(await store.db.deal.findFirstOrThrow({ where: { externalId: 'SF-1' } })).toMatchObject({
      status: 'won',
      amountMinor: 125000n,
    });
    await expect(run('deals', file, { map: 'Stage=colour' })).rejects.toThrow(/no column "colour"/);
    await expect(run('deals', file)).rejects.toThrow(/lacks deal_id.*--map/);
    await expect(run('deals', file, { preset: 'sales_teams' })).rejects.toThrow(/for reps, not deals/);
    await expect(run('gizmos', file)).rejects.toThrow(/unknown kind "gizmos"/);
  });

  it('reports bad rows by line, column and reason and imports the good ones', async () => {
    const file = csv(
      [
        'activity_id,owner,kind,count,personalized,occurred_at',
        'ok1,Dana Scott,call,1,yes,2017-06-01',
        'bad-date,Dana Scott,call,1,yes,2017-02-31',
        'bad-kind,Dana Scott,fax,1,yes,2017-06-01',
        'bad-count,Dana Scott,call,-4,yes,2017-06-01',
        ',Dana Scott,call,1,yes,2017-06-01',
        'extra,Dana Scott,call,1,yes,2017-06-01,surprise',
        '"=HYPERLINK(""http://evil"")",Dana Scott,email,1,maybe,2017-06-01',
        'ok2,"Scott, Dana",call,2,no,2017-06-02',
        'ok3,Dana Scott,call,2,no,2017-06-02',
      ].join('\n'),
    );
    const res = await run('activities', file);
    expect(res.rows).toBe(9);
    expect(res.created).toBe(3); // ok1, ok2 (an unknown owner's activity is kept), ok3
    expect(res.skipped).toBe(6);
    const byLine = Object.fromEntries(res.problems.map((p) => [p.line, p]));
    expect(byLine[3]).toMatchObject({ column: 'occurred_at' });
    expect(byLine[3]?.reason).toMatch(/not a real date/);
    expect(byLine[4]?.column).toBe('kind');
    expect(byLine[5]?.column).toBe('count');
    expect(byLine[6]?.column).toBe('activity_id');
    expect(byLine[7]?.reason).toMatch(/expected 6 fields, found 7/);
    expect(byLine[6]?.reason).toMatch(/required/);
    expect(byLine[8]?.column).toBe('personalized');
    expect(res.unmappedOwners).toEqual({ 'Scott, Dana': 1 });
  });

  it('skips social and training rows of people who are not reps, naming them', async () => {
    const res = await run(
      'training',
      csv('owner,course,score,at\nNobody Here,GTX,80,2017-06-01\nDana Scott,GTX,120,2017-06-01\n'),
    );
    expect(res.skipped).toBe(2);
    expect(res.problems[0]).toMatchObject({ line: 2, column: 'owner' });
    expect(res.problems[0]?.reason).toMatch(/Nobody Here/);
    expect(res.problems[1]?.reason).toMatch(/must not exceed/);
  });

  it('a dry run reports what would happen and saves nothing', async () => {
    const file = csv(
      'activity_id,owner,kind,occurred_at\nd1,Dana Scott,call,2017-06-01\nd2,Dana Scott,call,nope\n',
    );
    const res = await run('activities', file, { dryRun: true });
    expect(res).toMatchObject({ dryRun: true, created: 1, skipped: 1 });
    expect(await store.db.activity.count()).toBe(0);
  });

  it('stops at a broken quote with the line, keeping rows before it', async () => {
    const file = csv(
      'activity_id,owner,kind,occurred_at\nq1,Dana Scott,call,2017-06-01\nq2,"Dana Scott,call,2017-06-01\n',
    );
    await expect(run('activities', file, { batchSize: 1 })).rejects.toThrow(/line \d+/);
    expect(await store.db.activity.count()).toBe(1);
  });

  it('imports a 100,000-row file once, and re-imports it without a change', async () => {
    const lines = ['activity_id,owner,kind,count,personalized,occurred_at'];
    const kinds = ['call', 'email', 'meeting'];
    for (let i = 0; i < 100_000; i++) {
      lines.push(
        `x${i},${i % 2 ? 'Dana Scott' : 'sam@example.com'},${kinds[i % 3]},${1 + (i % 4)},${i % 5 ? 'yes' : 'no'},2017-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`,
      );
    }
    const file = csv(`${lines.join('\n')}\n`);
    const progress: number[] = [];
    const first = await run('activities', file, { onProgress: (_rows, share) => progress.push(share) });
    expect(first).toMatchObject({ rows: 100_000, created: 100_000, skipped: 0 });
    expect(await store.db.activity.count()).toBe(100_000);
    const sum = await store.db.activity.aggregate({ _sum: { count: true } });
    expect(sum._sum.count).toBe(250_000);
    expect(progress.length).toBeGreaterThan(10);
    expect(progress.at(-1)).toBe(1);
    const second = await run('activities', file);
    expect(second).toMatchObject({ rows: 100_000, created: 0, updated: 0, unchanged: 100_000 });
    expect(await store.db.activity.count()).toBe(100_000);
  }, 240_000);
});
