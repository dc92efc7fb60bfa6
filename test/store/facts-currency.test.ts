import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Rep, Workspace } from '../../src/generated/sqlite/client.js';
import { parsePeriod, previousPeriod, type TCalendar } from '../../src/metrics/periods.js';
import { computeScalarMetrics, wonInOtherCurrencies } from '../../src/metrics/scalar.js';
import { dealTotalsByRep, loadFactsByRep } from '../../src/store/facts.js';
import type { TStore } from '../../src/store/store.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';

// Money figures add up only amounts in the workspace currency (docs/metrics.md, "Money"): KPI Bot converts
// nothing, so a deal a CRM sent in euros to a dollar workspace counts as a deal won, not as dollars.

let store: TStore;
let cleanup: () => Promise<void>;
let ws: Workspace;
let ann: Rep;
const CAL: TCalendar = { timezone: 'UTC', fiscalYearStartMonth: 1, weekStartsOn: 1 };
const now = new Date('2017-07-10T15:00:00Z');
const june = parsePeriod('2017-06', now, CAL);
const may = previousPeriod(june, CAL);

beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
  const { db } = store;
  ws = await db.workspace.create({ data: { slackTeamId: 'T-currency', currency: 'USD' } });
  ann = await db.rep.create({ data: { workspaceId: ws.id, name: 'Ann' } });
  let n = 0;
  const deal = (currency: string, minor: bigint, status = 'won') => ({
    workspaceId: ws.id,
    repId: ann.id,
    source: 'csv',
    externalId: `d${n++}`,
    stage: status,
    status,
    amountMinor: minor,
    currency,
    openedAt: new Date('2017-06-01T10:00:00Z'),
    closedAt: new Date('2017-06-20T10:00:00Z'),
  });
  await db.deal.createMany({
    data: [
      deal('USD', 100_000n),
      deal('USD', 20_000n),
      deal('EUR', 5_000_000n), // 50,000.00 euros: not 50,000 dollars
      deal('JPY', 0n), // no amount: nothing to leave out
      deal('EUR', 7_000n, 'lost'),
    ],
  });
});
afterAll(async () => {
  await cleanup();
});

describe(`money in other currencies (${TEST_PROVIDER})`, () => {
  it('leaves amounts in another currency out of money figures and still counts the deals', async () => {
    const facts = (await loadFactsByRep(store.db, ws.id, [ann.id], { start: may.start, end: june.end })).get(
      ann.id,
    );
    if (!facts) throw new Error('no facts');
    const m = computeScalarMetrics({
      facts,
      period: june,
      previous: may,
      now,
      targets: { 'sales.won_total': 240_000 },
    });
    expect(m['sales.won_total']).toBe(120_000);
    expect(m['sales.won_count']).toBe(4);
    expect(m['sales.avg_deal_size']).toBe(120_000 / 3); // the three won in dollars (one of them 0)
    expect(m['sales.target_attainment']).toBe(0.5);
    expect(m['opportunities.win_rate']).toBe(4 / 5);
    expect(wonInOtherCurrencies(facts, june)).toBe(1);
  });

  it('adds up the same way in the database (leaderboards)', async () => {
    const won = { closed: 'won' as const, within: { start: june.start, end: june.end } };
    expect((await dealTotalsByRep(store.db, ws.id, won, 'sum')).get(ann.id)).toBe(120_000);
    expect((await dealTotalsByRep(store.db, ws.id, won, 'count')).get(ann.id)).toBe(4);
  });
});
