import { createAdapterFactory, providerOf, SQLITE_PRAGMAS, type TProvider } from './provider.js';
import type { TDb, TTx } from './types.js';

export type { TDb, TTx } from './types.js';

/**
 * Runs `work` in one interactive transaction: everything it writes through `tx` commits together, or nothing
 * does. For writes of several parts that must land together (e.g. linking a CRM owner and handing its facts
 * over).
 */
export function inTransaction<T>(
  db: TDb,
  work: (tx: TTx) => Promise<T>,
  /** How long it may wait to start and to finish (ms); Prisma's defaults otherwise. */
  limits?: { timeout: number; maxWait: number },
): Promise<T> {
  return limits ? db.$transaction(work, limits) : db.$transaction(work);
}

export type TStore = {
  db: TDb;
  provider: TProvider;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** Closes every connection (SQLite checkpoints its WAL). */
  close(): Promise<void>;
};

const PING_TIMEOUT_MS = 2_000;

/** Opens the store a DATABASE_URL names. Run migrations first (see migrate.ts). */
export async function openStore(databaseUrl: string): Promise<TStore> {
  const provider = providerOf(databaseUrl);
  const adapter = await createAdapterFactory(databaseUrl);
  // Only the named store's client is instantiated (and its driver loaded). The one cast between the two clients: sound because both are
  // generated from one schema with the same models, fields and relations, so every query the app writes (typed
  // against SQLite's client, which lacks some of PostgreSQL's features: other isolation levels, a
  // case-insensitive mode) means the same to PostgreSQL's; the whole suite runs on both stores.
  const db =
    provider === 'sqlite'
      ? new (await import('../generated/sqlite/client.js')).PrismaClient({ adapter })
      : (new (await import('../generated/postgresql/client.js')).PrismaClient({ adapter }) as unknown as TDb);
  if (provider === 'sqlite') {
    for (const [name, value] of Object.entries(SQLITE_PRAGMAS)) {
      await db.$queryRawUnsafe(`PRAGMA ${name} = ${value}`);
    }
  }
  let closed = false;
  return {
    db,
    provider,
    async ping() {
      if (closed) throw new Error('the store is closed');
      // A health check answers within seconds even when the database stalls instead of refusing.
      let timer: NodeJS.Timeout | undefined;
      const stalled = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('the store did not answer within 2 s')), PING_TIMEOUT_MS);
      });
      try {
        await Promise.race([db.$queryRawUnsafe('SELECT 1'), stalled]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.$disconnect();
    },
  };
}
