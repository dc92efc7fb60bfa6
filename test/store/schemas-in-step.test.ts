import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { prismaPaths, readMigrationList } from '../../src/store/migrate.js';
import { openSchemaEngine } from '../../src/store/schema-engine.js';
import { TEST_POSTGRES_URL, TEST_PROVIDER } from '../support/env.js';

/** Everything after the datasource block: the models, which must be the same for both providers. */
function modelsOf(schema: string): string {
  const end = schema.indexOf('}', schema.indexOf('datasource db'));
  return schema.slice(end + 1).trim();
}

describe('the SQLite and PostgreSQL schemas', () => {
  it('declare identical models', async () => {
    const sqlite = await readFile(prismaPaths('sqlite').schema, 'utf8');
    const postgres = await readFile(prismaPaths('postgresql').schema, 'utf8');
    expect(modelsOf(sqlite).length).toBeGreaterThan(1000);
    expect(modelsOf(postgres)).toBe(modelsOf(sqlite));
  });

  it('have the same migration history, folder by folder', async () => {
    const names = async (p: 'sqlite' | 'postgresql') =>
      (await readMigrationList(p)).migrationDirectories.map((d) => d.path);
    expect(await names('postgresql')).toEqual(await names('sqlite'));
  });

  it(`match their migrations (${TEST_PROVIDER}): no model change lacks a migration`, async () => {
    const schema = { path: prismaPaths(TEST_PROVIDER).schema, content: '' };
    schema.content = await readFile(schema.path, 'utf8');
    const url = TEST_PROVIDER === 'sqlite' ? 'file::memory:' : TEST_POSTGRES_URL;
    const { engine, close } = await openSchemaEngine(url, schema);
    try {
      const migrations = await readMigrationList(TEST_PROVIDER);
      const result = await engine.diff({
        from: { tag: 'migrations', ...migrations },
        to: { tag: 'schemaDatamodel', files: [schema] },
        script: true,
        exitCode: null,
        filters: { externalTables: [], externalEnums: [] },
      });
      expect(result.stdout?.trim()).toMatch(/^-- This is an empty migration\.?$/);
    } finally {
      await close();
    }
  });
});
