#!/usr/bin/env node
// `npm test`: the whole suite against SQLite (embedded), then again against PostgreSQL.
// Starts the local PostgreSQL cluster when it is down (pg_ctlcluster, as on the project's machines); each run
// uses fresh databases of its own (test/support/global-setup.ts) and drops them at the end.
// Extra arguments go to vitest, e.g. `npm test -- test/config.test.ts`.
// KPI_TEST_POSTGRES_URL picks another server; KPI_TEST_PROVIDERS=sqlite runs one pass only.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import pg from 'pg';

const require = createRequire(import.meta.url);
const vitest = join(dirname(require.resolve('vitest/package.json')), 'vitest.mjs');
const postgresUrl = process.env.KPI_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const providers = (process.env.KPI_TEST_PROVIDERS ?? 'sqlite,postgresql').split(',').map((p) => p.trim());
const args = process.argv.slice(2);

async function canConnect() {
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function ensurePostgres() {
  if (await canConnect()) return;
  const versions = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql') : [];
  if (versions.length === 0) {
    throw new Error(
      `PostgreSQL is not reachable at ${postgresUrl} and no local cluster was found to start. ` +
        'Start one, point KPI_TEST_POSTGRES_URL at one, or run KPI_TEST_PROVIDERS=sqlite npm test.',
    );
  }
  console.log(`test: starting PostgreSQL ${versions[0]} (it was not running)`);
  try {
    execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', versions[0], 'main', 'start'], {
      stdio: 'inherit',
    });
  } catch (error) {
    console.error(`test: pg_ctlcluster failed: ${error.message}`);
  }
  for (let i = 0; i < 60; i++) {
    if (await canConnect()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`PostgreSQL did not come up at ${postgresUrl}`);
}

const runId = `r${Date.now().toString(36)}`;
const results = [];
for (const provider of providers) {
  if (provider === 'postgresql') await ensurePostgres();
  console.log(`\n=== test suite on ${provider} ===`);
  const run = spawnSync(process.execPath, [vitest, 'run', ...args], {
    stdio: 'inherit',
    env: {
      ...process.env,
      KPI_TEST_PROVIDER: provider,
      KPI_TEST_POSTGRES_URL: postgresUrl,
      KPI_TEST_RUN_ID: runId,
    },
  });
  results.push({ provider, status: run.status ?? 1 });
}
console.log('');
for (const r of results)
  console.log(`test: ${r.provider}: ${r.status === 0 ? 'passed' : `FAILED (exit ${r.status})`}`);
process.exit(results.every((r) => r.status === 0) ? 0 : 1);
