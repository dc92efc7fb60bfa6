import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { importCsv } from '../../src/ingest/csv/import.js';
import { storeInboxItems } from '../../src/ingest/inbox.js';
import { openStore } from '../../src/store/store.js';
import { ensureWorkspace, LOCAL_TEAM_ID } from '../../src/store/workspaces.js';
import { cleanEnv, KPI_BIN, PROJECT_ROOT } from '../support/child.js';
import { createMigratedDatabase } from '../support/db.js';

const KPI = KPI_BIN;
const ROOT = PROJECT_ROOT;
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/**
 * Each `kpi …` below is a child process (node + tsx): about a second of CPU to start, many more on a loaded
 * 2-core machine, and a test runs up to four of them. Their time-out is a failure guard sized for that machine,
 * not a measure of speed (benchmarks measure speed).
 */
const SPAWNING_TEST_TIMEOUT_MS = 180_000;

let url: string;
let drop: () => Promise<void>;
let dir: string;

beforeAll(async () => {
  const db = await createMigratedDatabase();
  url = db.url;
  drop = db.drop;
  dir = mkdtempSync(join(tmpdir(), 'kpi-cli-'));
});
const children: ChildProcess[] = [];
// A test that failed or timed out leaves no `kpi` running.
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
afterAll(async () => {
  await drop?.();
  rmSync(dir, { recursive: true, force: true });
});

function kpi(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const env = cleanEnv({ DATABASE_URL: url, KPI_TIMEZONE: 'UTC' });
  const child = spawn(process.execPath, [KPI, ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    err += d;
  });
  // 'close', not 'exit': the process has exited and its output has been read to the end.
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
}

describe('kpi import, kpi link, kpi inbox', { timeout: SPAWNING_TEST_TIMEOUT_MS }, () => {
  it('imports the presets with a summary, and the metrics show them', async () => {
    const teams = await kpi(['import', 'reps', join(FIXTURES, 'sales_teams.csv'), '--preset', 'sales_teams']);
    expect(teams.code).toBe(0);
    expect(teams.out).toMatch(/rows read\s+4/);
    const deals = await kpi([
      'import',
      'deals',
      join(FIXTURES, 'sales_pipeline.csv'),
      '--preset',
      'sales_pipeline',
    ]);
    expect(deals.code).toBe(0);
    expect(deals.out).toMatch(/created\s+11/);
    expect(deals.out).toContain('Eve Unknown: 1 row');
    expect(deals.err).toBe(''); // no progress bar when stderr is not a terminal
    const metrics = await kpi(['metrics', '--rep', 'Ada Byrne', '--period', '2017-06', '--json']);
    expect(JSON.parse(metrics.out).metrics['sales.won_total']).toBe(6000);
  });

  it('links a name from the file to a rep, whose numbers then include it', async () => {
    const link = await kpi(['link', 'Cleo Varga', 'csv', 'Eve Unknown']);
    expect(link.code).toBe(0);
    expect(link.out).toContain('1 fact handed over, 0 waiting events applied');
    const metrics = await kpi(['metrics', '--rep', 'Cleo Varga', '--period', '2017-06', '--json']);
    expect(JSON.parse(metrics.out).metrics['sales.won_total']).toBe(6400.5);
    const missing = await kpi(['link', 'Nobody', 'hubspot', '42']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('kpi: I do not know Nobody as a rep here.');
    expect((await kpi(['link', 'Cleo Varga'])).err).toContain('usage: kpi link');
  });

  it('reports bad rows and bad usage plainly', async () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(
      file,
      'activity_id,owner,kind,occurred_at\na1,Ada Byrne,call,2017-06-01\na2,Ada Byrne,fax,2017-06-01\n',
    );
    const res = await kpi(['import', 'activities', file]);
    expect(res.code).toBe(0);
    expect(res.out).toMatch(/created\s+1/);
    expect(res.out).toContain('line 3, column kind');
    const json = await kpi(['import', 'activities', file, '--json']);
    expect(JSON.parse(json.out)).toMatchObject({ rows: 2, unchanged: 1, skipped: 1 });
    const usage = await kpi(['import']);
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('usage: kpi import');
    const nofile = await kpi(['import', 'deals', join(dir, 'missing.csv')]);
    expect(nofile.code).toBe(1);
    expect(nofile.err).toContain('cannot read');
  });

  it('lists inbox events that failed or wait for an owner, and retries them', async () => {
    const store = await openStore(url);
    try {
      const ws = await store.db.workspace.findUniqueOrThrow({ where: { slackTeamId: 'local' } });
      await storeInboxItems(store.db, [
        {
          workspaceId: ws.id,
          source: 'generic',
          eventId: 'churn-1',
          eventType: 'customer.churned',
          payload: { type: 'customer.churned', customerId: 'zeta', occurredAt: '2017-06-20' },
        },
        {
          workspaceId: ws.id,
          source: 'generic',
          eventId: 'quiz-1',
          eventType: 'training.result',
          payload: {
            type: 'training.result',
            owner: { email: 'new@example.com' },
            course: 'GTX',
            score: 90,
            occurredAt: '2017-06-20',
          },
        },
      ]);
      const first = await kpi(['inbox', 'retry']);
      expect(first.out).toContain('still failing 1, waiting for an owner 1');
      const list = await kpi(['inbox']);
      expect(list.out).toContain('customer zeta is not known yet');
      expect(list.out).toContain('waits for email:new@example.com');
      await store.db.customer.create({
        data: { workspaceId: ws.id, source: 'generic', externalId: 'zeta', wonAt: new Date('2017-01-01') },
      });
      const retry = await kpi(['inbox', 'retry', '--json']);
      expect(JSON.parse(retry.out)).toMatchObject({ queued: 2, applied: 1, failed: 0, waiting: 1 });
      expect(
        (await store.db.customer.findFirstOrThrow({ where: { externalId: 'zeta' } })).churnedAt,
      ).not.toBeNull();
      expect((await kpi(['inbox', 'explode'])).err).toContain('unknown inbox action');
    } finally {
      await store.close();
    }
  });
});

describe('kpi jobs', { timeout: SPAWNING_TEST_TIMEOUT_MS }, () => {
  it('runs a leaderboard slot by hand in local mode, prints it, and reports a second run instead of repeating it', async () => {
    // The team and pipeline (as `kpi import` loads them, tested above), loaded in this process: re-importing
    // changes nothing, and it spares two start-ups.
    const store = await openStore(url);
    try {
      const workspace = await ensureWorkspace(store.db, LOCAL_TEAM_ID, { timezone: 'UTC' });
      const load = { workspace, provider: store.provider };
      await importCsv(store.db, {
        kind: 'reps',
        file: join(FIXTURES, 'sales_teams.csv'),
        preset: 'sales_teams',
        ...load,
      });
      await importCsv(store.db, {
        kind: 'deals',
        file: join(FIXTURES, 'sales_pipeline.csv'),
        preset: 'sales_pipeline',
        ...load,
      });
    } finally {
      await store.close();
    }
    const first = await kpi(['jobs', 'run', 'leaderboard', '--at', '2017-06-26T09:00:00Z']);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toContain('── to #leaderboard ──');
    expect(first.out).toContain('WEEKLY LEADERBOARD · WON REVENUE · JUNE 2017 TO DATE');
    // Up to the slot (Monday 26 June 09:00): Ada's $1,200 and $4,800, Ben's $1,100 of 25 June, and of Cleo's
    // deals (with Eve Unknown's, linked above) only the $900 of 2 June: her $5,500.50 closes on 29 June.
    expect(first.out).toMatch(/^1\. Ada Byrne {2}\$6,000 · created : lost 3 : 1$/m);
    // Against the post of a week before (19 June: Ada, then Cleo; Ben had nothing in June yet).
    expect(first.out).toMatch(
      /^2\. Ben Okafor {2}\$1,100 \(new\) · 18% of the leader · \$4,900 behind #1 · created : lost 2 : 1$/m,
    );
    expect(first.out).toMatch(
      /^3\. Cleo Varga {2}\$900 ↓1 · 15% of the leader · \$200 behind #2 · created : lost no data$/m,
    );
    expect(first.out).toMatch(
      /leaderboard local 2017-06-26T09:00:00\.000Z: done: posted the Won revenue leaderboard/,
    );
    // Five minutes later, or any time that week: the same Monday 09:00 slot, reported, not repeated.
    const second = await kpi(['jobs', 'run', 'leaderboard', '--at', '2017-06-29T17:05:00+02:00']);
    expect(second.code).toBe(0);
    expect(second.out).not.toContain('WEEKLY LEADERBOARD');
    expect(second.out).toMatch(/already ran \(done at .*\); --force runs it again/);
    // With --json, stdout is the JSON alone (a pipe to jq works); the local preview goes to stderr.
    const forced = await kpi([
      'jobs',
      'run',
      'leaderboard',
      '--at',
      '2017-06-26T09:00:00Z',
      '--force',
      '--json',
    ]);
    expect(JSON.parse(forced.out)).toMatchObject({ job: 'leaderboard', status: 'done' });
    expect(forced.err).toContain('WEEKLY LEADERBOARD');
    const list = await kpi(['jobs', 'list', '--json']);
    const rows = JSON.parse(list.out) as {
      job: string;
      schedule: string;
      next: string[];
      last: { status: string } | null;
    }[];
    expect(rows.map((r) => [r.job, r.schedule])).toEqual([
      ['leaderboard', '0 9 * * 1'],
      ['coaching-alerts', '30 8 * * *'],
      ['stalled-deals', '0 9 * * 1'],
    ]);
    expect(rows[0]?.next).toHaveLength(3);
    expect(rows[0]?.last?.status).toBe('done');
  });

  it('refuses bad job names and times with the usage', async () => {
    const typo = await kpi(['jobs', 'run', 'leaderbord']);
    expect(typo.code).toBe(2);
    expect(typo.err).toMatch(/"leaderbord" is not a job \(leaderboard, coaching-alerts, stalled-deals\)/);
    expect(typo.err).toMatch(/usage: kpi jobs list/);
    const at = await kpi(['jobs', 'run', 'coaching-alerts', '--at', 'yesterday']);
    expect(at.code).toBe(2);
    expect(at.err).toMatch(
      /--at: "yesterday" is not an ISO time with its offset, such as 2026-11-23T09:00:00Z\./,
    );
    const impossible = await kpi(['jobs', 'run', 'coaching-alerts', '--at', '2017-02-30T25:00:00Z']);
    expect(impossible.code).toBe(2);
    expect(impossible.err).toMatch(/--at: "2017-02-30T25:00:00Z" is not a real time\./);
    const bare = await kpi(['jobs']);
    expect(bare.code).toBe(2);
    expect(bare.err).toMatch(/usage: kpi jobs/);
  });
});
