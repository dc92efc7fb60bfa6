// The `kpi` command line. Only what every command needs is imported here; each command loads its own modules
// when it runs (`kpi help` loads none of Bolt, Prisma or the chart renderer).
import { parseArgs } from 'node:util';
import type { ConfigError } from '../config.js';
import { closestMatch } from '../domain/closest.js';
import { AppError, isAppError, PlainTextError } from '../errors.js';
import type { TJob } from '../jobs/types.js';
import type { TStore } from '../store/store.js';
import type { Workspace } from '../store/types.js';

/**
 * The jobs `kpi jobs run` takes, for the usage text without loading the jobs: the type fails to check when a job
 * is added to TJob['name'] and not here (or named here and not a job).
 */
const JOB_CHOICES: Record<TJob['name'], true> = {
  leaderboard: true,
  'coaching-alerts': true,
  'stalled-deals': true,
};

const USAGE = `Usage: kpi <command> [options]

Commands:
  start                          Run the bot (applies pending migrations first). Without Slack credentials it
                                 runs in local mode, with a shell on a terminal.
  migrate                        Apply pending database migrations to DATABASE_URL.
  migrate create <name>          (maintainers) Write the next migration for SQLite and PostgreSQL from the
                                 schemas. Options: --postgres-url <url> for PostgreSQL's shadow database.
  shell [--as <name|email|id>]   Type /kpi commands as that person; reads stdin when it is not a terminal.
        [--json]                 One JSON reply per line.   [--workspace <Slack team id>]
  metrics (--rep <name|email|Slack id> | --team <manager> | --all) [--period <p>] [--json]
          [--workspace <Slack team id>]
                                 A rep's, a manager's team's or all reps' metrics for a period (default this
                                 month), e.g. --period 2017-06.
  leaderboard [--metric <id>] [--period <p>] [--top N] [--json] [--workspace <Slack team id>]
                                 Reps ranked by one metric (ids: docs/metrics.md), best first.
  import <kind> <file.csv> [--preset NAME] [--map col=field,...] [--dry-run] [--json] [--source NAME]
                                 Import deals, reps, activities, leads, customers, social-snapshots,
                                 social-posts, training or targets from CSV (columns: docs/ingestion.md).
                                 Presets: sales_pipeline (deals), sales_teams (reps). Re-importing changes
                                 nothing.
  inbox [retry] [--json]         Webhook events not applied (errors, owners not mapped); retry replays them.
  link "<rep>" <source> <owner>  Map a CRM owner id (or email, or a CSV name) to a rep; their facts follow.
  target set ["<rep>" | team ["<manager>"]] <metric> <amount> [weekly|monthly|...] [--from <period>] [--json]
                                 /kpi target set as the operator: a target from this period, or from the
                                 period --from names (2024-01, 2024-Q1, "last month"). Many: kpi import targets.
  jobs list [--json]             The scheduled jobs: schedule (workspace time), next runs, last run.
  jobs run <${Object.keys(JOB_CHOICES).join('|')}> [--at <ISO time>] [--force] [--json]
                                 Run the latest slot at or before --at (default now; not in the future,
                                 not before 1970) by hand on the same ledger: a slot already run is
                                 reported, not repeated, unless --force. In local mode messages print here.
  help                           This text.

--workspace <Slack team id>: the workspace to work on. Without it, the database's only workspace (local mode's,
created, when it holds none); with several it must be given. An unknown id is refused, never created.

Environment: see docs/configuration.md.`;

const COMMANDS = [
  'start',
  'migrate',
  'shell',
  'metrics',
  'leaderboard',
  'import',
  'inbox',
  'link',
  'target',
  'jobs',
  'help',
];

function fail(message: string, code = 1): never {
  process.stderr.write(`kpi: ${message}\n`);
  process.exit(code);
}

async function cmdStart() {
  const [{ resolve }, { pino }, { loadConfig }, { createLogger, errorForLog }, { startBot }] =
    await Promise.all([
      import('node:path'),
      import('pino'),
      import('../config.js'),
      import('../logger.js'),
      import('../main.js'),
    ]);
  const config = loadConfig();
  const interactive = config.slackMode === 'local' && Boolean(process.stdin.isTTY);
  // In the interactive shell, JSON log lines would scroll through the conversation: they go to a file.
  const logFile = interactive ? resolve('data', 'kpi.log') : undefined;
  const logger = logFile
    ? createLogger(config.LOG_LEVEL, pino.destination({ dest: logFile, mkdir: true, sync: false }))
    : undefined;
  const bot = await startBot(config, { logger });
  let signals = 0;
  const onSignal = (signal: string) => {
    signals += 1;
    if (signals > 1) process.exit(1);
    bot.stop(signal).then(
      () => process.exit(0),
      (error) => {
        bot.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  // The last safety net (every request's errors are caught where it is served): logged without what the error
  // carries (a request, headers), never Node's crash dump. A stray rejection is logged and the bot keeps
  // serving; an uncaught exception stops it cleanly (exit 1) for the supervisor to restart.
  process.on('unhandledRejection', (reason) => {
    bot.logger.error({ err: errorForLog(reason) }, 'unhandled promise rejection (still serving)');
  });
  process.on('uncaughtException', (error) => {
    bot.logger.fatal({ err: errorForLog(error) }, 'uncaught exception; stopping');
    signals += 1;
    bot.stop('uncaught exception').finally(() => process.exit(1));
  });
  if (interactive) {
    const [{ systemClock }, { ensureWorkspace, LOCAL_TEAM_ID }, { resolveLocalActor }, { runShell }] =
      await Promise.all([
        import('../clock.js'),
        import('../store/workspaces.js'),
        import('./local-actor.js'),
        import('./shell.js'),
      ]);
    const workspace = await ensureWorkspace(bot.store.db, LOCAL_TEAM_ID, { timezone: config.KPI_TIMEZONE });
    const who = config.KPI_LOCAL_USER ?? process.env.USER ?? 'local admin';
    const { actor } = await resolveLocalActor(bot.store.db, workspace, who);
    process.stdout.write(
      `KPI Bot is running in local mode on port ${bot.port} (no Slack credentials set). Logs: ${logFile}\n`,
    );
    await runShell({
      store: bot.store,
      router: bot.router,
      logger: bot.logger,
      clock: systemClock,
      workspace,
      actor,
      input: process.stdin,
      output: process.stdout,
      interactive: true,
    });
    onSignal('shell closed');
  }
}

async function cmdMigrate(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    options: { 'postgres-url': { type: 'string' } },
    allowPositionals: true,
  });
  const [{ loadConfig }, { applyMigrations, createMigration }, { providerOf }] = await Promise.all([
    import('../config.js'),
    import('../store/migrate.js'),
    import('../store/provider.js'),
  ]);
  const config = loadConfig();
  if (positionals[0] === 'create') {
    const name = positionals[1];
    if (!name) fail('usage: kpi migrate create <name> [--postgres-url postgresql://...]', 2);
    const postgresUrl =
      values['postgres-url'] ??
      (providerOf(config.DATABASE_URL) === 'postgresql' ? config.DATABASE_URL : undefined) ??
      fail(
        'PostgreSQL is needed for its shadow database: pass --postgres-url postgresql://postgres@127.0.0.1:5432/postgres',
        2,
      );
    const written = await createMigration(name, { postgresUrl });
    process.stdout.write(
      written.length
        ? `${written.map((d) => `wrote ${d}`).join('\n')}\n`
        : 'schemas match their migrations; nothing to write\n',
    );
    return;
  }
  if (positionals.length)
    fail(`unknown migrate argument "${positionals[0]}"; usage: kpi migrate [create <name>]`, 2);
  const applied = await applyMigrations(config.DATABASE_URL);
  process.stdout.write(applied.length ? `applied ${applied.join(', ')}\n` : 'database is up to date\n');
}

async function cmdShell(args: string[]) {
  const { values } = parseArgs({
    args,
    options: { as: { type: 'string' }, json: { type: 'boolean' }, workspace: { type: 'string' } },
  });
  const [
    { systemClock },
    { createCommandRouter },
    { COMMANDS: KPI_COMMANDS },
    { loadConfig },
    { createLogger },
    { applyMigrations },
    { openStore },
    { resolveLocalActor },
    { runShell },
  ] = await Promise.all([
    import('../clock.js'),
    import('../commands/execute.js'),
    import('../commands/index.js'),
    import('../config.js'),
    import('../logger.js'),
    import('../store/migrate.js'),
    import('../store/store.js'),
    import('./local-actor.js'),
    import('./shell.js'),
  ]);
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  await applyMigrations(config.DATABASE_URL);
  const store = await openStore(config.DATABASE_URL);
  try {
    const workspace = await chosenWorkspace(store, values.workspace, config.KPI_TIMEZONE);
    const teamId = workspace.slackTeamId;
    const who = values.as ?? config.KPI_LOCAL_USER ?? process.env.USER ?? 'local admin';
    const { actor, created } = await resolveLocalActor(store.db, workspace, who);
    if (created) process.stderr.write(`kpi: created ${actor.name} in the ${teamId} workspace\n`);
    await runShell({
      store,
      router: createCommandRouter(KPI_COMMANDS),
      logger,
      clock: systemClock,
      workspace,
      actor,
      input: process.stdin,
      output: process.stdout,
      interactive: Boolean(process.stdin.isTTY) && !values.json,
      json: values.json,
    });
  } finally {
    await store.close();
  }
}

/**
 * The workspace a command works on (cli/workspace-choice.ts): the one --workspace names, which must exist;
 * without it the store's only workspace, local mode's (created) when it holds none; refused with several.
 */
async function chosenWorkspace(
  store: TStore,
  asked: string | undefined,
  timezone: string,
): Promise<Workspace> {
  const [{ allWorkspaces, ensureWorkspace, LOCAL_TEAM_ID }, { chooseWorkspace }] = await Promise.all([
    import('../store/workspaces.js'),
    import('./workspace-choice.js'),
  ]);
  const all = await allWorkspaces(store.db);
  const choice = chooseWorkspace(all, asked, LOCAL_TEAM_ID);
  if ('refuse' in choice) throw new AppError('bad_request', choice.refuse);
  if ('create' in choice) return ensureWorkspace(store.db, choice.create, { timezone });
  const found = all.find((w) => w.slackTeamId === choice.use);
  if (!found) throw new AppError('bad_request', `no workspace "${choice.use}" in this database`);
  return found;
}

/** Runs a CLI command on the store DATABASE_URL names (migrations applied), closing it afterwards. */
async function withStore(work: (store: TStore) => Promise<void>): Promise<void> {
  const [{ loadConfig }, { applyMigrations }, { openStore }] = await Promise.all([
    import('../config.js'),
    import('../store/migrate.js'),
    import('../store/store.js'),
  ]);
  const config = loadConfig();
  await applyMigrations(config.DATABASE_URL);
  const store = await openStore(config.DATABASE_URL);
  try {
    await work(store);
  } finally {
    await store.close();
  }
}

/**
 * Runs a CLI command on the store DATABASE_URL names and the workspace chosen as `chosenWorkspace` says.
 */
async function withWorkspaceStore(
  teamId: string | undefined,
  work: (store: TStore, workspace: Workspace) => Promise<void>,
): Promise<void> {
  const { loadConfig } = await import('../config.js');
  const timezone = loadConfig().KPI_TIMEZONE;
  await withStore(async (store) => work(store, await chosenWorkspace(store, teamId, timezone)));
}

async function cmdMetrics(args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      rep: { type: 'string' },
      team: { type: 'string' },
      all: { type: 'boolean' },
      period: { type: 'string', default: 'this month' },
      json: { type: 'boolean' },
      workspace: { type: 'string' },
    },
  });
  const chosen = [values.rep, values.team, values.all].filter((v) => v !== undefined).length;
  if (chosen !== 1) {
    fail(
      'usage: kpi metrics (--rep "<name | email | Slack user id>" | --team "<manager>" | --all) [--period <p>] [--json]',
      2,
    );
  }
  const [
    { systemClock },
    { renderRepMetricsTable, renderTeamMetricsTable },
    { repMetricsReport },
    { teamMetricsReport },
    { findRep },
  ] = await Promise.all([
    import('../clock.js'),
    import('../reports/format.js'),
    import('../reports/rep-metrics.js'),
    import('../reports/team-metrics.js'),
    import('../store/reps.js'),
  ]);
  await withWorkspaceStore(values.workspace, async (store, workspace) => {
    const who = values.rep ?? values.team;
    const person = who === undefined ? null : await findRep(store.db, workspace.id, who);
    if (who !== undefined && !person)
      fail(`nobody called "${who}" in the ${workspace.slackTeamId} workspace`, 2);
    const now = systemClock.now();
    if (values.rep && person) {
      const report = await repMetricsReport(store.db, workspace, person, values.period, now);
      process.stdout.write(
        values.json ? `${JSON.stringify(report)}\n` : `${renderRepMetricsTable(report)}\n`,
      );
    } else {
      const report = await teamMetricsReport(store.db, workspace, person, values.period, now);
      process.stdout.write(
        values.json ? `${JSON.stringify(report)}\n` : `${renderTeamMetricsTable(report)}\n`,
      );
    }
  });
}

async function cmdLeaderboard(args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      metric: { type: 'string', default: 'sales.won_total' },
      period: { type: 'string', default: 'this month' },
      top: { type: 'string' },
      json: { type: 'boolean' },
      workspace: { type: 'string' },
    },
  });
  const top = values.top === undefined ? undefined : Number(values.top);
  if (top !== undefined && (!Number.isInteger(top) || top < 1))
    fail(`--top must be a whole number from 1, got "${values.top}"`, 2);
  const [{ systemClock }, { renderLeaderboardTable }, { leaderboardReport }] = await Promise.all([
    import('../clock.js'),
    import('../reports/format.js'),
    import('../reports/leaderboard.js'),
  ]);
  await withWorkspaceStore(values.workspace, async (store, workspace) => {
    const board = await leaderboardReport(
      store.db,
      workspace,
      values.metric,
      values.period,
      systemClock.now(),
      top,
    );
    process.stdout.write(values.json ? `${JSON.stringify(board)}\n` : `${renderLeaderboardTable(board)}\n`);
  });
}

export async function main(argv: string[]): Promise<void> {
  // Output piped into a reader that stops early (`| head`) ends the command quietly, not with a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  const [command = 'help', ...rest] = argv;
  try {
    switch (command) {
      case 'start':
        return await cmdStart();
      case 'migrate':
        return await cmdMigrate(rest);
      case 'shell':
        return await cmdShell(rest);
      case 'metrics':
        return await cmdMetrics(rest);
      case 'leaderboard':
        return await cmdLeaderboard(rest);
      case 'import':
        return await (await import('./ingest-commands.js')).cmdImport(rest, withWorkspaceStore);
      case 'inbox':
        return await (await import('./ingest-commands.js')).cmdInbox(rest, withWorkspaceStore, withStore);
      case 'link':
        return await (await import('./ingest-commands.js')).cmdLink(rest, withWorkspaceStore);
      case 'target': {
        const [{ cmdTarget }, { systemClock }] = await Promise.all([
          import('./target-command.js'),
          import('../clock.js'),
        ]);
        return await cmdTarget(rest, withWorkspaceStore, () => systemClock.now());
      }
      case 'jobs': {
        const [{ loadConfig }, { createLogger }, { systemClock }, { cmdJobs }] = await Promise.all([
          import('../config.js'),
          import('../logger.js'),
          import('../clock.js'),
          import('./jobs-commands.js'),
        ]);
        const config = loadConfig();
        return await cmdJobs(rest, withWorkspaceStore, {
          config,
          logger: createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL),
          now: () => systemClock.now(),
        });
      }
      case 'bench':
        return fail('the benchmarks moved out of the kpi command: run `npm run bench` in a checkout', 2);
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        return;
      default: {
        const near = closestMatch(command, COMMANDS);
        fail(`unknown command "${command}".${near ? ` Did you mean "kpi ${near}"?` : ''}\n\n${USAGE}`, 2);
      }
    }
  } catch (error) {
    if (error instanceof Error && error.name === 'ConfigError') {
      for (const line of (error as ConfigError).lines)
        process.stderr.write(`kpi: invalid environment: ${line}\n`);
      process.exit(1);
    }
    if (isAppError(error)) {
      // A service's message marks literal values with backticks, which a terminal shows without the marks.
      const message =
        error instanceof PlainTextError
          ? (await import('../views/terminal.js')).plainOfMessage(error.message)
          : error.message;
      fail(message, error.code === 'bad_request' ? 2 : 1);
    }
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      fail(`${error.message}\n\n${USAGE}`, 2);
    }
    // Anything else (the database unreachable, Slack refusing the token ...): one line, no stack trace.
    const detail = error instanceof Error ? error.message : String(error);
    const { maskSecrets } = await import('../logger.js');
    fail(maskSecrets(detail.split('\n').find((l) => l.trim()) ?? 'failed'));
  }
}
