import { Prisma } from '../generated/sqlite/client.js';
import type { TProvider } from './provider.js';
import type { TTx } from './types.js';

/**
 * Multi-row INSERTs for bulk imports. Prisma's createMany spends most of a large import in the client
 * (measured: about 3.5 s of 5.5 s for 20k activities); one parameterised INSERT per chunk does the same
 * work in the database. Values are written exactly as Prisma writes them (SQLite: DateTime as
 * "…+00:00" text, Boolean as 0/1), so Prisma reads and compares them as its own.
 */

/** Every column of the tables bulk-inserted, with the value used when a row leaves it out. */
const TABLES = {
  Deal: {
    id: undefined,
    workspaceId: undefined,
    source: undefined,
    externalId: undefined,
    repId: null,
    ownerExternalId: null,
    title: '',
    account: null,
    product: null,
    amountMinor: 0n,
    currency: 'USD',
    pipeline: null,
    stage: undefined,
    status: 'open',
    openedAt: null,
    closedAt: null,
    lostReason: null,
    stageEnteredAt: null,
    fieldClock: '{}',
    deletedAt: null,
    createdAt: 'now',
    updatedAt: 'now',
  },
  DealStageChange: {
    id: undefined,
    workspaceId: undefined,
    dealId: undefined,
    fromStage: null,
    toStage: undefined,
    changedAt: undefined,
  },
  Activity: {
    id: undefined,
    workspaceId: undefined,
    source: undefined,
    externalId: undefined,
    repId: null,
    ownerExternalId: null,
    kind: undefined,
    personalized: null,
    count: 1,
    occurredAt: undefined,
    subject: null,
    dealExternalId: null,
    recordingUrl: null,
    deletedAt: null,
    createdAt: 'now',
    updatedAt: 'now',
  },
} as const satisfies Record<string, Record<string, unknown>>;

export type TBulkTable = keyof typeof TABLES;

function toSql(provider: TProvider, value: unknown): unknown {
  if (value instanceof Date)
    return provider === 'sqlite' ? value.toISOString().replace('Z', '+00:00') : value;
  if (typeof value === 'boolean' && provider === 'sqlite') return value ? 1 : 0;
  return value ?? null;
}

/** The last createdAt given to a bulk row in this process (see insertRows). */
let lastStamp = 0;

/**
 * Inserts rows with multi-row statements. Rows of one insert get createdAt one millisecond apart, in their order
 * (and after any earlier bulk row of this process), so "first seen" keeps a file's row order: the funnel learns
 * the stage order of CSV-only data from it (src/metrics/funnel.ts inferStageOrder).
 */
export async function insertRows(
  tx: TTx,
  provider: TProvider,
  table: TBulkTable,
  rows: Record<string, unknown>[],
  now = new Date(),
): Promise<void> {
  if (rows.length === 0) return;
  const base = Math.max(now.getTime(), lastStamp + 1);
  lastStamp = base + rows.length - 1;
  const spec = TABLES[table] as Record<string, unknown>;
  const columns = Object.keys(spec);
  const perChunk = Math.max(1, Math.floor(30_000 / columns.length));
  const head = Prisma.raw(`INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES `);
  for (let i = 0; i < rows.length; i += perChunk) {
    const values = rows.slice(i, i + perChunk).map((row, j) => {
      for (const k of Object.keys(row)) if (!(k in spec)) throw new Error(`${table} has no column ${k}`);
      const cells = columns.map((c) => {
        let v = row[c] === undefined ? spec[c] : row[c];
        if (v === 'now' && c === 'createdAt') v = new Date(base + i + j);
        if (v === 'now' && c === 'updatedAt') v = now;
        if (v === undefined) throw new Error(`${table}.${c} is required`);
        return toSql(provider, v);
      });
      return Prisma.sql`(${Prisma.join(cells)})`;
    });
    await tx.$executeRaw(Prisma.sql`${head}${Prisma.join(values)}`);
  }
}
