import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { bindMigrationAwareSqlAdapterFactory, ColumnTypeEnum } from '@prisma/driver-adapter-utils';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';
import * as bg from '@prisma/schema-engine-wasm/schema_engine_bg';
import pg from 'pg';
import { createAdapterFactory, providerOf } from './provider.js';

// Node has WebAssembly; the project's lib settings (no DOM) do not declare it, so name the little we use.
declare const WebAssembly: {
  instantiate(
    bytes: Uint8Array,
    imports: Record<string, unknown>,
  ): Promise<{ instance: { exports: Record<string, unknown> } }>;
};

// For maintainers only: `createMigration` (kpi migrate create) imports this module dynamically, so the bot and
// the other CLI commands never load the engine. Run-time migrations need no engine (src/store/migrate.ts).

let loaded: Promise<typeof bg> | undefined;

/**
 * Loads Prisma's schema engine compiled to WebAssembly, without experimental flags: the package's own entry
 * imports the .wasm file as an ES module, which Node 20 refuses, so the bytes are instantiated by hand.
 * The native engine cannot be downloaded on an offline machine; this one ships inside the npm package.
 */
function loadEngineModule(): Promise<typeof bg> {
  loaded ??= (async () => {
    const require = createRequire(import.meta.url);
    const dir = dirname(require.resolve('@prisma/schema-engine-wasm'));
    const bytes = await readFile(join(dir, 'schema_engine_bg.wasm'));
    const { instance } = await WebAssembly.instantiate(bytes, {
      './schema_engine_bg.js': bg,
    });
    bg.__wbg_set_wasm(instance.exports as never);
    (instance.exports.__wbindgen_start as () => void)();
    return bg;
  })();
  return loaded;
}

/**
 * The engine replays each migration file into the shadow database with one `executeRaw` call, which
 * better-sqlite3 refuses for more than one statement; run such parameterless scripts with `executeScript`.
 */
function allowScripts(adapter: SqlDriverAdapter): SqlDriverAdapter {
  const executeRaw = adapter.executeRaw.bind(adapter);
  adapter.executeRaw = async (query) => {
    try {
      return await executeRaw(query);
    } catch (error) {
      if (query.args.length > 0 || !String((error as Error)?.message).includes('more than one statement'))
        throw error;
      await adapter.executeScript(query.sql);
      return 0;
    }
  };
  return adapter;
}

type TOpenedEngine = {
  engine: SchemaEngine;
  /** Frees the engine and closes every connection it opened (the engine itself leaves them open). */
  close(): Promise<void>;
};

const CHAR_MARK = '\u0000char';

/**
 * The engine's schema describer reads catalog columns of PostgreSQL's one-byte "char" type (OID 18), which
 * the pg adapter refuses to map. Such columns are passed through as text with a marked name, and
 * `withCharColumns` reports them to the engine as the Character type it expects.
 */
function engineFriendlyPool(connectionString: string): pg.Pool {
  const pool = new pg.Pool({ connectionString, max: 2 });
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    const fix = (result: unknown) => {
      for (const r of Array.isArray(result) ? result : [result]) {
        for (const field of (r as pg.QueryResult | undefined)?.fields ?? []) {
          if (field.dataTypeID === 18) {
            field.dataTypeID = 25;
            field.name += CHAR_MARK;
          }
        }
      }
      return result;
    };
    (client as { query: unknown }).query = (...args: unknown[]) => {
      // pg.Pool#query calls the client with a callback; direct callers get a promise.
      const last = args.length - 1;
      const callback = args[last];
      if (typeof callback === 'function') {
        args[last] = (error: unknown, result: unknown) => callback(error, error ? result : fix(result));
      }
      const out = query(...args);
      return out instanceof Promise ? out.then(fix) : out;
    };
  });
  return pool;
}

function withCharColumns<T extends SqlDriverAdapter>(adapter: T): T {
  const queryRaw = adapter.queryRaw.bind(adapter);
  adapter.queryRaw = async (query) => {
    const result = await queryRaw(query);
    result.columnNames.forEach((name, i) => {
      if (name.endsWith(CHAR_MARK)) {
        result.columnNames[i] = name.slice(0, -CHAR_MARK.length);
        result.columnTypes[i] = ColumnTypeEnum.Character;
      }
    });
    return result;
  };
  return adapter;
}

async function adminQuery(connectionString: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The adapter factory the engine runs on: PostgreSQL gets its own pools and shadow database handling. */
async function engineAdapterFactory(databaseUrl: string): Promise<SqlMigrationAwareDriverAdapterFactory> {
  if (providerOf(databaseUrl) === 'sqlite')
    return (await createAdapterFactory(databaseUrl)) as PrismaBetterSqlite3;
  const connect = async (url: string) =>
    withCharColumns(await new PrismaPg(engineFriendlyPool(url), { disposeExternalPool: true }).connect());
  return {
    provider: 'postgres',
    adapterName: '@prisma/adapter-pg',
    connect: () => connect(databaseUrl),
    connectToShadowDb: async () => {
      const name = `prisma_migrate_shadow_db_${randomUUID().replace(/-/g, '')}`;
      await adminQuery(databaseUrl, `CREATE DATABASE "${name}"`);
      const url = new URL(databaseUrl);
      url.pathname = `/${name}`;
      const adapter = await connect(url.toString());
      const dispose = adapter.dispose.bind(adapter);
      adapter.dispose = async () => {
        await dispose();
        await adminQuery(databaseUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      };
      return adapter;
    },
  };
}

/** Opens the WebAssembly schema engine on the database a URL names, for one schema file. */
export async function openSchemaEngine(
  databaseUrl: string,
  schema: { path: string; content: string },
  onLog: (message: string) => void = () => {},
): Promise<TOpenedEngine> {
  const engineModule = await loadEngineModule();
  const adapterFactory = await engineAdapterFactory(databaseUrl);
  const opened: SqlDriverAdapter[] = [];
  const tracked: SqlMigrationAwareDriverAdapterFactory = {
    provider: adapterFactory.provider,
    adapterName: adapterFactory.adapterName,
    connect: async () => {
      const adapter = await adapterFactory.connect();
      opened.push(adapter);
      return adapter;
    },
    connectToShadowDb: async () => {
      const adapter = allowScripts(await adapterFactory.connectToShadowDb());
      opened.push(adapter);
      return adapter;
    },
  };
  const engine = await engineModule.SchemaEngine.new(
    { datamodels: [[schema.path, schema.content]] },
    (message: string) => onLog(message),
    bindMigrationAwareSqlAdapterFactory(tracked),
  );
  return {
    engine,
    async close() {
      engine.free();
      await Promise.allSettled(opened.splice(0).map((a) => a.dispose()));
    },
  };
}
