import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimAlert, claimQueuedAlerts, queuedAlerts, requeueAlert } from '../../src/store/alerts.js';
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
});
