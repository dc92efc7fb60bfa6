import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  abandonStaleAlertSends,
  claimAlert,
  claimQueuedAlerts,
  queuedAlerts,
  requeueAlert,
} from '../../src/store/alerts.js';
import { startTestBot } from '../support/bot.js';

/**
 * Queued digest alerts claimed by two processes at once (two bots, two connection pools, one database): every
 * alert is taken by exactly one of them, whatever the overlap of what each asks for.
 */

let a: Awaited<ReturnType<typeof startTestBot>>;
let b: Awaited<ReturnType<typeof startTestBot>>;
let workspaceId = '';
let repIds: string[] = [];

beforeAll(async () => {
  a = await startTestBot();
  b = await startTestBot({ databaseUrl: a.databaseUrl });
  const db = a.bot.store.db;
  const ws = await db.workspace.findUniqueOrThrow({ where: { slackTeamId: 'T0ACME' } });
  workspaceId = ws.id;
  repIds = [];
  for (let i = 0; i < 12; i++)
    repIds.push((await db.rep.create({ data: { workspaceId, name: `Rep ${i}` } })).id);
});
afterAll(async () => {
  await b?.close().catch(() => {});
  await a?.close().catch(() => {});
});

describe('claiming queued alerts', () => {
  it('two processes never take the same alert; together they take every one asked for', async () => {
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 0, max: 11 }), { minLength: 1, maxLength: 12 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 11 }), { minLength: 1, maxLength: 12 }),
        async (left, right) => {
          round += 1;
          const db = a.bot.store.db;
          await db.alertLog.deleteMany();
          const ids: string[] = [];
          for (const repId of repIds) {
            const id = await claimAlert(db, workspaceId, {
              repId,
              rule: 'sales_decline',
              periodKey: `p${round}`,
              headline: '{}',
              now: new Date('2026-12-03T07:30:00Z'),
              status: 'queued',
            });
            expect(id).not.toBeNull();
            ids.push(id as string);
          }
          const pick = (xs: number[]) => xs.map((i) => ids[i] as string);
          const [takenA, takenB] = await Promise.all([
            claimQueuedAlerts(a.bot.store.db, workspaceId, pick(left), `a${round}`),
            claimQueuedAlerts(b.bot.store.db, workspaceId, pick(right), `b${round}`),
          ]);
          expect(takenA.filter((id) => takenB.includes(id))).toEqual([]);
          expect(new Set([...takenA, ...takenB])).toEqual(new Set(pick([...new Set([...left, ...right])])));
          // What neither asked for is still queued; what they took is sending.
          const still = (await queuedAlerts(db, workspaceId)).map((q) => q.id);
          expect(new Set(still)).toEqual(
            new Set(ids.filter((id) => !takenA.includes(id) && !takenB.includes(id))),
          );
        },
      ),
      { numRuns: 15 },
    );
  });

  it('a requeued alert waits past the minute it was refused in, and only a sending one is put back', async () => {
    const db = a.bot.store.db;
    await db.alertLog.deleteMany();
    const id = (await claimAlert(db, workspaceId, {
      repId: repIds[0] as string,
      rule: 'training_gap',
      periodKey: 'q',
      headline: '{}',
      now: new Date('2026-12-03T07:30:00Z'),
      status: 'queued',
    })) as string;
    // Not claimed (still queued): nothing changes.
    await requeueAlert(db, id, new Date('2026-12-03T16:00:30Z'));
    expect((await db.alertLog.findUniqueOrThrow({ where: { id } })).createdAt.toISOString()).toBe(
      '2026-12-03T07:30:00.000Z',
    );
    expect(await claimQueuedAlerts(db, workspaceId, [id], 'x')).toEqual([id]);
    await requeueAlert(db, id, new Date('2026-12-03T16:00:30Z'));
    const row = await db.alertLog.findUniqueOrThrow({ where: { id } });
    expect([row.status, row.createdAt.toISOString()]).toEqual(['queued', '2026-12-03T16:01:00.000Z']);
    // Another workspace's id is never taken.
    const other = await db.workspace.create({ data: { slackTeamId: 'T0ELSE', name: 'Else' } });
    expect(await claimQueuedAlerts(db, other.id, [id], 'y')).toEqual([]);
  });

  it('alerts a stopped process left claimed become uncertain after the stale-claim age, never sent again', async () => {
    const db = a.bot.store.db;
    await db.alertLog.deleteMany();
    const ids: string[] = [];
    for (const [i, status] of (['queued', 'queued', 'queued'] as const).entries())
      ids.push(
        (await claimAlert(db, workspaceId, {
          repId: repIds[i] as string,
          rule: 'training_gap',
          periodKey: 'stale',
          headline: '{}',
          now: new Date('2026-12-03T07:30:00Z'),
          status,
        })) as string,
      );
    const [dead, half, waiting] = ids as [string, string, string];
    // One claimed and left (the process died), one left half-way through a claim, one still queued.
    await claimQueuedAlerts(db, workspaceId, [dead], 'dead');
    await db.alertLog.update({ where: { id: half }, data: { status: 'sending:gone' } });
    const claimedAt = new Date('2026-12-03T08:00:00Z');
    await db.alertLog.updateMany({ where: { id: { in: [dead, half] } }, data: { updatedAt: claimedAt } });
    // Not yet stale: left alone.
    expect(await abandonStaleAlertSends(db, workspaceId, new Date('2026-12-03T07:59:00Z'))).toBe(0);
    // Another workspace's sweep touches nothing here.
    const other = await db.workspace.upsert({
      where: { slackTeamId: 'T0ELSE' },
      create: { slackTeamId: 'T0ELSE', name: 'Else' },
      update: {},
    });
    expect(await abandonStaleAlertSends(db, other.id, new Date('2026-12-03T09:00:00Z'))).toBe(0);
    expect(await abandonStaleAlertSends(db, workspaceId, new Date('2026-12-03T08:10:01Z'))).toBe(2);
    const rows = await db.alertLog.findMany({ where: { id: { in: ids } } });
    const status = Object.fromEntries(rows.map((r) => [r.id, r.status]));
    expect([status[dead], status[half], status[waiting]]).toEqual(['uncertain', 'uncertain', 'queued']);
    // An uncertain alert is never claimed again.
    expect(await claimQueuedAlerts(db, workspaceId, [dead, half], 'later')).toEqual([]);
  });
});
