import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';
import * as bg from '@prisma/schema-engine-wasm/schema_engine_bg';

// Node has WebAssembly; the project's lib settings (no DOM) do not declare it, so name the little we use.
declare const WebAssembly: {
  instantiate(
    bytes: Uint8Array,
    imports: Record<string, unknown>,
  ): Promise<{ instance: { exports: Record<string, unknown> } }>;
};

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

type TOpenedEngine = {
  engine: SchemaEngine;
  /** Frees the engine and closes every connection it opened (the engine itself leaves them open). */
  close(): Promise<void>;
};

/** Opens the WebAssembly schema engine on a driver adapter, for one schema file. */
export async function openSchemaEngine(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  schema: { path: string; content: string },
  onLog: (message: string) => void = () => {},
): Promise<TOpenedEngine> {
  const engineModule = await loadEngineModule();
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
      const adapter = await adapterFactory.connectToShadowDb();
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
