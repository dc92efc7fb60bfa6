import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyEvent,
  DeferredInserts,
  prefetch,
  type TApplyContext,
  type TOutcome,
} from '../../src/ingest/apply.js';
import { type TCanonicalEvent, ZCanonicalEvent } from '../../src/ingest/events.js';
import { inTransaction, type TStore } from '../../src/store/store.js';
import type { Workspace } from '../../src/store/types.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';

/**
 * What applying deal events stores, event by event: the outcome of each, every field of the deal (with its field
 * clock) and the stage history, for a webhook's timed events delivered out of order, events without a time of
 * their own, and an import's batches (deferred inserts, prefetched rows, no close date invented). Written down
 * from the code before applyDeal was split into named steps (issue 15), so the split stores exactly the same;
 * the stage history changed on purpose in issue 14 (every timed event's stage is a row, marked below).
 */
let store: TStore;
let cleanup: () => Promise<void>;
let ws: Workspace;
let danaId: string;

beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
  ws = await store.db.workspace.create({ data: { slackTeamId: 'T0APPLY', timezone: 'Europe/Berlin' } });
  danaId = (
    await store.db.rep.create({
      data: { workspaceId: ws.id, name: 'Dana Scott', email: 'dana@example.com', slackUserId: 'U0DANA' },
    })
  ).id;
});
afterAll(async () => {
  await cleanup();
});

const event = (raw: Record<string, unknown>): TCanonicalEvent => ZCanonicalEvent.parse(raw);
const receivedAt = new Date('2026-11-25T12:00:00Z');

/** Applies each event in a transaction of its own, as the inbox worker does. */
async function webhook(source: string, events: Record<string, unknown>[]): Promise<TOutcome[]> {
  const out: TOutcome[] = [];
  for (const raw of events)
    out.push(
      await inTransaction(store.db, (tx) =>
        applyEvent({ tx, workspace: ws, source, now: receivedAt }, event(raw)),
      ),
    );
  return out;
}

/** Applies a batch as `kpi import` does: untimed, deferred inserts, prefetched rows, one transaction. */
async function importBatch(events: Record<string, unknown>[]): Promise<TOutcome[]> {
  const parsed = events.map(event);
  return inTransaction(store.db, async (tx) => {
    const ctx: TApplyContext = {
      tx,
      workspace: ws,
      source: 'csv',
      now: receivedAt,
      owners: new Map(),
      cacheUnmapped: true,
      untimed: true,
      operator: true,
      deferred: new DeferredInserts(store.provider),
      known: await prefetch(tx, ws.id, 'csv', parsed),
    };
    const out: TOutcome[] = [];
    for (const ev of parsed) out.push(await applyEvent(ctx, ev));
    await ctx.deferred?.flush(tx);
    return out;
  });
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** Every stored field of a source's deals (ids as names), and each deal's stage history in time order. */
async function stored(source: string) {
  const deals = await store.db.deal.findMany({
    where: { workspaceId: ws.id, source },
    include: { stageChanges: true },
    orderBy: { externalId: 'asc' },
  });
  return deals.map((d) => ({
    externalId: d.externalId,
    rep: d.repId === danaId ? 'dana' : d.repId,
    ownerExternalId: d.ownerExternalId,
    title: d.title,
    account: d.account,
    product: d.product,
    amountMinor: String(d.amountMinor),
    currency: d.currency,
    pipeline: d.pipeline,
    stage: d.stage,
    status: d.status,
    openedAt: iso(d.openedAt),
    closedAt: iso(d.closedAt),
    lostReason: d.lostReason,
    stageEnteredAt: iso(d.stageEnteredAt),
    deletedAt: iso(d.deletedAt),
    fieldClock: JSON.parse(d.fieldClock) as unknown,
    history: d.stageChanges
      .map((c) => [c.fromStage, c.toStage, c.changedAt.toISOString()])
      .sort((a, b) => String(a[2]).localeCompare(String(b[2])) || String(a[1]).localeCompare(String(b[1]))),
  }));
}

describe(`applying deal events (${TEST_PROVIDER})`, () => {
  it('timed events in any order: each field the newest value, late moves in history, outcomes', async () => {
    const owner = { email: 'dana@example.com' };
    const outcomes = await webhook('hubspot', [
      {
        type: 'deal.upserted',
        dealId: 'A',
        title: 'Acme',
        account: 'Acme GmbH',
        amount: '1200.50',
        currency: 'EUR',
        stage: 'qualified',
        pipeline: 'default',
        openedAt: '2026-11-02T09:00:00Z',
        occurredAt: '2026-11-02T09:00:00Z',
        owner,
      },
      { type: 'deal.stage_changed', dealId: 'A', stage: 'proposal', occurredAt: '2026-11-05T09:00:00Z' },
      // A late move: history gains it, the current stage stays.
      { type: 'deal.stage_changed', dealId: 'A', stage: 'demo', occurredAt: '2026-11-04T09:00:00Z' },
      // An older title loses to the newer one.
      { type: 'deal.upserted', dealId: 'A', title: 'Acme (old)', occurredAt: '2026-11-01T00:00:00Z' },
      { type: 'deal.won', dealId: 'A', amount: 1300, occurredAt: '2026-11-10T09:00:00Z' },
      { type: 'deal.won', dealId: 'A', amount: 1300, occurredAt: '2026-11-10T09:00:00Z' },
      { type: 'deal.upserted', dealId: 'A', currency: 'JPY', occurredAt: '2026-11-12T09:00:00Z' },
      { type: 'deal.lost', dealId: 'A', lostReason: 'price', occurredAt: '2026-11-15T09:00:00Z' },
      { type: 'deal.upserted', dealId: 'A', status: 'open', occurredAt: '2026-11-16T09:00:00Z' },
      { type: 'deal.deleted', dealId: 'A', occurredAt: '2026-11-20T09:00:00Z' },
      // First seen through a move: the stage it entered then is its first history row.
      { type: 'deal.stage_changed', dealId: 'B', stage: 'demo', occurredAt: '2026-11-03T10:00:00Z' },
      // Seen in a stage before its stated creation: the row is kept (the funnel gives the stay no start).
      {
        type: 'deal.upserted',
        dealId: 'C',
        stage: 'demo',
        openedAt: '2026-11-06T00:00:00Z',
        occurredAt: '2026-11-03T00:00:00Z',
      },
      { type: 'deal.won', dealId: 'C', occurredAt: '2026-11-07T00:00:00Z' },
      { type: 'deal.lost', dealId: 'C', occurredAt: '2026-11-08T00:00:00Z', lostReason: null },
    ]);
    expect(outcomes).toEqual(EXPECTED_TIMED_OUTCOMES);
    expect(await stored('hubspot')).toEqual(EXPECTED_TIMED);
  });

  it('events without a time of their own: repeats leave clocks alone, a move dated by its close date', async () => {
    const outcomes = await webhook('generic', [
      { type: 'deal.upserted', dealId: 'U', title: 'Umbra', stage: 'new', amount: '10' },
      { type: 'deal.upserted', dealId: 'U', title: 'Umbra', stage: 'new', amount: '10' },
      { type: 'deal.upserted', dealId: 'U', amount: '10.000000' },
      {
        type: 'deal.upserted',
        dealId: 'U',
        stage: 'closedwon',
        status: 'won',
        closedAt: '2026-11-20T15:00:00Z',
      },
      { type: 'deal.upserted', dealId: 'U', stage: 'negotiation' },
    ]);
    expect(outcomes).toEqual(EXPECTED_UNTIMED_OUTCOMES);
    expect(await stored('generic')).toEqual(EXPECTED_UNTIMED);
  });

  it("an import's batches: deferred inserts, a deal named twice in one batch, no close date invented", async () => {
    const first = await importBatch([
      {
        type: 'deal.upserted',
        dealId: 'D',
        title: 'Delta',
        stage: 'new',
        amount: '99.99',
        owner: { email: 'dana@example.com' },
      },
      { type: 'deal.upserted', dealId: 'E', title: 'Echo', stage: 'closedwon', status: 'won', amount: 5 },
      { type: 'deal.upserted', dealId: 'D', stage: 'demo' },
    ]);
    const again = await importBatch([
      { type: 'deal.upserted', dealId: 'D', title: 'Delta', stage: 'demo', amount: '99.99' },
      { type: 'deal.upserted', dealId: 'E', title: 'Echo', stage: 'closedwon', status: 'won', amount: 5 },
    ]);
    const moved = await importBatch([
      { type: 'deal.upserted', dealId: 'D', stage: 'closedlost', status: 'lost', closedAt: '2026-11-21' },
      { type: 'deal.upserted', dealId: 'E', amount: '6.50', occurredAt: '2026-11-22T08:00:00Z' },
    ]);
    expect([first, again, moved]).toEqual(EXPECTED_IMPORT_OUTCOMES);
    expect(await stored('csv')).toEqual(EXPECTED_IMPORT);
  });
});

// Recorded from the code before the split (on SQLite and PostgreSQL alike).
const EXPECTED_TIMED_OUTCOMES: unknown = [
  'created',
  'updated',
  'unchanged',
  'unchanged',
  'updated',
  'unchanged',
  'updated',
  'updated',
  'updated',
  'updated',
  'created',
  'created',
  'updated',
  'updated',
];
const EXPECTED_TIMED: unknown = [
  {
    externalId: 'A',
    rep: 'dana',
    ownerExternalId: 'email:dana@example.com',
    title: 'Acme',
    account: 'Acme GmbH',
    product: null,
    amountMinor: '1300',
    currency: 'JPY',
    pipeline: 'default',
    stage: 'proposal',
    status: 'open',
    openedAt: '2026-11-02T09:00:00.000Z',
    closedAt: null,
    lostReason: 'price',
    stageEnteredAt: '2026-11-05T09:00:00.000Z',
    deletedAt: '2026-11-20T09:00:00.000Z',
    fieldClock: {
      owner: 1793610000000,
      title: 1793610000000,
      account: 1793610000000,
      pipeline: 1793610000000,
      openedAt: 1793610000000,
      currency: 1794474000000,
      amount: 1794301200000,
      $amount: '1300.000000',
      stage: 1793869200000,
      status: 1794819600000,
      closedAt: 1794819600000,
      lostReason: 1794733200000,
      deleted: 1795165200000,
    },
    // Issue 14: every timed event's stage is a row (no from-stage: the funnel reads rows in time order).
    history: [
      [null, 'qualified', '2026-11-02T09:00:00.000Z'],
      [null, 'demo', '2026-11-04T09:00:00.000Z'],
      [null, 'proposal', '2026-11-05T09:00:00.000Z'],
    ],
  },
  {
    externalId: 'B',
    rep: null,
    ownerExternalId: null,
    title: '',
    account: null,
    product: null,
    amountMinor: '0',
    currency: 'USD',
    pipeline: null,
    stage: 'demo',
    status: 'open',
    openedAt: null,
    closedAt: null,
    lostReason: null,
    stageEnteredAt: '2026-11-03T10:00:00.000Z',
    deletedAt: null,
    fieldClock: { stage: 1793700000000 },
    history: [[null, 'demo', '2026-11-03T10:00:00.000Z']],
  },
  {
    externalId: 'C',
    rep: null,
    ownerExternalId: null,
    title: '',
    account: null,
    product: null,
    amountMinor: '0',
    currency: 'USD',
    pipeline: null,
    stage: 'demo',
    status: 'lost',
    openedAt: '2026-11-06T00:00:00.000Z',
    closedAt: '2026-11-08T00:00:00.000Z',
    lostReason: null,
    stageEnteredAt: '2026-11-03T00:00:00.000Z',
    deletedAt: null,
    fieldClock: {
      openedAt: 1793664000000,
      stage: 1793664000000,
      status: 1794096000000,
      closedAt: 1794096000000,
      lostReason: 1794096000000,
    },
    // Issue 14: the stage the event saw is history even where the creation date says later.
    history: [[null, 'demo', '2026-11-03T00:00:00.000Z']],
  },
];
const EXPECTED_UNTIMED_OUTCOMES: unknown = ['created', 'unchanged', 'unchanged', 'updated', 'updated'];
const EXPECTED_UNTIMED: unknown = [
  {
    externalId: 'U',
    rep: null,
    ownerExternalId: null,
    title: 'Umbra',
    account: null,
    product: null,
    amountMinor: '1000',
    currency: 'USD',
    pipeline: null,
    stage: 'negotiation',
    status: 'won',
    openedAt: null,
    closedAt: '2026-11-20T15:00:00.000Z',
    lostReason: null,
    stageEnteredAt: '2026-11-25T12:00:00.000Z',
    deletedAt: null,
    fieldClock: {
      title: 1795608000000,
      amount: 1795608000000,
      $amount: '10.000000',
      stage: 1795608000000,
      status: 1795608000000,
      closedAt: 1795608000000,
    },
    history: [
      ['new', 'closedwon', '2026-11-20T15:00:00.000Z'],
      ['closedwon', 'negotiation', '2026-11-25T12:00:00.000Z'],
    ],
  },
];
const EXPECTED_IMPORT_OUTCOMES: unknown = [
  ['created', 'created', 'updated'],
  ['unchanged', 'unchanged'],
  ['updated', 'unchanged'],
];
const EXPECTED_IMPORT: unknown = [
  {
    externalId: 'D',
    rep: 'dana',
    ownerExternalId: 'email:dana@example.com',
    title: 'Delta',
    account: null,
    product: null,
    amountMinor: '9999',
    currency: 'USD',
    pipeline: null,
    stage: 'closedlost',
    status: 'lost',
    openedAt: null,
    closedAt: '2026-11-20T23:00:00.000Z',
    lostReason: null,
    stageEnteredAt: '2026-11-20T23:00:00.000Z',
    deletedAt: null,
    fieldClock: {
      owner: 1795608000000,
      title: 1795608000000,
      amount: 1795608000000,
      $amount: '99.99',
      stage: 1795608000000,
      status: 1795608000000,
      closedAt: 1795608000000,
    },
    history: [
      ['demo', 'closedlost', '2026-11-20T23:00:00.000Z'],
      ['new', 'demo', '2026-11-25T12:00:00.000Z'],
    ],
  },
  {
    externalId: 'E',
    rep: null,
    ownerExternalId: null,
    title: 'Echo',
    account: null,
    product: null,
    amountMinor: '500',
    currency: 'USD',
    pipeline: null,
    stage: 'closedwon',
    status: 'won',
    openedAt: null,
    closedAt: null,
    lostReason: null,
    stageEnteredAt: '2026-11-25T12:00:00.000Z',
    deletedAt: null,
    fieldClock: {
      title: 1795608000000,
      amount: 1795608000000,
      $amount: '5.000000',
      stage: 1795608000000,
      status: 1795608000000,
    },
    history: [],
  },
];
