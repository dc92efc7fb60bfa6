import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_FACTS } from '../../src/metrics/facts.js';
import { parsePeriod, previousPeriod, type TCalendar } from '../../src/metrics/periods.js';
import { computeScalarMetrics } from '../../src/metrics/scalar.js';
import { loadFactsByRep } from '../../src/store/facts.js';
import type { TStore } from '../../src/store/store.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';

let store: TStore;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
});
afterAll(async () => {
  await cleanup();
});

const CAL: TCalendar = { timezone: 'UTC', fiscalYearStartMonth: 1, weekStartsOn: 1 };
const now = new Date('2017-07-10T00:00:00Z');
const arbDay = fc.integer({ min: 0, max: 90 }).map((d) => new Date(Date.UTC(2017, 4, 1 + d, 12)));
const arbDeal = fc.record({
  status: fc.constantFrom('open', 'won', 'lost'),
  amount: fc.integer({ min: 0, max: 1_000_000 }),
  openedAt: arbDay,
  closedAt: arbDay,
});
const arbActivity = fc.record({
  kind: fc.constantFrom('call', 'email'),
  count: fc.integer({ min: 1, max: 9 }),
  at: arbDay,
});

describe(`workspace isolation (${TEST_PROVIDER})`, () => {
  it("a rep's metrics never read facts of another workspace, whatever both hold", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbDeal, { maxLength: 6 }),
        fc.array(arbDeal, { maxLength: 6 }),
        fc.array(arbActivity, { maxLength: 4 }),
        fc.array(arbActivity, { maxLength: 4 }),
        async (mineDeals, theirDeals, mineActs, theirActs) => {
          run += 1;
          const { db } = store;
          const [a, b] = await Promise.all([
            db.workspace.create({ data: { slackTeamId: `TA${run}` } }),
            db.workspace.create({ data: { slackTeamId: `TB${run}` } }),
          ]);
          // The same Slack user id and external ids in both workspaces: only the workspace tells them apart.
          const repA = await db.rep.create({ data: { workspaceId: a.id, name: 'Dana', slackUserId: 'U1' } });
          const repB = await db.rep.create({ data: { workspaceId: b.id, name: 'Dana', slackUserId: 'U1' } });
          const put = async (
            workspaceId: string,
            repId: string,
            deals: typeof mineDeals,
            acts: typeof mineActs,
          ) => {
            await db.deal.createMany({
              data: deals.map((d, i) => ({
                workspaceId,
                repId,
                source: 'csv',
                externalId: `x${i}`,
                stage: d.status,
                status: d.status,
                amountMinor: BigInt(d.amount),
                openedAt: d.openedAt,
                closedAt: d.status === 'open' ? null : d.closedAt,
              })),
            });
            await db.activity.createMany({
              data: acts.map((x, i) => ({
                workspaceId,
                repId,
                source: 'csv',
                externalId: `a${i}`,
                kind: x.kind,
                count: x.count,
                occurredAt: x.at,
              })),
            });
          };
          await put(a.id, repA.id, mineDeals, mineActs);
          await put(b.id, repB.id, theirDeals, theirActs);
          const period = parsePeriod('2017-06', now, CAL);
          const previous = previousPeriod(period, CAL);
          const loaded = (
            await loadFactsByRep(db, a.id, [repA.id, repB.id], { start: previous.start, end: period.end })
          ).get(repA.id);
          const got = computeScalarMetrics({
            facts: loaded ?? NO_FACTS,
            period,
            previous,
            now,
            targets: {},
          });
          // Expected from workspace A's own rows only, computed from the generated data.
          const expected = computeScalarMetrics({
            facts: {
              ...NO_FACTS,
              deals: mineDeals.map((d) => ({
                amountMinor: d.amount,
                status: d.status as 'open',
                stage: d.status,
                openedAt: d.openedAt,
                closedAt: d.status === 'open' ? null : d.closedAt,
              })),
              activities: mineActs.map((x) => ({
                kind: x.kind,
                personalized: null,
                count: x.count,
                occurredAt: x.at,
              })),
            },
            period,
            previous,
            now,
            targets: {},
          });
          expect(got).toEqual(expected);
          // Asking workspace A for B's rep finds nothing of B.
          const foreign = (
            await loadFactsByRep(db, a.id, [repB.id], { start: previous.start, end: period.end })
          ).get(repB.id);
          expect(foreign?.deals).toEqual([]);
          expect(foreign?.activities).toEqual([]);
        },
      ),
      { numRuns: 15 },
    );
  });
});
