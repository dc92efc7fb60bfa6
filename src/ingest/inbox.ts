import { createHash } from 'node:crypto';
import { parseWorkspaceSettings } from '../domain/settings.js';
import type { TLogger } from '../logger.js';
import {
  anyDueInboxEvent,
  claimInboxBatch,
  claimInboxEvent,
  clearInboxFailures,
  inboxEventByKey,
  inboxProblems,
  insertInboxEventGroups,
  insertInboxEvents,
  lockApplyKeys,
  recordInboxFailure,
  releaseInboxClaims,
  retryFailedInboxEvents,
  type TNewInboxEvent,
} from '../store/inbox.js';
import { inTransaction } from '../store/store.js';
import type { InboxEvent, TDb, TTx } from '../store/types.js';
import { applyWorkspaceOf } from '../store/workspaces.js';
import {
  applyEvent,
  NotYetApplicable,
  prefetch,
  type TApplyContext,
  type TOutcome,
  WaitingForOwner,
} from './apply.js';
import type { TCanonicalEvent } from './events.js';
import type { TSlackUserLookup } from './identities.js';
import { translate } from './sources/index.js';

/**
 * The durable inbox. A receiver stores each raw event (deduplicated by its key) before it answers 2xx; the
 * worker applies stored events, each in one transaction that also marks it applied, so an event is applied
 * exactly once even if the process dies at any point, and a failure keeps the row for a retry with back-off.
 */

export type TInboxItem = {
  workspaceId: string;
  /** hubspot | pipedrive | generic | slack */
  source: string;
  /** The source's own id of the event, or null to key it by a hash of its content. */
  eventId: string | null;
  eventType: string;
  /** The raw event as received (one element of a batch). */
  payload: unknown;
};

/** The dedupe key of an item: source + the source's event id, else a content hash. */
export function dedupeKeyOf(item: TInboxItem): string {
  if (item.eventId) return `${item.source}:${item.workspaceId}:${item.eventId}`;
  const hash = createHash('sha256').update(JSON.stringify(item.payload)).digest('hex');
  return `${item.source}:${item.workspaceId}:sha256:${hash}`;
}

/**
 * Stores items durably in one transaction; duplicates of stored events are dropped (ON CONFLICT DO NOTHING).
 * Returns how many were new. When it resolves, the events survive a crash: only then may a receiver answer 2xx.
 */
export async function storeInboxItems(db: TDb, items: TInboxItem[], now = new Date()): Promise<number> {
  if (items.length === 0) return 0;
  return insertInboxEvents(
    db,
    items.map((item) => newInboxEvent(item, dedupeKeyOf(item), now)),
  );
}

function newInboxEvent(item: TInboxItem, dedupeKey: string, receivedAt: Date): TNewInboxEvent {
  return {
    workspaceId: item.workspaceId,
    source: item.source,
    dedupeKey,
    eventType: item.eventType,
    payload: JSON.stringify(item.payload),
    receivedAt,
  };
}

/** Rows per multi-row INSERT of the batcher (9 parameters each, well under SQLite's limit). */
const GROUP_ROWS = 1_000;
/** Rows per group-commit transaction. */
const GROUP_MAX = 5_000;

/**
 * Group commit for receivers: the items of every request that arrives while a write is under way are stored
 * together, in one multi-row `INSERT … ON CONFLICT DO NOTHING RETURNING` per 1,000 rows, in one transaction.
 * Each request's promise resolves (with how many of its items were new) only after that transaction committed,
 * so a 2xx still means "durably stored"; if it fails, every request in it fails (and its sender retries).
 */
export function createInboxBatcher(db: TDb) {
  type TPending = { items: TInboxItem[]; now: Date; resolve(n: number): void; reject(e: unknown): void };
  let queue: TPending[] = [];
  let writing = false;
  let lastStore = 0;

  async function flush(): Promise<void> {
    writing = true;
    try {
      await drain();
    } finally {
      writing = false;
    }
  }

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      // At most about GROUP_MAX rows per transaction (whole requests), so a write lock is never held long.
      let take = 0;
      let rowsTaken = 0;
      while (take < queue.length && (take === 0 || rowsTaken < GROUP_MAX)) {
        rowsTaken += queue[take]?.items.length ?? 0;
        take += 1;
      }
      const batch = queue.slice(0, take);
      queue = queue.slice(take);
      try {
        // Each item's key once (a keyless event's key is a hash of its whole payload).
        const keyed = batch.map((p) => ({ p, keys: p.items.map(dedupeKeyOf) }));
        const rows = keyed.flatMap(({ p, keys }) =>
          p.items.map((item, i) => newInboxEvent(item, keys[i] as string, p.now)),
        );
        const inserted = new Set(await insertInboxEventGroups(db, rows, GROUP_ROWS));
        // A key new in this batch counts once, for the first request that carried it.
        for (const { p, keys } of keyed) p.resolve(keys.filter((key) => inserted.delete(key)).length);
      } catch (error) {
        if (batch.length === 1) batch[0]?.reject(error);
        // One request's bad rows must not fail the others: each is stored on its own.
        else for (const p of batch) await storeInboxItems(db, p.items, p.now).then(p.resolve, p.reject);
      }
    }
  }

  return {
    /** Whether a request was stored in the last 50 ms (a burst is arriving). */
    receiving: () => writing || Date.now() - lastStore < 50,
    /** Stores a request's items; resolves after they are committed, with how many were new. */
    store(items: TInboxItem[], now = new Date()): Promise<number> {
      lastStore = Date.now();
      if (items.length === 0) return Promise.resolve(0);
      return new Promise<number>((resolve, reject) => {
        queue.push({ items, now, resolve, reject });
        if (!writing) void flush();
      });
    },
  };
}
export type TInboxBatcher = ReturnType<typeof createInboxBatcher>;

/** Back-off after the n-th failed attempt: 5 s, 10 s, 20 s … capped at one hour. */
export function backoffMs(attempts: number): number {
  return Math.min(5_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}
/** How often an event waiting for its owner is tried again anyway. */
export const WAITING_RECHECK_MS = 3_600_000;
/** After this many failed attempts an event waits for `kpi inbox retry`. */
export const MAX_ATTEMPTS = 12;

export type TApplyReport = {
  applied: number;
  failed: number;
  waiting: number;
  outcomes: Record<TOutcome, number>;
};

export type TInboxOptions = {
  logger?: TLogger;
  now?: () => Date;
  lookupSlackUser?: TSlackUserLookup;
  /** Called after each event is applied (e.g. to refresh dashboards); errors are ignored. */
  onApplied?: (workspaceId: string) => void;
  /** True while receivers are storing events: the worker then pauses briefly between batches, so answers win. */
  receiving?: () => boolean;
  /** Events applied per transaction (APPLY_BATCH). */
  batchSize?: number;
};

/** How long the worker steps aside between batches while receivers are busy. */
const YIELD_MS = 2;

type TRow = InboxEvent;
type TWorkspaceRow = { id: string; timezone: string; currency: string; settings: string };
export type TRowResult =
  | { status: 'applied'; outcomes: TOutcome[] }
  | { status: 'taken' }
  | { status: 'failed' | 'waiting'; error: string };

/**
 * Applies one stored event in one transaction that first claims it; a failure is recorded on the row (with
 * the next attempt's time, or the owner it waits for). `taken` means another process applied it first.
 */
async function applyRow(
  db: TDb,
  row: TRow,
  workspace: TWorkspaceRow,
  opts: TInboxOptions,
  now: () => Date,
): Promise<TRowResult> {
  try {
    const outcomes = await inTransaction(
      db,
      async (tx) => {
        if (!(await claimInboxEvent(tx, row.id, now()))) return null;
        const events = eventsOf(row, workspace);
        await lockApplyKeys(tx, lockKeysOf(row, events));
        return applyEvents(tx, row, workspace, events, opts);
      },
      { timeout: 30_000, maxWait: 10_000 },
    );
    if (outcomes === null) return { status: 'taken' };
    notifyApplied(opts, row);
    return { status: 'applied', outcomes };
  } catch (error) {
    const failure = failureOf(row, error, now());
    // Recording the failure can fail too (the store is away): that ends the worker's pass (it tries again at the
    // next poll, rather than waiting on every due row in turn), and the row stays due.
    await recordInboxFailure(db, row.id, failure.record);
    return reportFailure(row, failure, opts);
  }
}

/** The canonical events of a stored row (throws on a payload its source no longer accepts). */
function eventsOf(row: TRow, workspace: TWorkspaceRow): TCanonicalEvent[] {
  return translate(row.source, JSON.parse(row.payload), parseWorkspaceSettings(workspace.settings));
}

/** Applies a row's events in the caller's transaction (which has claimed the row). */
async function applyEvents(
  tx: TTx,
  row: TRow,
  workspace: TWorkspaceRow,
  events: TCanonicalEvent[],
  opts: TInboxOptions,
  cache: Pick<TApplyContext, 'known' | 'owners' | 'cacheUnmapped'> = {},
): Promise<TOutcome[]> {
  const ctx: TApplyContext = {
    tx,
    workspace,
    source: row.source,
    now: row.receivedAt,
    lookupSlackUser: opts.lookupSlackUser,
    ...cache,
  };
  const out: TOutcome[] = [];
  for (const ev of events) {
    out.push(await applyEvent(ctx, ev));
    // A change of people may change whom an owner resolves to: resolve again after it.
    if (ev.type === 'rep.upserted') ctx.owners?.clear();
  }
  return out;
}

/**
 * What an event writes, as lock keys: two workers never apply events about the same deal, activity, lead,
 * customer, post or reading at once, nor two changes of people (lockApplyKeys).
 */
function lockKeysOf(row: TRow, events: TCanonicalEvent[]): string[] {
  return events.map((ev) => lockKeyOf(row, ev));
}

function lockKeyOf(row: TRow, ev: TCanonicalEvent): string {
  const at = `${row.workspaceId}:${row.source}`;
  switch (ev.type) {
    case 'deal.upserted':
    case 'deal.stage_changed':
    case 'deal.won':
    case 'deal.lost':
    case 'deal.deleted':
      return `${at}:deal:${ev.dealId}`;
    case 'lead.upserted':
    case 'lead.qualified':
    case 'lead.converted':
      return `${at}:lead:${ev.leadId}`;
    case 'customer.won':
    case 'customer.churned':
      return `${at}:customer:${ev.customerId}`;
    case 'activity.logged':
    case 'activity.deleted':
      return `${at}:activity:${ev.activityId}`;
    case 'social.post':
      return `${row.workspaceId}:post:${ev.network}:${ev.postId}`;
    case 'social.snapshot':
      return `${row.workspaceId}:snapshot:${ev.network}:${ev.metric}`;
    case 'training.result':
      return `${at}:training:${ev.resultId ?? ev.course}`;
    case 'rep.upserted':
      return `${row.workspaceId}:people`;
  }
}

/** Events applied in one transaction by the worker (fewer commits and round trips than one per event). */
export const APPLY_BATCH = 100;
/**
 * A batch stops taking events after this long (the rest are given back, for the next batch): a batch whose
 * events wait on Slack (an owner's email looked up) must not hold the store, which on SQLite is every query of
 * the process, or its rows and locks on PostgreSQL, for long.
 */
export const BATCH_BUDGET_MS = 1_000;
/** Events per batch while requests are arriving (processInbox). */
export const RECEIVING_BATCH = 10;

type TBatchResult = { row: TRow; result: TRowResult };

/** An event of a batch that failed: the batch is given up, and that row is applied alone (applyRow). */
class BatchEventFailed extends Error {
  constructor(
    readonly row: TRow,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/**
 * Claims and applies up to `take` due events in ONE transaction, with the deals and activities they name loaded
 * up front (two queries per workspace and source) and each owner resolved once (found or not). Returns null
 * when nothing was due. If an event fails (an owner to wait for, a bad payload), nothing of the batch stays:
 * that row alone is then applied in its own transaction (applyRow, which records its failure), and the other
 * rows are due again for the next batch (a failure costs the work of the events before it once more). If the
 * transaction itself fails (a deadlock, a time-out), its rows are applied one by one.
 */
async function applyBatch(
  db: TDb,
  opts: TInboxOptions,
  now: () => Date,
  skip: Set<string>,
  take: number,
  workspaces: Map<string, TWorkspaceRow>,
): Promise<TBatchResult[] | null> {
  let held: TRow[] = [];
  const workspaceOf = async (row: TRow) => {
    const wsId = row.workspaceId as string;
    let ws = workspaces.get(wsId);
    if (!ws) {
      ws = await applyWorkspaceOf(db, wsId);
      workspaces.set(wsId, ws);
    }
    return ws;
  };
  if (!(await anyDueInboxEvent(db, now()))) return null;
  let results: TBatchResult[];
  try {
    results = await inTransaction(
      db,
      async (tx) => {
        held = await claimInboxBatch(tx, now(), skip, take);
        const prepared: { row: TRow; ws: TWorkspaceRow; events: TCanonicalEvent[] }[] = [];
        for (const row of held) {
          const wsId = row.workspaceId as string;
          let ws = workspaces.get(wsId);
          if (!ws) {
            ws = await applyWorkspaceOf(tx, wsId);
            workspaces.set(wsId, ws);
          }
          try {
            prepared.push({ row, ws, events: eventsOf(row, ws) });
          } catch (error) {
            throw new BatchEventFailed(row, error);
          }
        }
        await lockApplyKeys(
          tx,
          prepared.flatMap((p) => lockKeysOf(p.row, p.events)),
        );
        // Deals and activities per workspace and source (an id means something only within its source); owners
        // per workspace (their cache key names the source), forgotten after any change of people.
        const known = new Map<string, TApplyContext['known']>();
        const owners = new Map<string, NonNullable<TApplyContext['owners']>>();
        for (const { row } of prepared) {
          const key = `${row.workspaceId}\u0000${row.source}`;
          if (!owners.has(row.workspaceId as string)) owners.set(row.workspaceId as string, new Map());
          if (known.has(key)) continue;
          const events = prepared
            .filter((p) => p.row.workspaceId === row.workspaceId && p.row.source === row.source)
            .flatMap((p) => p.events);
          known.set(key, await prefetch(tx, row.workspaceId as string, row.source, events));
        }
        const started = performance.now();
        const out: TBatchResult[] = [];
        for (const [i, { row, ws, events }] of prepared.entries()) {
          if (i > 0 && performance.now() - started > BATCH_BUDGET_MS) {
            await releaseInboxClaims(
              tx,
              prepared.slice(i).map((p) => p.row.id),
            );
            break;
          }
          let outcomes: TOutcome[];
          try {
            outcomes = await applyEvents(tx, row, ws, events, opts, {
              known: known.get(`${row.workspaceId}\u0000${row.source}`),
              owners: owners.get(row.workspaceId as string),
              // An owner not found stays not found for the rest of the batch (one Slack look-up, not one per event).
              cacheUnmapped: true,
            });
          } catch (error) {
            throw new BatchEventFailed(row, error);
          }
          out.push({ row, result: { status: 'applied', outcomes } });
        }
        await clearInboxFailures(
          tx,
          out.map((r) => r.row.id),
        );
        return out;
      },
      { timeout: 30_000, maxWait: 10_000 },
    );
  } catch (error) {
    if (held.length === 0) throw error;
    if (error instanceof BatchEventFailed)
      return [
        { row: error.row, result: await applyRow(db, error.row, await workspaceOf(error.row), opts, now) },
      ];
    opts.logger?.info({ err: error, events: held.length }, 'inbox batch not applied together; one by one');
    const out: TBatchResult[] = [];
    for (const row of held)
      out.push({ row, result: await applyRow(db, row, await workspaceOf(row), opts, now) });
    return out;
  }
  if (held.length === 0) return null;
  for (const r of results) notifyApplied(opts, r.row);
  return results;
}

/** Tells the caller an event was applied; its errors are ignored (they must not undo or repeat the apply). */
function notifyApplied(opts: TInboxOptions, row: TRow): void {
  if (!row.workspaceId) return;
  try {
    opts.onApplied?.(row.workspaceId);
  } catch (error) {
    opts.logger?.warn({ err: error }, 'onApplied failed');
  }
}

type TFailure = {
  record: { attempts: number; error: string; waitingFor: string | null; nextAttemptAt: Date | null };
  message: string;
  quiet: boolean;
};

/** What a failed attempt records on its row: the error, the owner it waits for, and when to try again. */
function failureOf(row: TRow, error: unknown, now: Date): TFailure {
  const attempts = row.attempts + 1;
  const waiting = error instanceof WaitingForOwner ? error.waitingFor : null;
  const message = error instanceof Error ? error.message : String(error);
  return {
    record: {
      attempts,
      error: message.slice(0, 2000),
      waitingFor: waiting,
      // Waiting for an owner: linking wakes it at once; an hourly look catches owners who became reps otherwise.
      nextAttemptAt: waiting
        ? new Date(now.getTime() + WAITING_RECHECK_MS)
        : attempts >= MAX_ATTEMPTS
          ? null
          : new Date(now.getTime() + backoffMs(attempts)),
    },
    message,
    quiet: waiting !== null || error instanceof NotYetApplicable,
  };
}

function reportFailure(row: TRow, failure: TFailure, opts: TInboxOptions): TRowResult {
  const { attempts, waitingFor } = failure.record;
  opts.logger?.[failure.quiet ? 'info' : 'warn'](
    { event: row.dedupeKey, attempts, err: failure.message },
    'inbox event not applied yet',
  );
  return { status: waitingFor ? 'waiting' : 'failed', error: failure.message };
}

/**
 * Stores items and applies them at once, for a caller that answers with the result (`/kpi log`). Each is still
 * stored first: if applying fails, the event stays in the inbox and is retried like any other.
 */
export async function storeAndApply(
  db: TDb,
  items: TInboxItem[],
  opts: TInboxOptions = {},
): Promise<TRowResult[]> {
  const now = opts.now ?? (() => new Date());
  await storeInboxItems(db, items, now());
  const out: TRowResult[] = [];
  const workspaces = new Map<string, TWorkspaceRow>();
  for (const item of items) {
    // Stored: whatever fails from here on, the worker applies it later, so it is reported as saved but not
    // counted yet (never as "nothing was saved", which would make the person log it twice).
    try {
      const row = await inboxEventByKey(db, dedupeKeyOf(item));
      if (row.appliedAt) {
        out.push({ status: 'taken' });
        continue;
      }
      let workspace = workspaces.get(item.workspaceId);
      if (!workspace) {
        workspace = await applyWorkspaceOf(db, item.workspaceId);
        workspaces.set(item.workspaceId, workspace);
      }
      out.push(await applyRow(db, row, workspace, opts, now));
    } catch (error) {
      opts.logger?.warn({ err: error }, 'a stored event could not be applied at once; the worker will');
      out.push({ status: 'failed', error: error instanceof Error ? error.message : String(error) });
    }
  }
  return out;
}

/**
 * Applies due events (oldest first) until none is due or `limit` is reached. Safe to run in several
 * processes at once: an event is claimed inside its transaction, and a claim that loses does nothing.
 */
export async function processInbox(
  db: TDb,
  opts: TInboxOptions = {},
  limit = Number.POSITIVE_INFINITY,
): Promise<TApplyReport> {
  const now = opts.now ?? (() => new Date());
  const report: TApplyReport = {
    applied: 0,
    failed: 0,
    waiting: 0,
    outcomes: { created: 0, updated: 0, unchanged: 0 },
  };
  const skip = new Set<string>();
  const workspaces = new Map<string, TWorkspaceRow>();
  for (;;) {
    const left = limit - (report.applied + report.failed + report.waiting);
    if (left <= 0) return report;
    // Requests being answered come first: while they arrive the worker steps aside between batches and takes
    // small ones (on SQLite a batch holds the one connection the receivers' inserts need).
    const receiving = opts.receiving?.() ?? false;
    if (receiving) await new Promise((r) => setTimeout(r, YIELD_MS));
    const batch = await applyBatch(
      db,
      opts,
      now,
      skip,
      Math.min(left, opts.batchSize ?? APPLY_BATCH, receiving ? RECEIVING_BATCH : APPLY_BATCH),
      workspaces,
    );
    if (batch === null) return report;
    for (const { row, result } of batch) {
      if (result.status === 'taken') {
        skip.add(row.id);
        continue;
      }
      if (result.status === 'applied') {
        report.applied += 1;
        for (const o of result.outcomes) report.outcomes[o] += 1;
      } else report[result.status] += 1;
    }
  }
}

/**
 * Runs processInbox whenever events arrive (kick) and every `pollMs` (retries, and events stored by other
 * replicas). One pass at a time; stop() waits for the current pass.
 */
export function startInboxWorker(db: TDb, opts: TInboxOptions & { pollMs?: number; enabled?: boolean } = {}) {
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = opts.enabled === false;
  const pass = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        try {
          const r = await processInbox(db, opts);
          if (r.applied + r.failed + r.waiting > 0)
            opts.logger?.debug(
              { applied: r.applied, failed: r.failed, waiting: r.waiting },
              'inbox pass applied events',
            );
        } catch (error) {
          opts.logger?.error({ err: error }, 'inbox pass failed');
        }
      } while (again && !stopped);
    })().finally(() => {
      running = null;
    });
  };
  const timer = setInterval(pass, opts.pollMs ?? 2_000);
  timer.unref();
  pass();
  return {
    kick: pass,
    /** Resolves when no pass is running (tests wait on it). */
    async idle(): Promise<void> {
      while (running) await running;
    },
    async stop(): Promise<void> {
      stopped = true;
      clearInterval(timer);
      while (running) await running;
    },
  };
}
export type TInboxWorker = ReturnType<typeof startInboxWorker>;

/** Failed or waiting events, newest first (for `kpi inbox`). */
export async function listProblems(db: TDb, workspaceId?: string, take = 50) {
  return inboxProblems(db, workspaceId, take);
}

/**
 * Makes failed events due again now (`kpi inbox retry`), and those waiting for an owner too: an owner may have
 * become a rep in a way that did not wake them (they go back to waiting if not).
 */
export async function retryFailed(db: TDb, now = new Date()): Promise<number> {
  return retryFailedInboxEvents(db, now);
}
