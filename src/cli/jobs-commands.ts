import { parseArgs } from 'node:util';
import { WebClient } from '@slack/web-api';
import type { TConfig } from '../config.js';
import { AppError } from '../errors.js';
import { createLocalOutbox, createSlackOutbox, JOB_CLIENT_OPTIONS, type TOutbox } from '../jobs/outbox.js';
import { JOB_NAMES } from '../jobs/runner.js';
import type { TLogger } from '../logger.js';
import { parseEncryptionKey } from '../secret-box.js';
import { isServiceError } from '../services/errors.js';
import { jobsOverview, runJobSlot } from '../services/jobs.js';
import { createChartImages } from '../slack/charts.js';
import { createInstallationStore } from '../slack/installation-store.js';
import { LOCAL_LEADERBOARD } from '../slack/outboxes.js';
import type { TStore } from '../store/store.js';
import type { Workspace } from '../store/types.js';

type TWithStore = (
  teamId: string | undefined,
  work: (store: TStore, ws: Workspace) => Promise<void>,
) => Promise<void>;

const out = (s: string): void => {
  process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
};

export const JOBS_USAGE = `usage: kpi jobs list [--workspace <Slack team id>] [--json]
       kpi jobs run <${JOB_NAMES.join(' | ')}> [--workspace <Slack team id>] [--at <ISO time>] [--force] [--json]`;

/** A workspace's bot token: the one token, or its installation (OAuth). */
async function tokenOf(config: TConfig, store: TStore, teamId: string, logger: TLogger) {
  if (config.SLACK_BOT_TOKEN) return config.SLACK_BOT_TOKEN;
  const key = parseEncryptionKey(config.KPI_ENCRYPTION_KEY ?? '');
  if (!key) return undefined;
  const installations = createInstallationStore(store.db, key, { logger, timezone: config.KPI_TIMEZONE });
  return installations
    .fetchInstallation({ teamId, enterpriseId: undefined, isEnterpriseInstall: false })
    .then((i) => i.bot?.token)
    .catch(() => undefined);
}

/** Slack when the bot has credentials, else the terminal (local mode). */
async function outboxFor(
  config: TConfig,
  store: TStore,
  workspace: Workspace,
  logger: TLogger,
  json = false,
): Promise<TOutbox | undefined> {
  // Local mode prints the messages; with --json they go to stderr, so stdout holds only the JSON.
  if (config.slackMode === 'local')
    return createLocalOutbox((text) =>
      (json ? process.stderr : process.stdout).write(text.endsWith('\n') ? text : `${text}\n`),
    );
  const token = await tokenOf(config, store, workspace.slackTeamId, logger);
  if (!token) return undefined;
  const api = config.SLACK_API_URL ? { slackApiUrl: config.SLACK_API_URL } : {};
  const client = new WebClient(token, { ...api, ...JOB_CLIENT_OPTIONS });
  const uploads = new WebClient(token, { ...api, retryConfig: { retries: 2 }, timeout: 10_000 });
  const charts = createChartImages(logger);
  return createSlackOutbox({
    client,
    logger,
    chart: (spec) => charts.imageBlock(uploads, workspace.slackTeamId, spec),
  });
}

/** The `kpi jobs` option that carries each field of the jobs service's input. */
const OPTION_OF: Record<string, string> = { at: '--at', force: '--force' };

/**
 * A refusal of the jobs service in the terminal: its message (literals' backticks dropped) after the option it
 * concerns; a bad job name with the usage.
 */
function refusalFor(error: unknown): unknown {
  if (!isServiceError(error)) return error;
  const text = error.message.replace(/`([^`\n]+)`/g, '$1');
  if (error.field === 'job') return new AppError(error.code, `${text}\n${JOBS_USAGE}`);
  const option = error.field ? OPTION_OF[error.field] : undefined;
  return new AppError(error.code, option ? `${option}: ${text}` : text);
}

/** What `kpi jobs list` says under the coaching job when its last run had alerts no manager on Slack could get. */
export const noSlackManagerLine = (n: number) =>
  `${n} alert${n === 1 ? '' : 's'} about reps whose manager has no Slack id (sent to the KPI Bot admins, if any): give the manager a Slack id or set a manager`;

/** `kpi jobs list` and `kpi jobs run`: the scheduled jobs by hand, on the same ledger as the scheduler. */
export async function cmdJobs(
  args: string[],
  withStore: TWithStore,
  deps: { config: TConfig; logger: TLogger; now: () => Date },
): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      workspace: { type: 'string' },
      at: { type: 'string' },
      force: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    allowPositionals: true,
  });
  const [sub, jobName, ...extra] = positionals;
  // The operator: no actor (whoever runs `kpi` holds the database).
  const contextOf = (store: TStore, workspace: Workspace) => ({
    workspace,
    now: deps.now(),
    store,
    logger: deps.logger,
  });
  if (sub === 'list') {
    if (jobName || extra.length) throw new AppError('bad_request', JOBS_USAGE);
    await withStore(values.workspace, async (store, workspace) => {
      const rows = await jobsOverview(contextOf(store, workspace)).catch((e: unknown) => {
        throw refusalFor(e);
      });
      if (values.json) return out(JSON.stringify(rows));
      for (const r of rows) {
        const local = (d: Date) =>
          `${d.toISOString()} (${new Intl.DateTimeFormat('en-GB', { timeZone: r.timezone, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }).format(d)} ${r.timezone})`;
        out(
          [
            `${r.job}: "${r.schedule}" in ${r.timezone}${r.enabled ? '' : ' (off)'}`,
            ...(r.next.length ? [`  next: ${r.next.map(local).join('\n        ')}`] : []),
            `  last: ${r.last ? `${r.last.slot.toISOString()} ${r.last.status}${r.last.error ? ` (${r.last.error})` : ''}` : 'never'}`,
            ...(r.noSlackManagerAlerts ? [`  ${noSlackManagerLine(r.noSlackManagerAlerts)}`] : []),
          ].join('\n'),
        );
      }
    });
    return;
  }
  if (sub !== 'run' || !jobName || extra.length) throw new AppError('bad_request', JOBS_USAGE);
  await withStore(values.workspace, async (store, workspace) => {
    const outcome = await runJobSlot(
      contextOf(store, workspace),
      { job: jobName, at: values.at, force: values.force },
      {
        outboxFor: (ws) => outboxFor(deps.config, store, ws, deps.logger, Boolean(values.json)),
        defaultChannel:
          deps.config.KPI_LEADERBOARD_CHANNEL ??
          (deps.config.slackMode === 'local' ? LOCAL_LEADERBOARD : undefined),
        catchUpMs: deps.config.KPI_JOBS_CATCHUP_HOURS * 3_600_000,
        clock: { now: deps.now },
      },
    ).catch((e: unknown) => {
      throw refusalFor(e);
    });
    if (values.json) return out(JSON.stringify(outcome));
    out(
      `${outcome.job} ${outcome.workspace} ${outcome.slot.toISOString()}: ${outcome.status}: ${outcome.summary}`,
    );
    if (outcome.status === 'failed' || outcome.status === 'uncertain') process.exitCode = 1;
  });
}
