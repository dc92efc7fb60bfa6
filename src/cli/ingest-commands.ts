import { parseArgs } from 'node:util';
import { AppError } from '../errors.js';
import { importCsv, type TImportSummary } from '../ingest/csv/import.js';
import { COLUMNS, IMPORT_KINDS, PRESETS } from '../ingest/csv/layouts.js';
import { listProblems, processInbox, retryFailed } from '../ingest/inbox.js';
import { createLogger } from '../logger.js';
import { linkCrmOwner } from '../services/links.js';
import { pendingInboxCount } from '../store/inbox.js';
import type { TStore } from '../store/store.js';
import type { Workspace } from '../store/types.js';

type TWithStore = (
  teamId: string | undefined,
  work: (store: TStore, ws: Workspace) => Promise<void>,
) => Promise<void>;

const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
const n = (x: number) => x.toLocaleString('en-US');

export const IMPORT_USAGE = `usage: kpi import <kind> <file.csv> [--preset NAME] [--map col=field,...] [--dry-run] [--json]
                  [--source NAME] [--workspace <Slack team id>]
kinds: ${IMPORT_KINDS.join(', ')}
presets: ${Object.entries(PRESETS)
  .map(([k, p]) => `${k} (${p.kind})`)
  .join(', ')}`;

/** A progress bar on stderr when it is a terminal: rows read and share of the file. */
function progressBar(kind: string) {
  if (!process.stderr.isTTY) return undefined;
  let last = 0;
  return (rows: number, share: number) => {
    const now = Date.now();
    if (share < 1 && now - last < 100) return;
    last = now;
    const width = 30;
    const filled = Math.round(share * width);
    process.stderr.write(
      `\rimporting ${kind} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(share * 100)}% ${n(rows)} rows${share >= 1 ? '\n' : ''}`,
    );
  };
}

export function renderImportSummary(s: TImportSummary): string {
  const lines = [
    `${s.dryRun ? 'dry run (nothing saved): ' : ''}${s.kind} from ${s.file}`,
    `  rows read   ${n(s.rows)}`,
    `  created     ${n(s.created)}`,
    `  updated     ${n(s.updated)}`,
    `  unchanged   ${n(s.unchanged)}`,
    `  skipped     ${n(s.skipped)}`,
  ];
  if (s.problems.length) {
    lines.push('', 'skipped rows:');
    for (const p of s.problems.slice(0, 50))
      lines.push(`  line ${p.line}${p.column ? `, column ${p.column}` : ''}: ${p.reason}`);
    if (s.skipped > 50)
      lines.push(`  … and ${n(s.skipped - 50)} more (--json lists the first ${s.problems.length})`);
  }
  if (s.funnelStages)
    lines.push(
      '',
      `funnel stages ${s.dryRun ? 'would be set' : 'set'} to ${s.funnelStages.join(', ')} (the preset's order; the workspace had none; /kpi settings funnel-stages changes it)`,
    );
  const unmapped = Object.entries(s.unmappedOwners);
  if (unmapped.length) {
    lines.push('', `owners not mapped to a rep yet (their rows are kept and count once mapped):`);
    for (const [who, rows] of unmapped.sort((a, b) => b[1] - a[1]).slice(0, 20))
      lines.push(`  ${who}: ${n(rows)} ${rows === 1 ? 'row' : 'rows'}`);
    lines.push('  map them with: kpi import reps <team.csv>, or kpi link "<rep>" <source> "<owner>"');
  }
  return lines.join('\n');
}

export async function cmdImport(args: string[], withStore: TWithStore) {
  const { values, positionals } = parseArgs({
    args,
    options: {
      preset: { type: 'string' },
      map: { type: 'string' },
      'dry-run': { type: 'boolean' },
      json: { type: 'boolean' },
      source: { type: 'string' },
      workspace: { type: 'string' },
    },
    allowPositionals: true,
  });
  const [kindArg, file] = positionals;
  const kind = kindArg ?? (values.preset ? PRESETS[values.preset]?.kind : undefined);
  if (!kind || !file) throw new AppError('bad_request', IMPORT_USAGE);
  if (!(IMPORT_KINDS as readonly string[]).includes(kind)) {
    throw new AppError('bad_request', `unknown kind "${kind}"\n${IMPORT_USAGE}`);
  }
  if (values.source !== undefined && !/^[a-z0-9_-]{1,40}$/i.test(values.source))
    throw new AppError('bad_request', '--source must be a short name such as csv or salesforce');
  await withStore(values.workspace, async (store, workspace) => {
    const summary = await importCsv(store.db, {
      kind,
      file,
      preset: values.preset,
      map: values.map,
      dryRun: values['dry-run'],
      source: values.source,
      workspace,
      provider: store.provider,
      onProgress: values.json ? undefined : progressBar(kind),
    });
    out(values.json ? JSON.stringify(summary) : renderImportSummary(summary));
  });
}

/** Runs a command on the store alone (one that spans every workspace). */
type TWithPlainStore = (work: (store: TStore) => Promise<void>) => Promise<void>;

export async function cmdInbox(args: string[], withStore: TWithStore, withPlainStore: TWithPlainStore) {
  const { values, positionals } = parseArgs({
    args,
    options: { json: { type: 'boolean' }, workspace: { type: 'string' } },
    allowPositionals: true,
  });
  const action = positionals[0] ?? 'list';
  if (!['list', 'retry'].includes(action))
    throw new AppError(
      'bad_request',
      `unknown inbox action "${action}"; usage: kpi inbox [list|retry] [--json]`,
    );
  // Without --workspace the inbox of every workspace is listed and retried (webhook events name theirs).
  const run = (work: (store: TStore, workspace: Workspace | null) => Promise<void>) =>
    values.workspace === undefined
      ? withPlainStore((store) => work(store, null))
      : withStore(values.workspace, work);
  await run(async (store, workspace) => {
    if (action === 'retry') {
      const queued = await retryFailed(store.db);
      const report = await processInbox(store.db);
      out(
        values.json
          ? JSON.stringify({ queued, ...report })
          : `queued ${n(queued)} failed events; applied ${n(report.applied)}, still failing ${n(report.failed)}, waiting for an owner ${n(report.waiting)}`,
      );
      return;
    }
    const problems = await listProblems(store.db, workspace?.id);
    const pending = await pendingInboxCount(store.db);
    if (values.json) {
      out(JSON.stringify({ pending, problems }));
      return;
    }
    const lines = [
      `${n(pending)} events waiting to be applied; ${n(problems.length)} not applied because of an error${problems.length ? ':' : '.'}`,
    ];
    for (const p of problems) {
      const next = p.waitingFor
        ? `waits for ${p.waitingFor}`
        : p.nextAttemptAt
          ? `next try ${p.nextAttemptAt.toISOString()}`
          : 'gave up (kpi inbox retry)';
      lines.push(
        `  ${p.receivedAt.toISOString()} ${p.source} ${p.eventType ?? ''} attempts ${p.attempts}, ${next}: ${p.error}`,
      );
    }
    out(lines.join('\n'));
  });
}

export async function cmdLink(args: string[], withStore: TWithStore) {
  const { values, positionals } = parseArgs({
    args,
    options: { workspace: { type: 'string' } },
    allowPositionals: true,
  });
  const [who, source, owner] = positionals;
  if (!who || !source || !owner)
    throw new AppError(
      'bad_request',
      'usage: kpi link "<rep name | email | Slack id>" <source> "<CRM owner id | email | name in the CSV>"\n  e.g. kpi link "Dana Scott" hubspot 501',
    );
  await withStore(values.workspace, async (store, workspace) => {
    // The CLI is the operator: an admin of every workspace on this database.
    const linked = await linkCrmOwner(
      {
        workspace,
        actor: { name: 'kpi CLI (operator)', workspaceAdmin: true },
        now: new Date(),
        store,
        logger: createLogger('warn'),
      },
      { who, source, owner },
    );
    const applied = await processInbox(store.db);
    out(
      `linked ${linked.source} ${linked.owner} to ${linked.rep.name}: ${n(linked.moved)} ${linked.moved === 1 ? 'fact' : 'facts'} handed over, ${n(applied.applied)} waiting ${applied.applied === 1 ? 'event' : 'events'} applied`,
    );
  });
}

export { COLUMNS };
