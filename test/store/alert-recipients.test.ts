import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { alertOfWorkspace, claimAlert, recordAlertSent, wasAlertSentTo } from '../../src/store/alerts.js';
import { applyMigrations, prismaPaths } from '../../src/store/migrate.js';
import { sqlitePathOf } from '../../src/store/provider.js';
import { openStore } from '../../src/store/store.js';
import { createEmptyDatabase, createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';

/*
 * A coaching alert's recipients are rows (AlertRecipient), not a comma-joined AlertLog.recipientSlackId. The
 * migration that made them rows (20261130102527_alert_recipients) splits the lists stored before.
 */

const SPLIT = '20261130102527_alert_recipients';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function sql(url: string, text: string): Promise<Record<string, unknown>[]> {
  if (TEST_PROVIDER === 'sqlite') {
    const db = new Database(sqlitePathOf(url));
    try {
      const statement = db.prepare(text);
      if (statement.reader) return statement.all() as Record<string, unknown>[];
      statement.run();
      return [];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

/** A database migrated up to (not including) the split. */
async function databaseBeforeSplit(): Promise<string> {
  const db = await createEmptyDatabase();
  cleanups.push(db.drop);
  const dir = mkdtempSync(join(tmpdir(), 'kpi-before-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(prismaPaths(TEST_PROVIDER).migrations, dir, { recursive: true });
  rmSync(join(dir, SPLIT), { recursive: true });
  const applied = await applyMigrations(db.url, { migrationsDir: dir });
  expect(applied).not.toContain(SPLIT);
  return db.url;
}

describe(`AlertLog recipients as rows (${TEST_PROVIDER})`, () => {
  it('the migration splits the comma-joined lists stored before into one row per recipient', async () => {
    const url = await databaseBeforeSplit();
    const at = "'2026-11-02 08:30:00'";
    await sql(url, `INSERT INTO "Workspace" ("id", "slackTeamId", "updatedAt") VALUES ('w1', 'T1', ${at})`);
    await sql(
      url,
      `INSERT INTO "Rep" ("id", "workspaceId", "name", "updatedAt") VALUES ('r1', 'w1', 'Lee Park', ${at})`,
    );
    // As the bot wrote them: the people reached (sent), or everyone tried (failed, uncertain); a local-mode
    // manager by name; nothing yet while sending; hand-edited noise (blanks, an empty item, a repeat).
    const before: [string, string, string | null][] = [
      ['a1', 'sent', 'U0MIA'],
      ['a2', 'sent', 'U0ADA,U0BEN,U0CY'],
      ['a3', 'failed', 'U0ADA,U0BEN'],
      ['a4', 'uncertain', ' U0DEE , U0EVE,,U0DEE'],
      ['a5', 'sending', null],
      ['a6', 'handled', 'U0MIA'],
      ['a7', 'sent', ''],
      ['a8', 'snoozed', 'Mia Manager'],
    ];
    for (const [id, status, list] of before) {
      await sql(
        url,
        `INSERT INTO "AlertLog" ("id", "workspaceId", "repId", "rule", "periodKey", "recipientSlackId", "status", "updatedAt")
         VALUES ('${id}', 'w1', 'r1', 'rule_${id}', '2026-10', ${list === null ? 'NULL' : `'${list}'`}, '${status}', ${at})`,
      );
    }

    expect(await applyMigrations(url)).toEqual([SPLIT]);

    const rows = await sql(
      url,
      'SELECT "alertLogId", "slackUserId", "delivery" FROM "AlertRecipient" ORDER BY "alertLogId", "slackUserId"',
    );
    expect(rows.map((r) => [r.alertLogId, r.slackUserId, r.delivery])).toEqual([
      ['a1', 'U0MIA', 'delivered'],
      ['a2', 'U0ADA', 'delivered'],
      ['a2', 'U0BEN', 'delivered'],
      ['a2', 'U0CY', 'delivered'],
      ['a3', 'U0ADA', 'refused'],
      ['a3', 'U0BEN', 'refused'],
      ['a4', 'U0DEE', 'uncertain'],
      ['a4', 'U0EVE', 'uncertain'],
      ['a6', 'U0MIA', 'uncertain'],
      ['a8', 'Mia Manager', 'uncertain'],
    ]);
    const columns = await sql(
      url,
      TEST_PROVIDER === 'sqlite'
        ? `SELECT "name" FROM pragma_table_info('AlertLog')`
        : `SELECT "column_name" AS "name" FROM information_schema.columns WHERE "table_name" = 'AlertLog'`,
    );
    expect(columns.map((c) => c.name)).not.toContain('recipientSlackId');
    // Every alert survived the table's rebuild, with its status.
    expect(
      (await sql(url, 'SELECT "id", "status" FROM "AlertLog" ORDER BY "id"')).map((r) => [r.id, r.status]),
    ).toEqual(before.map(([id, status]) => [id, status]));

    // Read through the store as the snooze and handled buttons read them.
    const store = await openStore(url);
    try {
      const a2 = await alertOfWorkspace(store.db, 'w1', 'a2');
      expect(a2?.recipients.map((r) => r.slackUserId)).toEqual(['U0ADA', 'U0BEN', 'U0CY']);
      expect(a2 && wasAlertSentTo(a2, 'U0BEN')).toBe(true);
      // A part of an id is not the id (the joined string's substring would have matched).
      expect(a2 && wasAlertSentTo(a2, 'U0AD')).toBe(false);
      const a3 = await alertOfWorkspace(store.db, 'w1', 'a3');
      expect(a3 && wasAlertSentTo(a3, 'U0ADA')).toBe(false);
      const a4 = await alertOfWorkspace(store.db, 'w1', 'a4');
      expect(a4 && wasAlertSentTo(a4, 'U0DEE')).toBe(true);
      expect((await alertOfWorkspace(store.db, 'w1', 'a5'))?.recipients).toEqual([]);
      // Deleting an alert deletes its recipients.
      await sql(url, `DELETE FROM "AlertLog" WHERE "id" = 'a2'`);
      expect(await sql(url, `SELECT * FROM "AlertRecipient" WHERE "alertLogId" = 'a2'`)).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('records each recipient with how sending to them ended; a retry replaces the rows', async () => {
    const { store, cleanup } = await createTestStore();
    cleanups.push(cleanup);
    const ws = await store.db.workspace.create({ data: { slackTeamId: 'T1' } });
    const rep = await store.db.rep.create({ data: { workspaceId: ws.id, name: 'Lee Park' } });
    const alert = { repId: rep.id, rule: 'sales_decline', periodKey: '2026-11', headline: 'Sales declining' };
    const id = await claimAlert(store.db, ws.id, { ...alert, now: new Date('2026-12-01T08:30:00Z') });
    if (!id) throw new Error('not claimed');
    await recordAlertSent(store.db, id, {
      status: 'failed',
      message: 'Coaching alert',
      recipients: [
        { slackUserId: 'U0ADA', delivery: 'refused' },
        { slackUserId: 'U0BEN', delivery: 'refused' },
      ],
    });
    const failed = await alertOfWorkspace(store.db, ws.id, id);
    expect(failed?.recipients).toEqual([
      { slackUserId: 'U0ADA', delivery: 'refused' },
      { slackUserId: 'U0BEN', delivery: 'refused' },
    ]);
    // The next run takes the failed alert again and reaches one admin; the other's send is cut off. A name
    // given twice counts once, with the better outcome.
    expect(await claimAlert(store.db, ws.id, { ...alert, now: new Date('2026-12-02T08:30:00Z') })).toBe(id);
    await recordAlertSent(store.db, id, {
      status: 'sent',
      message: 'Coaching alert',
      recipients: [
        { slackUserId: 'U0ADA', delivery: 'refused' },
        { slackUserId: 'U0CY', delivery: 'uncertain' },
        { slackUserId: 'U0ADA', delivery: 'delivered' },
      ],
    });
    const sent = await alertOfWorkspace(store.db, ws.id, id);
    expect(sent?.status).toBe('sent');
    expect(sent?.recipients).toEqual([
      { slackUserId: 'U0ADA', delivery: 'delivered' },
      { slackUserId: 'U0CY', delivery: 'uncertain' },
    ]);
    expect(sent && ['U0ADA', 'U0BEN', 'U0CY'].map((u) => wasAlertSentTo(sent, u))).toEqual([
      true,
      false,
      true,
    ]);
    // Of another workspace: nothing.
    const other = await store.db.workspace.create({ data: { slackTeamId: 'T2' } });
    expect(await alertOfWorkspace(store.db, other.id, id)).toBeNull();
  });
});
