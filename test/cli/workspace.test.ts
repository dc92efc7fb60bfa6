import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type TStore } from '../../src/store/store.js';
import { cleanEnv, KPI_BIN, PROJECT_ROOT } from '../support/child.js';
import { createMigratedDatabase } from '../support/db.js';
import { seedWorkspace } from '../support/seed.js';

/**
 * Which workspace a `kpi` command works on when the store was filled by the Slack bot: real `kpi` processes on a
 * database holding one Slack workspace, then two. Each process is a node start (seconds on a loaded machine):
 * the time-out is a failure guard, not a measure of speed.
 */
const SPAWNING_TEST_TIMEOUT_MS = 180_000;

let url: string;
let drop: () => Promise<void>;
let store: TStore;
const children: ChildProcess[] = [];

beforeAll(async () => {
  ({ url, drop } = await createMigratedDatabase());
  store = await openStore(url);
  await seedWorkspace(store.db, {
    team: 'T0ACME',
    name: 'Acme Sales',
    timezone: 'UTC',
    reps: [{ name: 'Dana Scott', slackUserId: 'U0DANA', role: 'admin' }],
    deals: [{ rep: 'Dana Scott', amountMinor: 125_000n, openedAt: '2017-06-02', closedAt: '2017-06-20' }],
  });
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
afterAll(async () => {
  await store?.close();
  await drop?.();
});

function kpi(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [KPI_BIN, ...args], {
    cwd: PROJECT_ROOT,
    env: cleanEnv({ DATABASE_URL: url, KPI_TIMEZONE: 'UTC' }),
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
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
}

const teams = async () => (await store.db.workspace.findMany()).map((w) => w.slackTeamId).sort();

describe('kpi without --workspace', { timeout: SPAWNING_TEST_TIMEOUT_MS }, () => {
  it("uses the store's only Slack workspace, creating no local one; kpi target set --from gives history a target", async () => {
    const set = await kpi([
      'target',
      'set',
      'Dana Scott',
      'sales.won_total',
      '2500',
      'monthly',
      '--from',
      '2017-06',
    ]);
    expect(set.err).toBe('');
    expect(set.code).toBe(0);
    expect(set.out).toMatch(
      /^✓ Target set: Dana Scott, Won revenue \$2,500(\.00)? a month, from June 2017\.\n$/,
    );
    const r = await kpi(['metrics', '--rep', 'Dana Scott', '--period', '2017-06', '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as {
      rep: { name: string };
      metrics: Record<string, number>;
      pace: Record<string, { attainment: number }>;
    };
    expect(report.rep.name).toBe('Dana Scott');
    expect(report.metrics['sales.won_total']).toBe(1250);
    expect(report.pace['sales.won_total']?.attainment).toBe(0.5);
    expect(await teams()).toEqual(['T0ACME']);
  });

  it('refuses a --workspace typo naming the known workspaces, and creates nothing', async () => {
    const r = await kpi(['leaderboard', '--workspace', 'T0ACNE']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      'kpi: no workspace "T0ACNE" in this database (did you mean T0ACME?). It holds: T0ACME (Acme Sales).\n',
    );
    expect(await teams()).toEqual(['T0ACME']);
  });

  it('with several workspaces asks for --workspace and lists them; with it, kpi link reaches its own checks and refuses an unknown source', async () => {
    await seedWorkspace(store.db, { team: 'T0BETA', name: 'Beta', timezone: 'UTC' });
    const asked = await kpi(['metrics', '--all', '--period', '2017-06']);
    expect(asked.code).toBe(2);
    expect(asked.err).toBe(
      'kpi: this database holds 2 workspaces; say which with --workspace <Slack team id>: T0ACME (Acme Sales), T0BETA (Beta).\n',
    );
    const link = await kpi(['link', 'Dana Scott', 'salesfrce', '0051', '--workspace', 'T0ACME']);
    expect(link.code).toBe(2);
    expect(link.err).toMatch(
      /^kpi: salesfrce is not a source KPI Bot knows here\. The sources: hubspot, pipedrive, generic, csv,/,
    );
    expect(await store.db.repIdentity.count()).toBe(0);
    // The shell acts as someone of the Slack workspace; a name nobody there has is refused, not added to it.
    const reps = await store.db.rep.count();
    const shell = await kpi(['shell', '--workspace', 'T0ACME', '--as', 'Dana Scot']);
    expect(shell.code).toBe(2);
    expect(shell.err).toBe(
      'kpi: nobody called "Dana Scot" in the T0ACME workspace; --as takes the name, email or Slack user id of someone there\n',
    );
    expect(await store.db.rep.count()).toBe(reps);
    expect(await teams()).toEqual(['T0ACME', 'T0BETA']);
  });
});
