import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyEvent, type TOutcome } from '../../src/ingest/apply.js';
import { importCsv } from '../../src/ingest/csv/import.js';
import { rowToEvent } from '../../src/ingest/csv/layouts.js';
import { ZCanonicalEvent } from '../../src/ingest/events.js';
import type { TResolvedOwner } from '../../src/ingest/identities.js';
import { receiptProblem } from '../../src/ingest/receipt-checks.js';
import { inTransaction, type TStore } from '../../src/store/store.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';

/**
 * The bulk import path (batched rows, one JSON insert per batch, owners resolved by email in two queries, dates
 * read once per file) stores the same deals as applying each row on its own through apply.ts, the way a single
 * event is applied: random files of new, changed, unchanged and repeated rows in random order, imported twice,
 * give the same deals, stage history and counts; every won deal's celebration key is recorded as skipped.
 */

const NOW = new Date('2026-11-15T12:00:00Z');
const LATER = new Date('2026-11-16T12:00:00Z');
const REPS = [
  { name: 'Dana Scott', email: 'dana@example.com' },
  { name: 'Ben Okafor', email: 'ben@example.com' },
  // Two reps share an email: resolution by email is not unique, and must be left to the one-by-one path.
  { name: 'Twin One', email: 'twin@example.com' },
  { name: 'Twin Two', email: 'twin@example.com' },
];
const HEADER = ['deal_id', 'owner', 'title', 'amount', 'stage', 'status', 'opened_at', 'closed_at'] as const;

const rowArb = fc.record({
  deal_id: fc.constantFrom('d1', 'd2', 'd3', 'd4', 'd5', 'D1', ' d6 '),
  owner: fc.constantFrom(
    '',
    'dana@example.com',
    'DANA@Example.com',
    'ben@example.com',
    'twin@example.com',
    'mapped@example.com',
    'nobody@example.com',
    'Dana Scott',
    'not an email@',
  ),
  title: fc.constantFrom('', 'Acme', 'Acme, Inc.', 'Say "hi"', 'Ünïcødé ✓', 'line\nbreak'),
  amount: fc.constantFrom('', '10', '1,234.50', '99.999', '$5', 'abc'),
  stage: fc.constantFrom('', 'Prospecting', 'Engaging', 'Won', 'Lost', 'closed_won'),
  status: fc.constantFrom('', 'won', 'lost', 'open', 'maybe'),
  opened_at: fc.constantFrom('', '2026-01-05', '2026-02-01T10:00:00Z', '2026-02-31', '1969-12-31'),
  closed_at: fc.constantFrom('', '2026-03-01', '2026-03-01 09:30', '2300-01-01'),
});
type TRow = Record<(typeof HEADER)[number], string>;

const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;
const toCsv = (rows: TRow[]) =>
  `${[HEADER.join(','), ...rows.map((r) => HEADER.map((h) => quote(r[h])).join(','))].join('\n')}\n`;

let t: Awaited<ReturnType<typeof createTestStore>>;
let store: TStore;
let dir: string;
let fileNo = 0;
let runNo = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kpi-csv-bulk-'));
  t = await createTestStore();
  store = t.store;
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await t?.cleanup();
});

async function workspaceWithReps(tag: string) {
  const ws = await store.db.workspace.create({ data: { slackTeamId: `T${tag}`, timezone: 'Europe/Berlin' } });
  const ids = new Map<string, string>();
  for (const r of REPS) {
    const rep = await store.db.rep.create({ data: { workspaceId: ws.id, name: r.name, email: r.email } });
    ids.set(rep.id, r.name);
  }
  // An owner mapped by an identity (kpi link) to a rep whose own email is another.
  const ben = [...ids].find(([, n]) => n === 'Ben Okafor')?.[0] as string;
  await store.db.repIdentity.create({
    data: { workspaceId: ws.id, repId: ben, source: 'csv', externalId: 'email:mapped@example.com' },
  });
  return { ws, names: ids };
}

/** The reference: each row validated as the import validates it, then applied alone through apply.ts. */
async function applyOneByOne(
  ws: { id: string; timezone: string; currency: string },
  rows: TRow[],
  now: Date,
): Promise<Record<TOutcome, number>> {
  const counts = { created: 0, updated: 0, unchanged: 0 };
  const owners = new Map<string, TResolvedOwner>();
  for (const r of rows) {
    const row: Record<string, string> = {};
    for (const h of HEADER) {
      const v = r[h].trim();
      if (v !== '') row[h] = v;
    }
    if (!row.deal_id) continue;
    const parsed = ZCanonicalEvent.safeParse(rowToEvent('deals', row, 'csv'));
    if (!parsed.success) continue;
    if (receiptProblem(parsed.data, { now, currencyOf: () => ws.currency })) continue;
    try {
      const outcome = await inTransaction(store.db, (tx) =>
        applyEvent(
          {
            tx,
            workspace: ws,
            source: 'csv',
            now,
            owners,
            cacheUnmapped: true,
            untimed: true,
            operator: true,
          },
          parsed.data,
        ),
      );
      counts[outcome] += 1;
    } catch {
      // Refused when applied alone: the import refuses it too (the counts would differ otherwise).
    }
  }
  return counts;
}

async function stored(workspaceId: string, names: Map<string, string>) {
  const deals = await store.db.deal.findMany({ where: { workspaceId }, orderBy: { externalId: 'asc' } });
  const moves = await store.db.dealStageChange.findMany({ where: { workspaceId }, include: { deal: true } });
  return {
    deals: deals.map(({ id: _i, workspaceId: _w, createdAt: _c, updatedAt: _u, repId, ...d }) => ({
      ...d,
      rep: repId ? names.get(repId) : null,
    })),
    moves: moves
      .map((m) => [m.deal.externalId, m.fromStage, m.toStage, m.changedAt.toISOString()].join('|'))
      .sort(),
  };
}

describe(`CSV bulk import path against one-by-one apply (${TEST_PROVIDER})`, () => {
  it('stores the same deals, stage moves and counts for random files imported twice', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(rowArb, { minLength: 1, maxLength: 25 }),
        fc.array(rowArb, { maxLength: 25 }),
        fc.integer({ min: 1, max: 7 }),
        async (first, second, batchSize) => {
          runNo += 1;
          const bulk = await workspaceWithReps(`bulk${runNo}`);
          const ref = await workspaceWithReps(`ref${runNo}`);
          // Unchanged rows of the first file come back in the second, in another order.
          const again = [...second, ...first.filter((_, i) => i % 2 === 0)].reverse();
          for (const [rows, now] of [
            [first, NOW],
            [again, LATER],
          ] as const) {
            fileNo += 1;
            const file = join(dir, `f${fileNo}.csv`);
            writeFileSync(file, toCsv(rows));
            const s = await importCsv(store.db, {
              kind: 'deals',
              file,
              workspace: bulk.ws,
              provider: store.provider,
              now,
              batchSize,
            });
            const counts = await applyOneByOne(ref.ws, rows, now);
            expect({ created: s.created, updated: s.updated, unchanged: s.unchanged }).toEqual(counts);
          }
          expect(await stored(bulk.ws.id, bulk.names)).toEqual(await stored(ref.ws.id, ref.names));
          const won = await store.db.deal.findMany({ where: { workspaceId: bulk.ws.id, status: 'won' } });
          const keys = await store.db.moment.findMany({
            where: { workspaceId: bulk.ws.id, kind: 'celebration' },
            select: { key: true, status: true },
          });
          // A deal won in the first file keeps its key when the second says lost.
          const recorded = new Map(keys.map((k) => [k.key, k.status]));
          for (const d of won) expect(recorded.get(`won:${d.id}`)).toBe('skipped');
          expect([...recorded.values()].every((status) => status === 'skipped')).toBe(true);
        },
      ),
      { numRuns: 25 },
    );
  }, 240_000);
});
