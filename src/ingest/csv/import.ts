import { createReadStream, statSync } from 'node:fs';
import { parse } from 'csv-parse';
import { parseWorkspaceSettings } from '../../domain/settings.js';
import { AppError } from '../../errors.js';
import { dealCurrencies, repIdentitiesOfKeys, repIdsByEmails } from '../../store/deals.js';
import { recordImportedWins } from '../../store/moments.js';
import type { TProvider } from '../../store/provider.js';
import { inTransaction, type TDb } from '../../store/store.js';
import { updateWorkspaceSettings, workspaceById } from '../../store/workspaces.js';
import {
  applyEvent,
  DeferredInserts,
  ownerCacheKey,
  prefetch,
  type TApplyContext,
  type TOutcome,
  WaitingForOwner,
} from '../apply.js';
import { type TCanonicalEvent, ZCanonicalEvent } from '../events.js';
import { ownerKey, type TResolvedOwner } from '../identities.js';
import { INSTANT_FIELDS, receiptProblem } from '../receipt-checks.js';
import { toInstant } from '../values.js';
import { COLUMNS, FIELD_TO_COLUMN, IMPORT_KINDS, PRESETS, rowToEvent, type TImportKind } from './layouts.js';
import { importTargetRows, type TRepFound } from './targets.js';

/**
 * `kpi import`: streams a CSV file, maps its columns to a kind's canonical columns (a preset and/or --map),
 * validates every row into a canonical event and applies them in batches through the same apply functions
 * as webhooks. Re-importing a file changes nothing (every fact is keyed by its id). Bad rows are reported
 * with line, column and reason, and never stop the good ones; a bad row stores nothing. Rows pass the same
 * checks as webhook events at receipt: storable text, dates from 1970 to 100 years after `now`, amounts with
 * no more decimals than their currency (receipt-checks.ts). A line the CSV parser cannot read (an unclosed
 * quote) stops the import there: the rows before it are imported and the error says how many.
 *
 * A CSV import does not pass through the inbox: the file itself is the durable copy, and an interrupted
 * import is finished by running it again.
 */

export type TImportOptions = {
  kind: string;
  file: string;
  preset?: string | undefined;
  /** "file column=canonical column,..." */
  map?: string | undefined;
  dryRun?: boolean | undefined;
  source?: string | undefined;
  /** The calendar fields are read by the targets kind (a period's start); 1 (January, Monday) when left out. */
  workspace: {
    id: string;
    timezone: string;
    currency: string;
    fiscalYearStartMonth?: number;
    weekStartsOn?: number;
  };
  /** The store's provider (bulk inserts are written in its dialect). */
  provider: TProvider;
  now?: Date;
  batchSize?: number;
  /** Called after each batch (BATCH_ROWS rows) with rows read and the share of the file read (0..1). */
  onProgress?: (rows: number, share: number) => void;
};

export type TRowProblem = { line: number; column: string | null; reason: string };

export type TImportSummary = {
  kind: TImportKind;
  file: string;
  dryRun: boolean;
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
  /** The first problems (all are counted in `skipped`). */
  problems: TRowProblem[];
  /** Owners named in the file but not mapped to a rep (their facts wait for a mapping), with row counts. */
  unmappedOwners: Record<string, number>;
  /**
   * The funnel order this import set (the preset's, in a workspace that had none; a dry run says what it would
   * set); absent when it set none.
   */
  funnelStages?: string[];
};

const MAX_PROBLEMS = 200;

/**
 * Rows applied per transaction. Each commit costs a WAL checkpoint's worth of writing on SQLite and a round of
 * Prisma's transaction handling: importing 20k deals, the commits took 1.0 s at 2,000 rows a batch against 3.2 s
 * at 500 (docs/performance.md). A batch that fails is applied again row by row, so a bad row still costs only
 * itself.
 */
const BATCH_ROWS = 2_000;

/** The column each kind's event time comes from. */
const OCCURRED_COLUMN: Partial<Record<TImportKind, string>> = {
  activities: 'occurred_at',
  'social-snapshots': 'at',
  'social-posts': 'posted_at',
  training: 'at',
  customers: 'won_at',
};

class DryRunRollback extends Error {
  constructor(readonly outcomes: TOutcome[]) {
    super('dry run');
  }
}

export function parseMap(text: string | undefined): Record<string, string> {
  if (!text) return {};
  const out: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const [from, to] = pair.split('=').map((s) => s.trim());
    if (!from || !to) throw new AppError('bad_request', `--map: "${pair}" is not column=field`);
    out[from] = to;
  }
  return out;
}

export async function importCsv(db: TDb, opts: TImportOptions): Promise<TImportSummary> {
  const preset = opts.preset ? PRESETS[opts.preset] : undefined;
  if (opts.preset && !preset)
    throw new AppError(
      'bad_request',
      `unknown preset "${opts.preset}"; presets: ${Object.keys(PRESETS).join(', ')}`,
    );
  const kind = opts.kind as TImportKind;
  if (!IMPORT_KINDS.includes(kind))
    throw new AppError('bad_request', `unknown kind "${opts.kind}"; kinds: ${IMPORT_KINDS.join(', ')}`);
  if (preset && preset.kind !== kind)
    throw new AppError('bad_request', `preset ${opts.preset} is for ${preset.kind}, not ${kind}`);
  const columns = COLUMNS[kind];
  const known = new Set([...columns.required, ...columns.optional]);
  const map = { ...(preset?.map ?? {}), ...parseMap(opts.map) };
  for (const [from, to] of Object.entries(map)) {
    if (!known.has(to))
      throw new AppError(
        'bad_request',
        `--map ${from}=${to}: ${kind} has no column "${to}" (columns: ${[...known].join(', ')})`,
      );
  }
  let size = 0;
  try {
    const stat = statSync(opts.file);
    if (!stat.isFile())
      throw new AppError('bad_request', `cannot read ${opts.file}: it is a folder, not a CSV file`);
    size = stat.size;
  } catch (error) {
    if (error instanceof AppError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (code ?? 'unreadable');
    throw new AppError('not_found', `cannot read ${opts.file}: ${why}`);
  }

  const source = opts.source ?? 'csv';
  const summary: TImportSummary = {
    kind,
    file: opts.file,
    dryRun: Boolean(opts.dryRun),
    rows: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    problems: [],
    unmappedOwners: {},
  };
  const problem = (p: TRowProblem) => {
    summary.skipped += 1;
    if (summary.problems.length < MAX_PROBLEMS) summary.problems.push(p);
  };

  const stream = createReadStream(opts.file);
  // A read that fails after the check (permissions, a file removed or replaced) ends the import with a message,
  // not an unhandled stream error.
  stream.on('error', (error: NodeJS.ErrnoException) =>
    parser.destroy(new AppError('bad_request', `cannot read ${opts.file}: ${error.code ?? error.message}`)),
  );
  const parser = stream.pipe(
    parse({
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
    }),
  );
  const owners = new Map<string, TResolvedOwner>();
  let header: string[] | null = null;
  /** The line of the last record read (the header's at first). */
  let lastLine = 0;
  let batch: { line: number; event: TCanonicalEvent }[] = [];
  const batchSize = opts.batchSize ?? BATCH_ROWS;
  const now = opts.now ?? new Date();
  /** The file column a canonical event field came from (to name the column of a bad cell). */
  const columnOf = (field: string): string | null => {
    const canonical =
      (field === 'occurredAt' || field === 'at' ? OCCURRED_COLUMN[kind] : undefined) ??
      FIELD_TO_COLUMN[field] ??
      field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    return (Object.entries(map).find(([, to]) => to === canonical)?.[0] ?? canonical) || null;
  };
  const instants = new InstantCache(opts.workspace.timezone);
  /** Deal currencies named earlier in the file: an amount without one is stored in its deal's currency. */
  const fileCurrency = new Map<string, string>();

  /** Rows of the targets kind waiting to be stored (they are not facts: ingest/csv/targets.ts). */
  let targetBatch: { line: number; row: Record<string, string> }[] = [];
  const targetContext = {
    workspace: opts.workspace,
    calendar: {
      timezone: opts.workspace.timezone,
      fiscalYearStartMonth: opts.workspace.fiscalYearStartMonth ?? 1,
      weekStartsOn: opts.workspace.weekStartsOn ?? 1,
    },
    now,
    dryRun: Boolean(opts.dryRun),
    reps: new Map<string, TRepFound | string>(),
    dryRunSeen: new Map<string, number>(),
  };
  const flush = async () => {
    if (targetBatch.length > 0) {
      const rows = targetBatch;
      targetBatch = [];
      // A bad cell is named by the file's own column (a --map's).
      const fileColumn = (c: string) => Object.entries(map).find(([, to]) => to === c)?.[0] ?? c;
      await importTargetRows(
        db,
        rows,
        targetContext,
        (o) => {
          summary[o] += 1;
        },
        (p) => problem({ ...p, column: fileColumn(p.column) }),
      );
    }
    if (batch.length === 0) return;
    const checked = await receiptChecked(db, batch, { opts, source, now, fileCurrency, columnOf, problem });
    batch = [];
    const rows = checked.map((r) => ({ line: r.line, event: withEpochInstants(r.event, instants) }));
    await resolveEmailOwners(db, opts.workspace.id, source, rows, owners);
    await applyBatch(db, rows, { ...opts, source, owners }, summary, problem);
  };

  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      if (!header) {
        header = record;
        lastLine = info.lines;
        const mapped = new Set(header.map((h) => map[h] ?? h));
        const missing = columns.required.filter((c) => !mapped.has(c));
        if (missing.length)
          throw new AppError(
            'bad_request',
            `${opts.file}: the header lacks ${missing.join(', ')} (has ${header.join(', ')}); use --map file_column=${missing[0]} or a --preset`,
          );
        continue;
      }
      summary.rows += 1;
      const line = info.lines;
      lastLine = line;
      if (record.length !== header.length) {
        problem({ line, column: null, reason: `expected ${header.length} fields, found ${record.length}` });
        continue;
      }
      const row: Record<string, string> = {};
      header.forEach((k, i) => {
        const canonical = map[k] ?? k;
        const v = record[i] ?? '';
        if (v !== '' && known.has(canonical)) row[canonical] = v;
      });
      const empty = columns.required.find((c) => row[c] === undefined);
      if (empty) {
        const fileColumn = Object.entries(map).find(([, to]) => to === empty)?.[0] ?? empty;
        problem({ line, column: fileColumn, reason: 'required, but empty' });
        continue;
      }
      if (kind === 'targets') {
        targetBatch.push({ line, row });
        if (targetBatch.length >= batchSize) {
          await flush();
          opts.onProgress?.(summary.rows, size ? Math.min(1, stream.bytesRead / size) : 1);
        }
        continue;
      }
      const parsed = ZCanonicalEvent.safeParse(rowToEvent(kind, row, source));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        problem({
          line,
          column: columnOf(String(issue?.path[0] ?? '')),
          reason: issue?.message ?? 'invalid',
        });
        continue;
      }
      const ev = parsed.data;
      if ((ev.type === 'deal.upserted' || ev.type === 'deal.won') && ev.currency)
        fileCurrency.set(ev.dealId, ev.currency);
      batch.push({ line, event: ev });
      if (batch.length >= batchSize) {
        await flush();
        opts.onProgress?.(summary.rows, size ? Math.min(1, stream.bytesRead / size) : 1);
      }
    }
    await flush();
  } catch (error) {
    if (error instanceof AppError) throw error;
    const e = error as { code?: string; lines?: number; message?: string };
    // csv-parse's codes: CSV_QUOTE_NOT_CLOSED, CSV_INVALID_CLOSING_QUOTE, INVALID_OPENING_QUOTE, ...
    if (!e.code?.startsWith('CSV_') && !e.code?.startsWith('INVALID_')) throw error;
    // The rows read before the line the parser could not read are good: store them, then say what happened.
    await flush();
    const stored = summary.created + summary.updated + summary.unchanged;
    const rows = (n: number) => `${n} ${n === 1 ? 'row' : 'rows'}`;
    const line = e.code === 'CSV_QUOTE_NOT_CLOSED' ? lastLine + 1 : (e.lines ?? lastLine + 1);
    throw new AppError(
      'bad_request',
      // An unclosed quote is found only at the end of the file: it opens right after the last row read. Other
      // errors are reported by the parser where they are.
      `${opts.file}: line ${line}: ${e.message}. The import stopped there: of the ${rows(summary.rows)} read before it, ${stored} ${opts.dryRun ? 'would be imported (dry run: nothing was saved)' : stored === 1 ? 'was imported' : 'were imported'} and ${summary.skipped} skipped. Fix the line and import the file again (rows already imported are not counted twice).`,
    );
  }
  opts.onProgress?.(summary.rows, 1);
  summary.problems.sort((a, b) => a.line - b.line);
  if (preset?.stages && summary.created + summary.updated + summary.unchanged > 0)
    await presetFunnelStages(db, opts, preset.stages, summary);
  return summary;
}

/**
 * A preset that knows its export's funnel order sets it as the workspace's `funnelStages` when none is set (an
 * admin's choice is never replaced), so the funnel of CSV-only data is in the export's order.
 */
async function presetFunnelStages(
  db: TDb,
  opts: TImportOptions,
  stages: string[],
  summary: TImportSummary,
): Promise<void> {
  const unset = (settings: string) => !parseWorkspaceSettings(settings).funnelStages;
  if (opts.dryRun) {
    const ws = await workspaceById(db, opts.workspace.id);
    if (ws && unset(ws.settings)) summary.funnelStages = stages;
    return;
  }
  await updateWorkspaceSettings(db, opts.workspace.id, (ws) => {
    if (!unset(ws.settings)) return {};
    summary.funnelStages = stages;
    return { funnelStages: stages };
  });
}

/**
 * A file's dates read once each: a deals export names a few hundred distinct days in thousands of rows, and
 * reading a date in the workspace's time zone (values.ts toInstant) was a tenth of an import's time.
 */
class InstantCache {
  private readonly epochs = new Map<string, number | null>();
  constructor(private readonly timezone: string) {}

  /** The instant as epoch milliseconds, or null when toInstant refuses it (left for apply to refuse). */
  epoch(text: string): number | null {
    let ms = this.epochs.get(text);
    if (ms === undefined) {
      try {
        ms = toInstant(text, this.timezone).getTime();
      } catch {
        ms = null;
      }
      this.epochs.set(text, ms);
    }
    return ms;
  }
}

/**
 * The event with its instants given as epoch milliseconds, the same instants apply.ts would read from the text
 * (toInstant of a number is that number), so applying it no longer converts the same dates row after row. Run
 * after the receipt checks, which judge a date as written.
 */
function withEpochInstants(ev: TCanonicalEvent, cache: InstantCache): TCanonicalEvent {
  let out: Record<string, unknown> | null = null;
  for (const field of INSTANT_FIELDS) {
    const v = (ev as Record<string, unknown>)[field];
    if (typeof v !== 'string') continue;
    const ms = cache.epoch(v);
    if (ms === null) continue;
    out ??= { ...ev };
    out[field] = ms;
  }
  return (out ?? ev) as TCanonicalEvent;
}

/**
 * Whether an amount passes the currency check (values.ts amountDigitsProblem) in every currency, so its deal's
 * currency need not be looked up: a whole number of at most 10 digits (no decimals to exceed, and 14 digits in
 * minor units leave room for the 4 decimals of the currency with the most; Intl's have at most 3).
 */
function anyCurrencyTakes(amount: number | string): boolean {
  return typeof amount === 'string' && /^\d{1,10}$/.test(amount.trim());
}

/**
 * The rows of a batch that pass the receipt checks (receipt-checks.ts); the others are reported as problems.
 * An amount without a currency is checked against its deal's currency: named earlier in the file, else the
 * stored deal's (one query per batch), else the workspace's.
 */
async function receiptChecked(
  db: TDb,
  rows: { line: number; event: TCanonicalEvent }[],
  c: {
    opts: TImportOptions;
    source: string;
    now: Date;
    fileCurrency: Map<string, string>;
    columnOf: (field: string) => string | null;
    problem: (p: TRowProblem) => void;
  },
): Promise<{ line: number; event: TCanonicalEvent }[]> {
  const unknown = new Set<string>();
  for (const { event: ev } of rows)
    if ((ev.type === 'deal.upserted' || ev.type === 'deal.won') && ev.amount !== undefined && !ev.currency)
      if (!c.fileCurrency.has(ev.dealId) && !anyCurrencyTakes(ev.amount)) unknown.add(ev.dealId);
  const stored = new Map<string, string>();
  if (unknown.size > 0) {
    const deals = await dealCurrencies(db, c.opts.workspace.id, c.source, [...unknown]);
    for (const d of deals) stored.set(d.externalId, d.currency);
  }
  const ctx = {
    now: c.now,
    currencyOf: (dealId: string) =>
      c.fileCurrency.get(dealId) ?? stored.get(dealId) ?? c.opts.workspace.currency,
  };
  return rows.filter((r) => {
    const found = receiptProblem(r.event, ctx);
    if (found) c.problem({ line: r.line, column: c.columnOf(found.field), reason: found.message });
    return !found;
  });
}

/**
 * Resolves, in two queries, the owners of a batch named only by an email (a CRM export's usual owner column),
 * which apply.ts would otherwise resolve one by one (two queries each: a thousand reps cost 2,000 queries),
 * and puts them in the import's owner cache. The result is resolveOwner's (ingest/identities.ts) for such an
 * owner: the rep an identity keyed `email:…` maps to, else the rep with that email, else unmapped. An owner
 * whose answer is not unique (identities or reps that disagree) is left for resolveOwner to decide.
 */
async function resolveEmailOwners(
  db: TDb,
  workspaceId: string,
  source: string,
  rows: { event: TCanonicalEvent }[],
  owners: Map<string, TResolvedOwner>,
): Promise<void> {
  const wanted = new Map<string, { cacheKey: string; key: string }>();
  for (const { event: ev } of rows) {
    const o = 'owner' in ev ? ev.owner : undefined;
    if (!o?.email || o.id !== undefined || o.slackUserId || o.name || o.source) continue;
    const cacheKey = ownerCacheKey(source, o);
    if (owners.has(cacheKey)) continue;
    wanted.set(o.email.toLowerCase(), { cacheKey, key: ownerKey(o, source) });
  }
  if (wanted.size === 0) return;
  const emails = [...wanted.keys()];
  const [identities, reps] = await Promise.all([
    repIdentitiesOfKeys(
      db,
      workspaceId,
      emails.map((e) => `email:${e}`),
    ),
    repIdsByEmails(db, workspaceId, emails),
  ]);
  const byIdentity = new Map<string, Set<string>>();
  for (const i of identities) {
    const email = i.externalId.slice('email:'.length);
    byIdentity.set(email, (byIdentity.get(email) ?? new Set()).add(i.repId));
  }
  const byEmail = new Map<string, Set<string>>();
  for (const r of reps) if (r.email) byEmail.set(r.email, (byEmail.get(r.email) ?? new Set()).add(r.id));
  for (const [email, { cacheKey, key }] of wanted) {
    const found = byIdentity.get(email) ?? byEmail.get(email);
    if (found && found.size > 1) continue;
    owners.set(cacheKey, { repId: found ? ([...found][0] ?? null) : null, key });
  }
}

type TBatchContext = TImportOptions & { source: string; owners: Map<string, TResolvedOwner> };

async function applyBatch(
  db: TDb,
  rows: { line: number; event: TCanonicalEvent }[],
  opts: TBatchContext,
  summary: TImportSummary,
  problem: (p: TRowProblem) => void,
) {
  const now = opts.now ?? new Date();
  const run = async (list: typeof rows): Promise<TOutcome[]> => {
    try {
      return await inTransaction(
        db,
        async (tx) => {
          const ctx: TApplyContext = {
            tx,
            workspace: opts.workspace,
            source: opts.source,
            now,
            owners: opts.owners,
            cacheUnmapped: true,
            untimed: true,
            // The operator's own file: it may give people their roles (webhooks may not).
            operator: true,
            deferred: new DeferredInserts(opts.provider),
            known: await prefetch(
              tx,
              opts.workspace.id,
              opts.source,
              list.map((r) => r.event),
            ),
          };
          const outcomes: TOutcome[] = [];
          for (const r of list) outcomes.push(await applyEvent(ctx, r.event));
          await ctx.deferred?.flush(tx);
          if (opts.dryRun) throw new DryRunRollback(outcomes);
          // The file's wins are history, never celebrated (whatever --source says): their keys with the deals.
          const dealIds = list.flatMap(({ event: e }) =>
            e.type.startsWith('deal.') && 'dealId' in e && typeof e.dealId === 'string' ? [e.dealId] : [],
          );
          await recordImportedWins(tx, opts.workspace.id, opts.source, dealIds, now);
          return outcomes;
        },
        { timeout: 120_000, maxWait: 30_000 },
      );
    } catch (error) {
      if (error instanceof DryRunRollback) return error.outcomes;
      throw error;
    }
  };
  const count = (outcomes: TOutcome[], list: typeof rows) => {
    outcomes.forEach((o, i) => {
      summary[o] += 1;
      const ev = list[i]?.event;
      const who = ev && 'owner' in ev ? ev.owner : undefined;
      if (!who) return;
      const resolved = opts.owners.get(ownerCacheKey(opts.source, who));
      if (resolved && !resolved.repId) {
        const label = who.name ?? who.email ?? String(who.id);
        summary.unmappedOwners[label] = (summary.unmappedOwners[label] ?? 0) + 1;
      }
    });
  };
  try {
    count(await run(rows), rows);
    return;
  } catch {
    // Some row failed and the batch rolled back: apply row by row, so a bad row costs only itself.
  }
  for (const r of rows) {
    try {
      count(await run([r]), [r]);
    } catch (error) {
      const reason =
        error instanceof WaitingForOwner
          ? `nobody called ${ownerLabel(r.event) ?? error.waitingFor} is a rep yet (import reps first, or kpi link)`
          : error instanceof Error
            ? (error.message.split('\n').find((l) => l.trim()) ?? 'failed')
            : String(error);
      problem({ line: r.line, column: error instanceof WaitingForOwner ? 'owner' : null, reason });
    }
  }
}

function ownerLabel(ev: TCanonicalEvent): string | undefined {
  const o = 'owner' in ev ? ev.owner : undefined;
  return o ? (o.name ?? o.email ?? (o.id === undefined ? undefined : String(o.id))) : undefined;
}
