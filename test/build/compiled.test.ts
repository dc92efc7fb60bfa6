import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, PROJECT_ROOT } from '../support/child.js';
import { createEmptyDatabase } from '../support/db.js';
import { TEST_RUN_ID } from '../support/env.js';

/**
 * The compiled build, as production runs it: the sources compiled with the build's own settings
 * (tsconfig.build.json) into a folder beside dist/ (same depth, so the paths the code resolves from its own
 * location hold), then the `kpi` entry run on plain Node, without tsx.
 */
const OUT = join(PROJECT_ROOT, `dist-test-${TEST_RUN_ID}-${process.env.KPI_TEST_PROVIDER ?? 'sqlite'}`);
const work = mkdtempSync(join(tmpdir(), 'kpi-build-'));

/** Runs the compiled `main(argv)` in a plain Node process; with `modules`, logs every module it resolves. */
function runCompiled(
  argv: string[],
  opts: { env?: Record<string, string>; input?: string; modules?: string },
) {
  const runner = join(work, 'run.mjs');
  writeFileSync(
    runner,
    `const { main } = await import(${JSON.stringify(`${join(OUT, 'cli', 'main.js')}`)});\nawait main(process.argv.slice(2));\n`,
  );
  const hooks = join(work, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(${JSON.stringify(opts.modules ?? '/dev/null')}, specifier + ' ' + result.url + '\\n');
  return result;
}\n`,
  );
  const register = join(work, 'register.mjs');
  writeFileSync(
    register,
    `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hooks}`)});\n`,
  );
  const args = [...(opts.modules ? ['--import', register] : []), runner, ...argv];
  return spawnSync(process.execPath, args, {
    cwd: PROJECT_ROOT,
    env: cleanEnv(opts.env ?? {}),
    input: opts.input ?? '',
    encoding: 'utf8',
  });
}

beforeAll(() => {
  const tsc = join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const built = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', OUT], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
  });
  if (built.status !== 0) throw new Error(`the build failed:\n${built.stdout}${built.stderr}`);
}, 120_000);

afterAll(() => {
  rmSync(OUT, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe('the compiled build', () => {
  it('contains no TypeScript and no benchmark code', () => {
    const listed = spawnSync('find', [OUT, '-type', 'f'], { encoding: 'utf8' }).stdout.split('\n');
    expect(listed.some((f) => f.endsWith('/cli/main.js'))).toBe(true);
    expect(listed.filter((f) => /\.(ts|mts)$/.test(f))).toEqual([]);
    expect(listed.filter((f) => f.includes('/bench/'))).toEqual([]);
  });

  it('`kpi help` loads none of Bolt, Prisma, the drivers or the chart renderer', () => {
    const modules = join(work, 'help-modules.txt');
    const result = runCompiled(['help'], { modules });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Usage: kpi <command>/);
    const loaded = readFileSync(modules, 'utf8');
    // The log is not empty: the hook saw the entry's own imports.
    expect(loaded).toMatch(/cli\/main\.js/);
    for (const heavy of [
      '@slack/bolt',
      '@slack/web-api',
      '@prisma/client',
      '@prisma/adapter',
      'better-sqlite3',
      '/pg/',
      '@napi-rs/canvas',
      'chart.js',
      'pino',
      'zod',
    ])
      expect(loaded, heavy).not.toContain(heavy);
  });

  it('migrates a fresh database and answers /kpi commands in the shell on plain Node', async () => {
    const db = await createEmptyDatabase();
    try {
      const migrated = runCompiled(['migrate'], { env: { DATABASE_URL: db.url } });
      expect(migrated.status, migrated.stderr).toBe(0);
      expect(migrated.stdout).toMatch(/^applied \d{14}_init/);
      const again = runCompiled(['migrate'], { env: { DATABASE_URL: db.url } });
      expect(again.stdout.trim()).toBe('database is up to date');
      const shell = runCompiled(['shell', '--as', 'Dana Scott', '--json'], {
        env: { DATABASE_URL: db.url },
        input: '/kpi log outreach 3\n/kpi me\n/kpi nonsense\n',
      });
      expect(shell.status, shell.stderr).toBe(0);
      const replies = shell.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { text: string });
      expect(replies).toHaveLength(3);
      expect(replies[1]?.text).toMatch(/Dana Scott/);
      expect(replies[2]?.text).toMatch(/\/kpi help/);
    } finally {
      await db.drop();
    }
  }, 60_000);

  it('bin/kpi.mjs without a build says how to make one', () => {
    const root = join(work, 'no-build');
    mkdirSync(join(root, 'bin'), { recursive: true });
    copyFileSync(join(PROJECT_ROOT, 'bin', 'kpi.mjs'), join(root, 'bin', 'kpi.mjs'));
    const result = spawnSync(process.execPath, [join(root, 'bin', 'kpi.mjs'), 'help'], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/compiled build is missing .*npm run build/s);
  });
});
