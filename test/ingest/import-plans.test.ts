import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importCsv } from '../../src/ingest/csv/import.js';
import { useTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';
import { recordPlans } from '../support/query-plans.js';

/**
 * A CSV import looks deals up by their CRM ids (to update them, and to mark the imported wins as celebrated
 * already). On SQLite, whose planner has no statistics until ANALYZE (the bot never runs it), a look-up that
 * also names a status was planned on the (workspace, status, closedAt, …) index: every won deal of the
 * workspace read for each chunk of ids, a cost that grew with the history and with the import itself (a fifth
 * of a 50,000-row import's time in the benchmark). Every statement the import runs that names deals by their
 * CRM ids is checked here to seek them on the unique key (workspace, source, externalId), whatever the data.
 */
const store = useTestStore();
const dir = mkdtempSync(join(tmpdir(), 'kpi-import-plans-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.runIf(TEST_PROVIDER === 'sqlite')('CSV import query plans (sqlite)', () => {
  it('seeks the deals it names by CRM id on the unique key, never by status', async () => {
    const { db } = store();
    const workspace = await db.workspace.create({ data: { slackTeamId: 'TPLANS', timezone: 'UTC' } });
    await db.rep.create({ data: { workspaceId: workspace.id, name: 'Dana Scott' } });
    const file = join(dir, 'deals.csv');
    const rows = Array.from({ length: 40 }, (_, i) => {
      const status = ['won', 'lost', 'open'][i % 3] as string;
      const closed = status === 'open' ? '' : `2026-10-${String(1 + (i % 28)).padStart(2, '0')}`;
      return `D-${i},Dana Scott,Deal ${i},${1000 + i},${status === 'won' ? 'Won' : 'Demo'},${status},2026-09-01,${closed}`;
    });
    writeFileSync(file, ['deal_id,owner,title,amount,stage,status,opened_at,closed_at', ...rows].join('\n'));

    // Every statement naming CRM ids, with its plan for those very values, recorded while the import runs:
    // twice, the second time updating the same deals.
    const now = new Date('2026-11-20T14:00:00Z');
    const { plans } = await recordPlans(
      async () => {
        for (let round = 0; round < 2; round++)
          await importCsv(db, { kind: 'deals', file, workspace, provider: store().provider, now });
      },
      (sql) => /^\s*SELECT/i.test(sql) && /externalId/.test(sql),
    );
    const byId = plans.filter((s) => /FROM `main`\.`Deal`/.test(s.sql) && /`externalId` IN/.test(s.sql));
    // The import's look-ups before writing, and the imported wins' (status is not in every one's SQL).
    expect(byId.length).toBeGreaterThanOrEqual(4);
    for (const { sql, plan } of byId) {
      expect(plan.join('\n'), sql).toMatch(/Deal_workspaceId_source_externalId_key/);
      expect(plan.join('\n'), sql).not.toMatch(/status_closedAt/);
    }
    expect((await db.moment.count({ where: { workspaceId: workspace.id, kind: 'celebration' } })) > 0).toBe(
      true,
    );
  });
});
