import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { importCsv } from '../../src/ingest/csv/import.js';
import { IMPORTED_WIN } from '../../src/store/moments.js';
import { startTestBot } from '../support/bot.js';
import type { TRecordedCall } from '../support/fake-slack.js';
import { PIPEDRIVE_UPDATE_DEAL, postPipedrive, WEBHOOK_ENV } from '../support/webhooks.js';

/**
 * A CSV import never celebrates (issue 17), whatever source name the file is imported under (`kpi import deals
 * --source hubspot`): the import records each won deal's `won:<dealId>` key as skipped in the transaction that
 * writes the deals, so the minute task never sees an imported win without it, and a webhook re-sending such a
 * deal later finds the key taken. Live wins still celebrate once. Through the real bot: signed Pipedrive
 * webhooks, the scheduler's minute tick at chosen instants, the fake Slack. Both stores (KPI_TEST_PROVIDERS).
 */

type TBot = Awaited<ReturnType<typeof startTestBot>>;
let t: TBot;
let workspaceId: string;
let csvDir: string;

/** Friday 20 November 2026, 14:00 UTC: a working afternoon. */
const T0 = new Date('2026-11-20T14:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const JOBS_OFF = {
  leaderboard: { enabled: false },
  'coaching-alerts': { enabled: false },
  'stalled-deals': { enabled: false },
};
const db = () => t.bot.store.db;
async function setSettings(extra: Record<string, unknown>) {
  await db().workspace.update({
    where: { id: workspaceId },
    data: { settings: JSON.stringify({ jobs: JOBS_OFF, quietHours: null, ...extra }) },
  });
}

let mark = 0;
function newPosts(): TRecordedCall[] {
  const all = t.slack.callsOf('chat.postMessage');
  const fresh = all.slice(mark);
  mark = all.length;
  return fresh;
}
const celebrations = async () =>
  (
    await db().moment.findMany({
      where: { workspaceId, kind: 'celebration' },
      include: { workspace: false },
      orderBy: { key: 'asc' },
    })
  ).map((m) => ({ key: m.key, status: m.status, error: m.error }));
const keyOf = async (source: string, externalId: string) => {
  const d = await db().deal.findUniqueOrThrow({
    where: { workspaceId_source_externalId: { workspaceId, source, externalId } },
  });
  return `won:${d.id}`;
};

let files = 0;
/** Imports deals rows (deal_id,status,closed_at,title) under a source name, as `kpi import deals --source`. */
async function importDeals(
  source: string,
  rows: { id: string; status: string; closedAt?: Date; title?: string }[],
  o: { dryRun?: boolean; batchSize?: number; now?: Date } = {},
) {
  const file = join(csvDir, `deals-${++files}.csv`);
  writeFileSync(
    file,
    [
      'deal_id,owner,title,amount,stage,status,opened_at,closed_at',
      ...rows.map(
        (r) =>
          `${r.id},Dana Scott,${r.title ?? `Imported ${r.id}`},9000,${r.status === 'won' ? 'Won' : 'Demo'},${r.status},2026-11-01,${r.closedAt?.toISOString() ?? ''}`,
      ),
    ].join('\n'),
  );
  const ws = await db().workspace.findUniqueOrThrow({ where: { id: workspaceId } });
  return importCsv(db(), {
    kind: 'deals',
    file,
    source,
    workspace: ws,
    provider: t.bot.store.provider,
    now: o.now ?? at(-5),
    ...(o.dryRun ? { dryRun: true } : {}),
    ...(o.batchSize ? { batchSize: o.batchSize } : {}),
  });
}

let delivery = 0;
/** Pipedrive's deal webhook (signed), applied by the inbox: deal `id` with this status, won a minute ago. */
async function pipedriveDeal(id: number, status: 'open' | 'won', wonAt = at(-1), sentAt = wonAt) {
  const body = JSON.stringify({
    ...PIPEDRIVE_UPDATE_DEAL,
    data: {
      ...PIPEDRIVE_UPDATE_DEAL.data,
      id,
      title: `Pipedrive ${id}`,
      status,
      value: 7000,
      currency: 'EUR',
      won_time: status === 'won' ? wonAt.toISOString() : null,
      update_time: wonAt.toISOString(),
    },
    meta: {
      ...PIPEDRIVE_UPDATE_DEAL.meta,
      id: `3f1c0d1e-0000-4000-8000-${String(++delivery).padStart(12, '0')}`,
      entity_id: String(id),
      timestamp: sentAt.toISOString(),
    },
  });
  expect((await postPipedrive(t.baseUrl, body)).status).toBe(200);
  await t.bot.inbox.idle();
}

const ticks = async (...minutes: number[]) => {
  for (const m of minutes) await t.bot.jobs.tick(at(m));
};

beforeAll(async () => {
  t = await startTestBot({ env: WEBHOOK_ENV });
  csvDir = mkdtempSync(join(tmpdir(), 'kpi-imported-wins-'));
  const ws = await db().workspace.update({
    where: { slackTeamId: 'T0ACME' },
    data: { timezone: 'UTC', createdAt: new Date('2026-01-01T00:00:00Z') },
  });
  workspaceId = ws.id;
  const dana = await db().rep.create({ data: { workspaceId, name: 'Dana Scott', slackUserId: 'U0DANA' } });
  await db().repIdentity.create({
    data: { workspaceId, repId: dana.id, source: 'pipedrive', externalId: '12415231' },
  });
});
afterAll(async () => {
  await t?.close();
  rmSync(csvDir, { recursive: true, force: true });
});
beforeEach(async () => {
  await db().moment.deleteMany({ where: { workspaceId } });
  await db().dealStageChange.deleteMany({ where: { workspaceId } });
  await db().deal.deleteMany({ where: { workspaceId } });
  await setSettings({ celebrationsChannel: 'C0WINS' });
  t.slack.on('chat.postMessage', () => ({ ok: true, ts: '1.1' }));
  newPosts();
});

describe('wins brought in by a CSV import are never celebrated', () => {
  it('imported under --source hubspot or pipedrive, won 10 minutes ago: nothing sent, the keys skipped', async () => {
    expect(await importDeals('hubspot', [{ id: '4242', status: 'won', closedAt: at(-10) }])).toMatchObject({
      created: 1,
    });
    expect(await importDeals('pipedrive', [{ id: '909', status: 'won', closedAt: at(-10) }])).toMatchObject({
      created: 1,
    });
    // An open deal in the same kind of file records nothing.
    await importDeals('pipedrive', [{ id: '910', status: 'open' }]);
    await ticks(0, 1, 3, 6);
    expect(newPosts()).toEqual([]);
    expect(await celebrations()).toEqual(
      [await keyOf('hubspot', '4242'), await keyOf('pipedrive', '909')]
        .sort()
        .map((key) => ({ key, status: 'skipped', error: IMPORTED_WIN })),
    );
  });

  it('recorded whether or not celebrations are on: turning them on later celebrates none of them', async () => {
    await setSettings({ celebrationsChannel: null });
    await importDeals('hubspot', [{ id: '1', status: 'won', closedAt: at(-10) }]);
    await ticks(0);
    await setSettings({ celebrationsChannel: 'C0WINS' });
    await ticks(1, 3, 6);
    expect(newPosts()).toEqual([]);
    expect((await celebrations()).map((m) => m.status)).toEqual(['skipped']);
  });

  it('a dry run records nothing (the deals and their keys roll back together)', async () => {
    expect(
      await importDeals('hubspot', [{ id: 'dry', status: 'won', closedAt: at(-10) }], { dryRun: true }),
    ).toMatchObject({ created: 1, dryRun: true });
    expect(await db().deal.count({ where: { workspaceId } })).toBe(0);
    expect(await celebrations()).toEqual([]);
  });

  it('a webhook re-sending a deal the import brought in won does not celebrate it (the win is history)', async () => {
    await importDeals('pipedrive', [{ id: '909', status: 'won', closedAt: at(-10) }]);
    // Pipedrive later delivers the same deal, won a minute ago by its clock.
    await pipedriveDeal(909, 'won', at(-1));
    expect(
      await db().deal.findMany({ where: { workspaceId }, select: { source: true, status: true } }),
    ).toEqual([{ source: 'pipedrive', status: 'won' }]);
    await ticks(0, 1, 3, 6);
    expect(newPosts()).toEqual([]);
    expect((await celebrations()).map((m) => m.status)).toEqual(['skipped']);
  });

  it('a live webhook win is celebrated once; an import re-stating it afterwards adds nothing', async () => {
    await pipedriveDeal(808, 'won');
    await ticks(0, 1, 3);
    const posts = newPosts();
    expect(posts).toHaveLength(1);
    expect(JSON.stringify(posts[0]?.body.blocks)).toContain('Pipedrive 808');
    const key = await keyOf('pipedrive', '808');
    expect(await celebrations()).toEqual([{ key, status: 'sent', error: null }]);
    // The CRM export imported afterwards restates the win (a fresh close time even): nothing more.
    await importDeals('pipedrive', [{ id: '808', status: 'won', closedAt: at(3) }], { now: at(4) });
    await pipedriveDeal(808, 'won', at(4));
    await ticks(5, 6, 9);
    expect(newPosts()).toEqual([]);
    expect(await celebrations()).toEqual([{ key, status: 'sent', error: null }]);
  });

  it('a live win detected but not yet sent keeps its celebration when an import restates the deal', async () => {
    await pipedriveDeal(707, 'won');
    await ticks(0); // detected: pending (bursts wait a minute)
    expect((await celebrations()).map((m) => m.status)).toEqual(['pending']);
    await importDeals('pipedrive', [{ id: '707', status: 'won', closedAt: at(-1) }], { now: at(0.5) });
    await ticks(1, 3);
    expect(newPosts()).toHaveLength(1);
    expect((await celebrations()).map((m) => m.status)).toEqual(['sent']);
  });

  it('a deal imported open and later won live (a webhook) is celebrated once', async () => {
    await importDeals('pipedrive', [{ id: '606', status: 'open' }]);
    await pipedriveDeal(606, 'won');
    await ticks(0, 1, 3, 6);
    expect(newPosts()).toHaveLength(1);
    expect(await celebrations()).toEqual([
      { key: await keyOf('pipedrive', '606'), status: 'sent', error: null },
    ]);
  });

  it("another workspace's import of the same CRM id marks only its own deal; this workspace's live win celebrates", async () => {
    const other = await db().workspace.upsert({
      where: { slackTeamId: 'T0OTHERIMP' },
      create: { slackTeamId: 'T0OTHERIMP', timezone: 'UTC' },
      update: {},
    });
    if ((await db().rep.count({ where: { workspaceId: other.id } })) === 0)
      await db().rep.create({ data: { workspaceId: other.id, name: 'Dana Scott' } });
    const file = join(csvDir, 'other.csv');
    writeFileSync(
      file,
      [
        'deal_id,owner,title,amount,stage,status,opened_at,closed_at',
        `505,Dana Scott,Theirs,9000,Won,won,2026-11-01,${at(-10).toISOString()}`,
      ].join('\n'),
    );
    await importCsv(db(), {
      kind: 'deals',
      file,
      source: 'pipedrive',
      workspace: other,
      provider: t.bot.store.provider,
      now: at(-5),
    });
    const theirs = await db().moment.findMany({ where: { workspaceId: other.id } });
    expect(theirs.map((m) => [m.kind, m.status, m.error])).toEqual([
      ['celebration', 'skipped', IMPORTED_WIN],
    ]);
    // The same Pipedrive id won live here: celebrated once, in this workspace's ledger only.
    await pipedriveDeal(505, 'won');
    await ticks(0, 1, 3);
    expect(newPosts()).toHaveLength(1);
    expect(await celebrations()).toEqual([
      { key: await keyOf('pipedrive', '505'), status: 'sent', error: null },
    ]);
    expect(await db().moment.count({ where: { workspaceId: other.id } })).toBe(1);
    await db().moment.deleteMany({ where: { workspaceId: other.id } });
    await db().deal.deleteMany({ where: { workspaceId: other.id } });
  });

  it('an import running while the minute task ticks: no imported win is ever celebrated', async () => {
    const rows = Array.from({ length: 240 }, (_, i) => ({
      id: String(50_000 + i),
      status: 'won',
      closedAt: at(-1 - (i % 30)),
    }));
    // Small batches (many transactions) and ticks in between, in whatever order the two interleave.
    const [summary] = await Promise.all([
      importDeals('hubspot', rows, { batchSize: 20, now: at(0) }),
      (async () => {
        for (let m = 0; m < 8; m++) await t.bot.jobs.tick(at(m / 4));
      })(),
    ]);
    expect(summary).toMatchObject({ created: 240, skipped: 0 });
    await ticks(3, 6);
    expect(newPosts()).toEqual([]);
    const rowsNow = await celebrations();
    expect(rowsNow).toHaveLength(240);
    expect(rowsNow.every((m) => m.status === 'skipped' && m.error === IMPORTED_WIN)).toBe(true);
    // Re-importing the same file changes nothing.
    await importDeals('hubspot', rows, { batchSize: 20, now: at(7) });
    expect(await celebrations()).toHaveLength(240);
  });
});

describe('imports and live wins in any order (property)', () => {
  it('a deal is celebrated once exactly when a tick saw its live win before any import restated it', async () => {
    const DEALS = [301, 302, 303];
    const op = fc.oneof(
      fc.record({ t: fc.constant('import' as const), deal: fc.constantFrom(...DEALS) }),
      fc.record({ t: fc.constant('hook' as const), deal: fc.constantFrom(...DEALS) }),
      fc.record({ t: fc.constant('tick' as const) }),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 7 }), async (ops) => {
        run += 1;
        await db().moment.deleteMany({ where: { workspaceId } });
        await db().deal.deleteMany({ where: { workspaceId } });
        newPosts();
        // Each run its own hour (the window is 3 hours; ticks are minutes apart).
        const base = 60 * 24 * run;
        // The model: a deal's key is none, skipped (an import found it won first) or detected (a tick did).
        const key = new Map<number, 'skipped' | 'detected'>();
        const won = new Set<number>();
        let minute = base;
        for (const o of ops) {
          minute += 0.25;
          if (o.t === 'import') {
            await importDeals(
              'pipedrive',
              [
                {
                  id: String(o.deal),
                  status: 'won',
                  closedAt: at(minute - 10),
                  title: `Pipedrive ${o.deal}`,
                },
              ],
              { now: at(minute) },
            );
            won.add(o.deal);
            if (!key.has(o.deal)) key.set(o.deal, 'skipped');
          } else if (o.t === 'hook') {
            await pipedriveDeal(o.deal, 'won', at(minute - 0.1), at(minute));
            won.add(o.deal);
          } else {
            await t.bot.jobs.tick(at(minute));
            for (const d of won) if (!key.has(d)) key.set(d, 'detected');
          }
        }
        for (const m of [1, 3, 6]) await t.bot.jobs.tick(at(minute + m));
        for (const d of won) if (!key.has(d)) key.set(d, 'detected');
        const posted = newPosts()
          .map((c) => JSON.stringify(c.body.blocks))
          .join('\n');
        const rows = await celebrations();
        const keys = new Map<number, string>();
        for (const d of won) keys.set(d, await keyOf('pipedrive', String(d)));
        for (const d of DEALS) {
          const expected = key.get(d);
          const why = `deal ${d} after ${JSON.stringify(ops)}`;
          const count = posted.split(`Pipedrive ${d}`).length - 1;
          expect(count, why).toBe(expected === 'detected' ? 1 : 0);
          if (!won.has(d)) continue;
          const row = rows.find((r) => r.key === keys.get(d));
          expect(row?.status, why).toBe(expected === 'detected' ? 'sent' : 'skipped');
        }
        expect(rows.map((r) => r.status).sort()).toEqual(
          [...key.values()].map((k) => (k === 'detected' ? 'sent' : 'skipped')).sort(),
        );
      }),
      { numRuns: 15 },
    );
  });
});
