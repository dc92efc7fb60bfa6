import { parseWorkspaceSettings } from '../domain/settings.js';
import { AppError } from '../errors.js';
import { dealCurrencies } from '../store/deals.js';
import type { TDb } from '../store/store.js';
import { workspaceCurrencyAndSettings } from '../store/workspaces.js';
import { instantWindowProblem, type TCanonicalEvent } from './events.js';
import { translate } from './sources/index.js';
import { amountDigitsProblem, toInstant } from './values.js';

/**
 * The checks a valid canonical event still has to pass where it arrives, because they need what the schema
 * does not have: the clock (no instant more than 100 years after now) and the workspace (an amount without a
 * currency is stored in its deal's currency, else the workspace's, and must not have more decimals than that
 * currency). Webhooks run them after the workspace is resolved and before anything is stored, so the sender
 * gets a 400 naming the field; a CSV import runs them on every row (csv/import.ts).
 */

/** Every instant field of the canonical events. */
export const INSTANT_FIELDS = [
  'occurredAt',
  'openedAt',
  'closedAt',
  'mqlAt',
  'convertedAt',
  'wonAt',
  'churnedAt',
  'at',
] as const;

export type TReceiptContext = {
  now: Date;
  /** The currency an amount of this deal is stored in when its event names none (as apply.ts picks it). */
  currencyOf(dealId: string): string;
};

export type TReceiptProblem = { field: string; message: string };

/** The first problem of an event found at receipt, or null. */
export function receiptProblem(ev: TCanonicalEvent, ctx: TReceiptContext): TReceiptProblem | null {
  const fields = ev as Record<string, unknown>;
  for (const field of INSTANT_FIELDS) {
    const v = fields[field];
    if (typeof v !== 'string' && typeof v !== 'number') continue;
    const message = instantWindowProblem(v, ctx.now);
    if (message) return { field, message };
  }
  if ((ev.type === 'deal.upserted' || ev.type === 'deal.won') && ev.amount !== undefined) {
    const message = amountDigitsProblem(ev.amount, ev.currency ?? ctx.currencyOf(ev.dealId));
    if (message) return { field: 'amount', message };
  }
  return null;
}

type TReceivedItem = {
  source: string;
  payload: unknown;
  /** Its canonical events when the route already has them (the generic API's, validated as received). */
  events?: TCanonicalEvent[];
};

/**
 * The order in which a request's items are stored and applied: by when their events happened (an item's
 * earliest `occurredAt`), ties and items without a time in their place in the request. Returns the indexes.
 */
export function occurrenceOrder(events: readonly TCanonicalEvent[][], timezone: string): number[] {
  const keys = events.map((list) => {
    let min = Number.POSITIVE_INFINITY;
    for (const ev of list) {
      if (ev.occurredAt === undefined) continue;
      try {
        min = Math.min(min, toInstant(ev.occurredAt, timezone).getTime());
      } catch {
        // Refused by the checks; it keeps its place.
      }
    }
    return min;
  });
  return keys
    .map((_, i) => i)
    .sort((a, b) => {
      const ka = keys[a] as number;
      const kb = keys[b] as number;
      return ka === kb || (!Number.isFinite(ka) && !Number.isFinite(kb)) ? a - b : ka < kb ? -1 : 1;
    });
}

/** How the webhook route names an item's fields in its errors (as its schema errors do). */
function prefixOf(item: TReceivedItem, index: number, count: number): string {
  if (item.source === 'hubspot') return `[${index}]`;
  if (item.source === 'pipedrive') return 'data';
  return count > 1 ? `events[${index}]` : '';
}

/**
 * The webhook route's receipt check, once the workspace is known and before the items are stored: throws a
 * 400 naming the field (e.g. `events[2].amount: USD has 2 decimal places; 1.005 has 3`), or a 503 when the
 * store cannot be read. Items are the route's validated inbox items (their source and raw payload). Returns
 * the items in the order to store them: by when their events happened, ties in request order
 * (occurrenceOrder), so a request's events are applied in the order they happened.
 */
export async function checkAtReceipt<T extends TReceivedItem>(
  db: TDb,
  workspaceId: string,
  items: readonly T[],
  now: Date,
): Promise<T[]> {
  const unavailable = () =>
    new AppError('store_unavailable', 'the events could not be checked just now; retry later');
  const workspace = await workspaceCurrencyAndSettings(db, workspaceId).catch(() => {
    throw unavailable();
  });
  if (!workspace) return [...items];
  const settings = parseWorkspaceSettings(workspace.settings);
  const received = items.map((item, index) => {
    try {
      return { item, index, events: item.events ?? translate(item.source, item.payload, settings) };
    } catch {
      // Validated by the route already; anything else is for the worker to record.
      return { item, index, events: [] as TCanonicalEvent[] };
    }
  });

  // The currency of each deal as it will be stored: one named in this request, else the deal's, else the
  // workspace's (amount and currency may arrive as separate events of one request, as HubSpot sends them).
  const named = new Map<string, string>();
  const key = (source: string, dealId: string) => `${source}\n${dealId}`;
  const wanted = new Map<string, Set<string>>();
  for (const r of received)
    for (const ev of r.events) {
      if (!('dealId' in ev) || typeof ev.dealId !== 'string') continue;
      if ((ev.type === 'deal.upserted' || ev.type === 'deal.won') && ev.currency)
        named.set(key(r.item.source, ev.dealId), ev.currency);
      if ((ev.type === 'deal.upserted' || ev.type === 'deal.won') && ev.amount !== undefined && !ev.currency)
        wanted.set(r.item.source, (wanted.get(r.item.source) ?? new Set()).add(ev.dealId));
    }
  const stored = new Map<string, string>();
  for (const [source, ids] of wanted) {
    const missing = [...ids].filter((id) => !named.has(key(source, id)));
    if (missing.length === 0) continue;
    const deals = await dealCurrencies(db, workspaceId, source, missing).catch(() => {
      throw unavailable();
    });
    for (const d of deals) stored.set(key(source, d.externalId), d.currency);
  }

  const problems: string[] = [];
  for (const r of received) {
    const prefix = prefixOf(r.item, r.index, items.length);
    const ctx: TReceiptContext = {
      now,
      currencyOf: (dealId) =>
        named.get(key(r.item.source, dealId)) ?? stored.get(key(r.item.source, dealId)) ?? workspace.currency,
    };
    for (const ev of r.events) {
      const problem = receiptProblem(ev, ctx);
      if (problem) problems.push(`${prefix ? `${prefix}.` : ''}${problem.field}: ${problem.message}`);
    }
    if (problems.length >= 5) break;
  }
  if (problems.length) throw new AppError('bad_request', problems.slice(0, 5).join('; '));
  return occurrenceOrder(
    received.map((r) => r.events),
    workspace.timezone,
  ).map((i) => items[i] as T);
}
