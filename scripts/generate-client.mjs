#!/usr/bin/env node
// Writes the provider variants of prisma/schema.prisma (scripts/schema-variants.mjs), then generates the
// Prisma clients (one per provider) from them without network access.
// Every `prisma` CLI command first tries to download the native schema engine, which an offline machine
// cannot reach; `prisma generate` does not use it, so pointing PRISMA_SCHEMA_ENGINE_BINARY at any existing
// file skips the download. Migrations are applied without any schema engine (src/store/migrate.ts).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SOURCE, writeSchemaVariants } from './schema-variants.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const prismaCli = join(dirname(require.resolve('prisma/package.json')), 'build', 'index.js');

try {
  for (const path of await writeSchemaVariants(root))
    process.stdout.write(`kpi: wrote ${path} from ${SOURCE}\n`);
} catch (error) {
  process.stderr.write(`kpi: ${error.message}\n`);
  process.exit(1);
}

const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY || !existsSync(env.PRISMA_SCHEMA_ENGINE_BINARY)) {
  env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
}

for (const provider of ['sqlite', 'postgresql']) {
  const schema = join(root, 'prisma', provider, 'schema.prisma');
  const result = spawnSync(process.execPath, [prismaCli, 'generate', '--schema', schema], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    process.stderr.write(result.stdout + result.stderr);
    process.stderr.write(`\nkpi: prisma generate failed for ${provider} (exit ${result.status})\n`);
    process.exit(result.status ?? 1);
  }
  process.stdout.write(`kpi: generated the ${provider} Prisma client\n`);
}
