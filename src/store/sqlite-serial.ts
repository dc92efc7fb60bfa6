import type {
  IsolationLevel,
  SqlDriverAdapter,
  SqlMigrationAwareDriverAdapterFactory,
  SqlQuery,
  Transaction,
} from '@prisma/driver-adapter-utils';

/**
 * SQLite through one connection: Prisma's better-sqlite3 adapter runs every query on the same connection and
 * locks only transactions against each other, so a query made outside a transaction while one is open runs
 * inside it, and is rolled back with it (an acknowledged webhook event, a `/kpi log` row or a replay record
 * lost when another request's transaction failed). This wrapper gives the connection one lock: a transaction
 * holds it from BEGIN until COMMIT or ROLLBACK, and every other query waits for it.
 *
 * Code inside a transaction must use the transaction's client (`tx`), never the top-level one, which would now
 * wait for the transaction to end (until Prisma's transaction time-out rolls it back). And whatever a
 * transaction waits for, every other query of the process waits for too: keep network calls out of them (the
 * inbox's Slack email look-up for an unknown CRM owner is one, up to 5 s, in single-workspace mode).
 */

class Lock {
  #tail: Promise<void> = Promise.resolve();

  /** Resolves with a release function once every earlier holder has released. */
  acquire(): Promise<() => void> {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const ready = this.#tail.then(() => release);
    this.#tail = this.#tail.then(() => held);
    return ready;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await work();
    } finally {
      release();
    }
  }
}

function serialAdapter(inner: SqlDriverAdapter): SqlDriverAdapter {
  const lock = new Lock();
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    queryRaw: (query: SqlQuery) => lock.run(() => inner.queryRaw(query)),
    executeRaw: (query: SqlQuery) => lock.run(() => inner.executeRaw(query)),
    executeScript: (script: string) => lock.run(() => inner.executeScript(script)),
    getConnectionInfo: inner.getConnectionInfo?.bind(inner),
    dispose: () => inner.dispose(),
    async startTransaction(isolationLevel?: IsolationLevel): Promise<Transaction> {
      const release = await lock.acquire();
      let tx: Transaction;
      try {
        tx = await inner.startTransaction(isolationLevel);
      } catch (error) {
        release();
        throw error;
      }
      let released = false;
      const done = () => {
        if (!released) {
          released = true;
          release();
        }
      };
      // The transaction's own queries run under the lock it holds; ending it releases the lock.
      return Object.assign(Object.create(tx) as Transaction, {
        queryRaw: (query: SqlQuery) => tx.queryRaw(query),
        executeRaw: (query: SqlQuery) => tx.executeRaw(query),
        async commit() {
          try {
            await tx.commit();
          } finally {
            done();
          }
        },
        async rollback() {
          try {
            await tx.rollback();
          } finally {
            done();
          }
        },
      });
    },
  };
}

/** Wraps a SQLite adapter factory so that each connection it makes has one lock (see above). */
export function serialSqlite(
  factory: SqlMigrationAwareDriverAdapterFactory,
): SqlMigrationAwareDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => serialAdapter(await factory.connect()),
    connectToShadowDb: async () => serialAdapter(await factory.connectToShadowDb()),
  };
}
