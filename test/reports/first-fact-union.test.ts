import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Prisma } from '../../src/generated/sqlite/client.js';
import { firstFactAtByRep, firstFactsSql } from '../../src/store/first-facts.js';
import { useTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';
import { firstFactAtByRepGrouped } from '../support/reference-queries.js';

/**
 * When a rep's record begins (the "usual" baseline starts there) is read on every `/kpi me` in one UNION ALL
 * query (store/first-facts.ts firstFactAtByRep); it must be the instant the seven grouped Prisma queries give
 * (firstFactAtByRepGrouped) whatever the facts: every kind, deleted deals and activities (the earliest may be
 * one), missing dates, instants a millisecond apart, other reps' and other workspaces' earlier facts, reps
 * without facts, ids that are not reps.
 */
const store = useTestStore();

const BASE = Date.UTC(2017, 2, 1);
const instant = fc
  .oneof(
    fc.integer({ min: -3, max: 3 }),
    fc.integer({ min: -40 * 365 * 86_400_000, max: 40 * 365 * 86_400_000 }),
  )
  .map((d) => new Date(BASE + d));
const KINDS = [
  'dealOpened',
  'dealClosed',
  'dealLost',
  'activity',
  'lead',
  'post',
  'reading',
  'training',
  'customer',
] as const;
const fact = fc.record({
  kind: fc.constantFrom(...KINDS),
  at: fc.option(instant, { nil: null }),
  other: fc.option(instant, { nil: null }),
  deleted: fc.boolean(),
  owner: fc.constantFrom<TFact['owner']>(0, 1, 2, 'otherWorkspace'),
});
type TFact = {
  kind: (typeof KINDS)[number];
  at: Date | null;
  other: Date | null;
  deleted: boolean;
  owner: 0 | 1 | 2 | 'otherWorkspace';
};

let made = 0;
async function plant(facts: TFact[]): Promise<{ workspaceId: string; repIds: string[] }> {
  const { db } = store();
  made += 1;
  const ws = await db.workspace.create({ data: { slackTeamId: `TFIRST${made}`, timezone: 'UTC' } });
  const other = await db.workspace.create({ data: { slackTeamId: `TFIRSTO${made}`, timezone: 'UTC' } });
  const reps = await Promise.all(
    ['Ann', 'Bo', 'Cy'].map((name) => db.rep.create({ data: { workspaceId: ws.id, name } })),
  );
  const outsider = await db.rep.create({ data: { workspaceId: other.id, name: 'Out' } });
  let n = 0;
  for (const f of facts) {
    const rep = f.owner === 'otherWorkspace' ? outsider : (reps[f.owner] as (typeof reps)[number]);
    const workspaceId = rep.workspaceId;
    const at = f.at ?? new Date(BASE);
    const key = `f${made}-${n++}`;
    const deletedAt = f.deleted ? new Date(BASE) : null;
    switch (f.kind) {
      case 'dealOpened':
      case 'dealClosed':
      case 'dealLost':
        await db.deal.create({
          data: {
            workspaceId,
            repId: rep.id,
            source: 'csv',
            externalId: key,
            stage: 'Won',
            status: f.kind === 'dealClosed' ? 'won' : f.kind === 'dealLost' ? 'lost' : 'open',
            openedAt: f.kind === 'dealOpened' ? f.at : f.other,
            closedAt: f.kind === 'dealOpened' ? f.other : f.at,
            deletedAt,
          },
        });
        break;
      case 'activity':
        await db.activity.create({
          data: {
            workspaceId,
            repId: rep.id,
            source: 'csv',
            externalId: key,
            kind: 'call',
            occurredAt: at,
            deletedAt,
          },
        });
        break;
      case 'lead':
        await db.lead.create({
          data: { workspaceId, repId: rep.id, source: 'csv', externalId: key, mqlAt: f.at },
        });
        break;
      case 'post':
        await db.socialPost.create({
          data: { workspaceId, repId: rep.id, network: 'linkedin', postId: key, postedAt: at },
        });
        break;
      case 'reading':
        await db.socialSnapshot.create({
          data: { workspaceId, repId: rep.id, network: 'linkedin', metric: 'followers', value: 1, at },
        });
        break;
      case 'training':
        await db.trainingResult.create({
          data: { workspaceId, repId: rep.id, course: 'c', score: 1, at, externalId: key },
        });
        break;
      case 'customer':
        await db.customer.create({
          data: { workspaceId, repId: rep.id, source: 'csv', externalId: key, wonAt: at },
        });
        break;
    }
  }
  return { workspaceId: ws.id, repIds: [...reps.map((r) => r.id), outsider.id, "x' OR 1=1 --"] };
}

/** A new workspace with `n` reps ("Rep 0" …), in name order. */
async function workspaceWithReps(tag: string, n: number) {
  const { db } = store();
  made += 1;
  const ws = await db.workspace.create({ data: { slackTeamId: `${tag}${made}`, timezone: 'UTC' } });
  await db.rep.createMany({
    data: Array.from({ length: n }, (_, i) => ({ workspaceId: ws.id, name: `Rep ${i}` })),
  });
  const reps = await db.rep.findMany({ where: { workspaceId: ws.id }, orderBy: { name: 'asc' } });
  return { ws, reps };
}

const asMs = (m: Map<string, Date>) => new Map([...m].map(([k, v]) => [k, v.getTime()]));

describe(`when each rep's record begins, in one query (${TEST_PROVIDER})`, () => {
  it('is absent for reps without facts, and skips deleted deals and activities', async () => {
    const { workspaceId, repIds } = await plant([
      { kind: 'dealOpened', at: new Date(BASE - 5), other: null, deleted: true, owner: 0 },
      { kind: 'activity', at: new Date(BASE - 4), other: null, deleted: true, owner: 0 },
      { kind: 'customer', at: new Date(BASE + 2), other: null, deleted: false, owner: 0 },
      { kind: 'dealClosed', at: new Date(BASE + 1), other: new Date(BASE + 9), deleted: false, owner: 0 },
      { kind: 'reading', at: new Date(BASE - 9), other: null, deleted: false, owner: 'otherWorkspace' },
    ]);
    const first = await firstFactAtByRep(store().db, workspaceId, repIds);
    expect(asMs(first)).toEqual(new Map([[repIds[0], BASE + 1]]));
    expect(asMs(await firstFactAtByRepGrouped(store().db, workspaceId, repIds))).toEqual(asMs(first));
    expect((await firstFactAtByRep(store().db, workspaceId, [])).size).toBe(0);
  });

  it('reads reps in chunks of 100: 250 reps, each first seen at a different instant', async () => {
    const { db } = store();
    const { ws, reps } = await workspaceWithReps('TFIRSTMANY', 250);
    await db.deal.createMany({
      data: reps.map((r, i) => ({
        workspaceId: ws.id,
        repId: r.id,
        source: 'csv',
        externalId: `many-${made}-${i}`,
        stage: 'Won',
        status: 'won',
        closedAt: new Date(BASE + i),
      })),
    });
    // An earlier activity for every third rep, deleted for every sixth.
    await db.activity.createMany({
      data: reps
        .map((r, i) => ({ r, i }))
        .filter(({ i }) => i % 3 === 0)
        .map(({ r, i }) => ({
          workspaceId: ws.id,
          repId: r.id,
          source: 'csv',
          externalId: `many-act-${made}-${i}`,
          kind: 'call',
          occurredAt: new Date(BASE - 1000 - i),
          deletedAt: i % 6 === 0 ? new Date(BASE) : null,
        })),
    });
    const ids = reps.map((r) => r.id);
    const one = asMs(await firstFactAtByRep(db, ws.id, ids));
    expect(one).toEqual(asMs(await firstFactAtByRepGrouped(db, ws.id, ids)));
    expect(one.size).toBe(250);
    expect(one.get(ids[249] as string)).toBe(BASE - 1249);
    expect(one.get(ids[247] as string)).toBe(BASE + 247);
    expect(one.get(ids[3] as string)).toBe(BASE - 1003);
    expect(one.get(ids[6] as string)).toBe(BASE + 6);
  });

  it('a lost deal’s close, or an open deal’s recorded close, can be where the record begins', async () => {
    const { workspaceId, repIds } = await plant([
      { kind: 'dealLost', at: new Date(BASE - 7), other: new Date(BASE + 5), deleted: false, owner: 0 },
      { kind: 'dealClosed', at: new Date(BASE - 3), other: null, deleted: false, owner: 0 },
      { kind: 'dealOpened', at: new Date(BASE + 4), other: new Date(BASE - 6), deleted: false, owner: 1 },
      { kind: 'dealLost', at: new Date(BASE - 9), other: null, deleted: true, owner: 1 },
      { kind: 'dealClosed', at: new Date(BASE - 2), other: null, deleted: false, owner: 1 },
    ]);
    const first = asMs(await firstFactAtByRep(store().db, workspaceId, repIds));
    expect(first).toEqual(
      new Map([
        [repIds[0], BASE - 7],
        [repIds[1], BASE - 6],
      ]),
    );
    expect(asMs(await firstFactAtByRepGrouped(store().db, workspaceId, repIds))).toEqual(first);
    // A chunk of 100 reps stays under the 999 parameters Prisma's SQLite driver takes in one statement.
    const hundred = Array.from({ length: 100 }, (_, i) => `rep-${i}`);
    expect(firstFactsSql(workspaceId, hundred).values.length).toBeLessThanOrEqual(999);
  });

  it('agrees with the seven grouped queries on random facts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fact, { maxLength: 14 }), async (facts) => {
        const { workspaceId, repIds } = await plant(facts);
        const one = await firstFactAtByRep(store().db, workspaceId, repIds);
        const grouped = await firstFactAtByRepGrouped(store().db, workspaceId, repIds);
        expect(asMs(one)).toEqual(asMs(grouped));
      }),
      { numRuns: 30 },
    );
  });

  // The query's cost must not grow with a rep's history: on SQLite (whose planner picks by rules until ANALYZE
  // has run) every branch must seek the rep's entries of an index by (workspace, rep, …), never walk the
  // workspace's deals on the close index (workspace, status, closedAt, …) looking for the rep's, nor scan a
  // table. Checked before and after ANALYZE over a workspace where one rep has most of the deals.
  it.runIf(TEST_PROVIDER === 'sqlite')(
    'seeks every rep by an index on SQLite, with or without ANALYZE',
    async () => {
      const { db } = store();
      const { ws, reps } = await workspaceWithReps('TFIRSTPLAN', 20);
      await db.deal.createMany({
        data: Array.from({ length: 600 }, (_, i) => ({
          workspaceId: ws.id,
          repId: (reps[i % 30 === 0 ? 1 + (i % 19) : 0] as (typeof reps)[number]).id,
          source: 'csv',
          externalId: `plan-${made}-${i}`,
          stage: 'S',
          status: ['won', 'lost', 'open'][i % 3] as string,
          openedAt: new Date(BASE + i),
          closedAt: i % 3 === 2 ? null : new Date(BASE + 2 * i),
          deletedAt: i % 7 === 0 ? new Date(BASE) : null,
        })),
      });
      const planOf = async () =>
        (
          await db.$queryRaw<{ detail: string }[]>(
            Prisma.sql`EXPLAIN QUERY PLAN ${firstFactsSql(
              ws.id,
              reps.map((r) => r.id),
            )}`,
          )
        ).map((row) => row.detail);
      const check = (plan: string[]) => {
        const onTables = plan.filter((d) =>
          /^(SCAN|SEARCH) (f|r|Deal|Activity|Lead|SocialPost|SocialSnapshot|TrainingResult|Customer|Rep)\b/.test(
            d,
          ),
        );
        expect(onTables.length).toBeGreaterThanOrEqual(9);
        for (const d of onTables) {
          expect(d, plan.join('\n')).toMatch(/^SEARCH /);
          expect(d, plan.join('\n')).toMatch(/\(id=\?\)|workspaceId=\? AND repId=/);
        }
        expect(plan.join('\n')).not.toMatch(/status_closedAt_repId/);
      };
      check(await planOf());
      await db.$executeRawUnsafe('ANALYZE');
      try {
        check(await planOf());
      } finally {
        // Leave the shared test store as the other tests found it (no statistics).
        await db.$executeRawUnsafe('DELETE FROM sqlite_stat1');
        await db.$executeRawUnsafe('ANALYZE sqlite_schema');
      }
    },
  );
});
