import { parseArgs } from 'node:util';
import { WebClient } from '@slack/web-api';
import type { TConfig } from '../config.js';
import { AppError } from '../errors.js';
import { createLocalOutbox, createSlackOutbox, JOB_CLIENT_OPTIONS, type TOutbox } from '../jobs/outbox.js';
import { JOB_NAMES, jobSettings, jobsOverview, runJobSlot } from '../jobs/runner.js';
import { slotAtOrBefore } from '../jobs/schedule.js';
import type { TLogger } from '../logger.js';
import { parseEncryptionKey } from '../secret-box.js';
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
       kpi jobs run <${JOB_NAMES.join(' | ')}> [--workspace <Slack team id>] [--at <ISO time>] [--force]`;

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
): Promise<TOutbox | undefined> {
  if (config.slackMode === 'local') return createLocalOutbox((text) => out(text));
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
  if (sub === 'list') {
    if (jobName || extra.length) throw new AppError('bad_request', JOBS_USAGE);
    await withStore(values.workspace, async (store, workspace) => {
      const rows = await jobsOverview(store.db, workspace, deps.now());
      if (values.json) return out(JSON.stringify(rows));
      for (const r of rows) {
        const local = (d: Date) =>
          `${d.toISOString()} (${new Intl.DateTimeFormat('en-GB', { timeZone: r.timezone, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }).format(d)} ${r.timezone})`;
        out(
          [
            `${r.job}: "${r.schedule}" in ${r.timezone}${r.enabled ? '' : ' (off)'}`,
            ...(r.next.length ? [`  next: ${r.next.map(local).join('\n        ')}`] : []),
            `  last: ${r.last ? `${r.last.slot.toISOString()} ${r.last.status}${r.last.error ? ` (${r.last.error})` : ''}` : 'never'}`,
          ].join('\n'),
        );
      }
    });
    return;
  }
  if (sub !== 'run' || !jobName || extra.length) throw new AppError('bad_request', JOBS_USAGE);
  if (!(JOB_NAMES as string[]).includes(jobName))
    throw new AppError('bad_request', `"${jobName}" is not a job (${JOB_NAMES.join(', ')}).\n${JOBS_USAGE}`);
  let slot = deps.now();
  if (values.at !== undefined) {
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(values.at))
      throw new AppError(
        'bad_request',
        `--at must be an ISO time with its offset, e.g. 2026-11-23T09:00:00Z; got "${values.at}"`,
      );
    slot = new Date(values.at);
    if (Number.isNaN(slot.getTime()))
      throw new AppError('bad_request', `--at "${values.at}" is not a real time`);
  }
  const at = slot;
  await withStore(values.workspace, async (store, workspace) => {
    // The run stands for the job's latest scheduled slot at or before the time, so a hand run at 09:05 is the
    // 09:00 slot the scheduler ran (reported, not repeated); a time with no slot in the month before is its own.
    const job = jobName as (typeof JOB_NAMES)[number];
    const { schedule } = jobSettings(workspace, job);
    slot =
      slotAtOrBefore(schedule, workspace.timezone, at) ??
      new Date(Math.floor(at.getTime() / 60_000) * 60_000);
    const outcome = await runJobSlot(
      {
        db: store.db,
        logger: deps.logger,
        outboxFor: (ws) => outboxFor(deps.config, store, ws, deps.logger),
        defaultChannel:
          deps.config.KPI_LEADERBOARD_CHANNEL ??
          (deps.config.slackMode === 'local' ? LOCAL_LEADERBOARD : undefined),
        catchUpMs: deps.config.KPI_JOBS_CATCHUP_HOURS * 3_600_000,
      },
      job,
      workspace,
      slot,
      { force: values.force },
    );
    if (values.json) return out(JSON.stringify(outcome));
    out(`${jobName} ${workspace.slackTeamId} ${slot.toISOString()}: ${outcome.status}: ${outcome.summary}`);
    if (outcome.status === 'failed' || outcome.status === 'uncertain') process.exitCode = 1;
  });
}
