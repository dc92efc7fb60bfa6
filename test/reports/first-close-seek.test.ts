import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstCloseOfWorkspace } from '../../src/store/facts.js';
import { useTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';
import { firstCloseInWorkspace } from '../support/reference-queries.js';

/**
 * The start of a workspace's record of closed deals (the "usual" of won revenue begins there) is read by index
 * seeks (store/facts.ts firstCloseOfWorkspace) in `/kpi me`; it must be the same instant as the aggregate it
 * replaced (test/support/reference-queries.ts firstCloseInWorkspace) whatever the deals: open deals with a close time, deleted
 * deals (the earliest may be one), deals without a close time, ties, instants a millisecond apart, other
 * workspaces' earlier closes, hostile status strings.
 */
const store = useTestStore();

const BASE = Date.UTC(2017, 2, 1);
const instant = fc
  .oneof(fc.integer({ min: -3, max: 3 }), fc.integer({ min: -400 * 86_400_000, max: 400 * 86_400_000 }))
  .map((d) => new Date(BASE + d));
const deal = fc.record({
  status: fc.constantFrom('open', 'won', 'lost', 'won', 'lost', 'WON', "won' OR 1=1 --", ''),
  closedAt: fc.option(instant, { nil: null }),
  deleted: fc.boolean(),
  other: fc.boolean(),
});

type TDeal = { status: string; closedAt: Date | null; deleted: boolean; other: boolean };
let made = 0;
async function plant(deals: TDeal[]): Promise<string> {
  const { db } = store();
  made += 1;
  const ws = await db.workspace.create({ data: { slackTeamId: `TSEEK${made}`, timezone: 'UTC' } });
  const other = await db.workspace.create({ data: { slackTeamId: `TSEEKO${made}`, timezone: 'UTC' } });
  const rep = await db.rep.create({ data: { workspaceId: ws.id, name: 'Ann' } });
  let n = 0;
  await db.deal.createMany({
    data: deals.map((d) => ({
      workspaceId: d.other ? other.id : ws.id,
      repId: d.other ? null : rep.id,
      source: 'csv',
      externalId: `s${made}-${n++}`,
      stage: d.status,
      status: d.status,
      closedAt: d.closedAt,
      deletedAt: d.deleted ? new Date(BASE) : null,
    })),
  });
  return ws.id;
}

describe(`first close of a workspace by index seeks (${TEST_PROVIDER})`, () => {
  it('is null with no deals, and with only open, deleted or unclosed ones', async () => {
    const empty = await plant([]);
    expect(await firstCloseOfWorkspace(store().db, empty)).toBeNull();
    const none = await plant([
      { status: 'open', closedAt: new Date(BASE), deleted: false, other: false },
      { status: 'won', closedAt: new Date(BASE - 1), deleted: true, other: false },
      { status: 'lost', closedAt: null, deleted: false, other: false },
      { status: 'won', closedAt: new Date(BASE - 2), deleted: false, other: true },
    ]);
    expect(await firstCloseOfWorkspace(store().db, none)).toBeNull();
    expect(await firstCloseInWorkspace(store().db, none)).toBeNull();
  });

  it('takes the earlier of the first win and the first loss, skipping deleted deals', async () => {
    const ws = await plant([
      { status: 'won', closedAt: new Date(BASE + 5), deleted: false, other: false },
      { status: 'lost', closedAt: new Date(BASE + 1), deleted: true, other: false },
      { status: 'lost', closedAt: new Date(BASE + 3), deleted: false, other: false },
      { status: 'open', closedAt: new Date(BASE), deleted: false, other: false },
    ]);
    expect((await firstCloseOfWorkspace(store().db, ws))?.toISOString()).toBe(
      new Date(BASE + 3).toISOString(),
    );
  });

  it('agrees with the aggregate on random deals', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(deal, { maxLength: 12 }), async (deals) => {
        const ws = await plant(deals);
        const seek = await firstCloseOfWorkspace(store().db, ws);
        const aggregate = await firstCloseInWorkspace(store().db, ws);
        expect(seek?.getTime() ?? null).toBe(aggregate?.getTime() ?? null);
      }),
      { numRuns: 40 },
    );
  });
});
