import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import Database from 'better-sqlite3';
import pg from 'pg';
import { sqlitePathOf } from '../../src/store/provider.js';
import { createMigratedDatabase } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';
import { until } from '../support/wait.js';

/**
 * A database that goes away and comes back, for real and on loopback only:
 * - PostgreSQL: a TCP proxy stands between the bot and the server. Going away destroys every open connection
 *   and closes the listening socket (connections are refused); coming back listens again on the same port.
 * - SQLite: another writer holds the file's write lock (`BEGIN EXCLUSIVE` on a second connection), so the bot's
 *   writes wait out their busy timeout and fail; coming back commits and closes that connection.
 */
export type TDatabaseOutage = {
  /** The URL the bot is given (through the proxy on PostgreSQL). */
  url: string;
  /** The database goes away; resolves once it is away. */
  begin(): Promise<void>;
  /** The database comes back; resolves once it can be reached again. */
  end(): Promise<void>;
  /** A count read past the bot (straight from the server, or the file), even while the bot cannot reach it. */
  count(sql: string): Promise<number>;
  /** Ends any outage and drops the database. */
  close(): Promise<void>;
};

/** A loopback TCP proxy to `target` that can refuse everything (down) and serve again (up) on one port. */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async up(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => {
      const upstream = tcpConnect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        // A destroyed peer is expected during an outage: close the other side, never throw.
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** Stops accepting (new connections are refused) and destroys every open connection. */
  async down(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

async function postgresOutage(): Promise<TDatabaseOutage> {
  const database = await createMigratedDatabase();
  const real = new URL(database.url);
  const proxy = new TcpProxy({ host: real.hostname, port: Number(real.port || 5432) });
  await proxy.up();
  const viaProxy = new URL(database.url);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  return {
    url: viaProxy.toString(),
    begin: () => proxy.down(),
    end: () => proxy.up(),
    async count(sql) {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ n: string | number }>(sql);
        return Number(rows[0]?.n);
      } finally {
        await client.end();
      }
    },
    async close() {
      await proxy.down();
      await database.drop();
    },
  };
}

async function sqliteOutage(): Promise<TDatabaseOutage> {
  const database = await createMigratedDatabase();
  const path = sqlitePathOf(database.url);
  let holder: Database.Database | undefined;
  const release = () => {
    const db = holder;
    holder = undefined;
    if (!db) return;
    db.exec('COMMIT');
    db.close();
  };
  return {
    url: database.url,
    async begin() {
      // No busy wait here: this runs on the bot's own thread, so a blocking wait would stop the bot from
      // finishing the transaction it may hold. Try, and try again on the next turn.
      const db = new Database(path, { timeout: 0 });
      await until('the SQLite write lock', () => {
        try {
          db.exec('BEGIN EXCLUSIVE');
          return true;
        } catch (error) {
          if ((error as { code?: string }).code === 'SQLITE_BUSY') return false;
          throw error;
        }
      });
      holder = db;
    },
    end: async () => release(),
    async count(sql) {
      // WAL: a reader is not held up by the writer.
      const db = new Database(path, { readonly: true, timeout: 0 });
      try {
        return Number((db.prepare(sql).get() as { n: number }).n);
      } finally {
        db.close();
      }
    },
    async close() {
      release();
      await database.drop();
    },
  };
}

/** A fresh migrated database of the provider under test, with the means to take it away. */
export function createDatabaseOutage(): Promise<TDatabaseOutage> {
  return TEST_PROVIDER === 'postgresql' ? postgresOutage() : sqliteOutage();
}
