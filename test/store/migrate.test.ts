import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyMigrations, readMigrationList } from '../../src/store/migrate.js';
import { openStore } from '../../src/store/store.js';
import { createEmptyDatabase } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';

const drops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const drop of drops.splice(0)) await drop();
});

describe(`migrations on an empty ${TEST_PROVIDER} database`, () => {
  it('apply every migration, record them as prisma migrate deploy does, and re-running is a no-op', async () => {
    const db = await createEmptyDatabase();
    drops.push(db.drop);
    const expected = (await readMigrationList(TEST_PROVIDER)).migrationDirectories.map((d) => d.path);
    expect(expected.length).toBeGreaterThan(0);

    expect(await applyMigrations(db.url)).toEqual(expected);
    expect(await applyMigrations(db.url)).toEqual([]);

    const store = await openStore(db.url);
    try {
      const rows = await store.db.$queryRawUnsafe<
        { migration_name: string; finished: unknown; checksum: string }[]
      >(
        'SELECT migration_name, finished_at AS finished, checksum FROM _prisma_migrations ORDER BY migration_name',
      );
      expect(rows.map((r) => r.migration_name)).toEqual(expected);
      for (const row of rows) {
        expect(row.finished).not.toBeNull();
        expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
      }
      // The schema is really there: every model's table answers.
      expect(await store.db.workspace.count()).toBe(0);
      expect(await store.db.inboxEvent.count()).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('refuses to run against an unreachable database with an error, not a hang', async () => {
    // SQLite: a "folder" that is a regular file; PostgreSQL: a port nothing listens on.
    const notAFolder = join(mkdtempSync(join(tmpdir(), 'kpi-')), 'file');
    writeFileSync(notAFolder, '');
    const url =
      TEST_PROVIDER === 'sqlite'
        ? `file:${notAFolder}/kpi.db`
        : 'postgresql://postgres@127.0.0.1:1/kpi_nowhere';
    await expect(applyMigrations(url)).rejects.toThrow();
  });
});
