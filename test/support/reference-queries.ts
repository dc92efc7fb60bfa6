import type { TDb } from '../../src/store/types.js';

// Straightforward forms of queries the store answers another way for speed: each is what the faster query must
// equal, and a property test in test/reports holds the two equal on both stores.

/** When each rep's record begins (store/first-facts.ts firstFactAtByRep), as seven grouped Prisma queries. */
export async function firstFactAtByRepGrouped(
  db: TDb,
  workspaceId: string,
  repIds: string[],
): Promise<Map<string, Date>> {
  const first = new Map<string, Date>();
  const note = (repId: string | null, at: Date | null | undefined) => {
    if (!repId || !at) return;
    const seen = first.get(repId);
    if (!seen || at.getTime() < seen.getTime()) first.set(repId, at);
  };
  for (let i = 0; i < repIds.length; i += 100) {
    const ids = repIds.slice(i, i + 100);
    const scope = { workspaceId, repId: { in: ids } };
    const [deals, activities, leads, posts, readings, training, customers] = await Promise.all([
      db.deal.groupBy({
        by: ['repId'],
        where: { ...scope, deletedAt: null },
        _min: { openedAt: true, closedAt: true },
      }),
      db.activity.groupBy({
        by: ['repId'],
        where: { ...scope, deletedAt: null },
        _min: { occurredAt: true },
      }),
      db.lead.groupBy({ by: ['repId'], where: scope, _min: { mqlAt: true } }),
      db.socialPost.groupBy({ by: ['repId'], where: scope, _min: { postedAt: true } }),
      db.socialSnapshot.groupBy({ by: ['repId'], where: scope, _min: { at: true } }),
      db.trainingResult.groupBy({ by: ['repId'], where: scope, _min: { at: true } }),
      db.customer.groupBy({ by: ['repId'], where: scope, _min: { wonAt: true } }),
    ]);
    for (const d of deals) {
      note(d.repId, d._min.openedAt);
      note(d.repId, d._min.closedAt);
    }
    for (const a of activities) note(a.repId, a._min.occurredAt);
    for (const l of leads) note(l.repId, l._min.mqlAt);
    for (const p of posts) note(p.repId, p._min.postedAt);
    for (const r of readings) note(r.repId, r._min.at);
    for (const t of training) note(t.repId, t._min.at);
    for (const c of customers) note(c.repId, c._min.wonAt);
  }
  return first;
}

/**
 * When the workspace's record of closed deals begins: the earliest close (won or lost) of any rep, or null when
 * nothing has closed. An import of history that starts in March has no record of what closed before it; the
 * "usual" of won revenue does not read the months before as months of nothing won.
 */
export async function firstCloseInWorkspace(db: TDb, workspaceId: string): Promise<Date | null> {
  const row = await db.deal.aggregate({
    where: { workspaceId, deletedAt: null, status: { in: ['won', 'lost'] }, closedAt: { not: null } },
    _min: { closedAt: true },
  });
  return row._min.closedAt ?? null;
}
