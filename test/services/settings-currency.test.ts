import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import type { TServiceContext } from '../../src/services/context.js';
import { changeSetting } from '../../src/services/settings.js';
import { setTarget } from '../../src/services/targets.js';
import type { TStore } from '../../src/store/store.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';
import { refusal } from '../support/refusal.js';
import { seedWorkspace } from '../support/seed.js';

/**
 * The workspace currency labels every amount and is never converted: it changes only to the currency the stored
 * amounts are in (a review found USD → JPY turning $122,127.00 into ¥12,212,700).
 */
let store: TStore;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
});
afterAll(async () => {
  await cleanup();
});

async function workspaceWith(team: string, deals: { currency: string; amountMinor: bigint }[]) {
  const { workspace, reps } = await seedWorkspace(store.db, {
    team,
    timezone: 'UTC',
    reps: [{ name: 'Ada Admin', slackUserId: 'U0ADA', role: 'admin' }],
    deals: deals.map((d) => ({ rep: 'Ada Admin', amountMinor: d.amountMinor, openedAt: '2026-11-02' })),
  });
  for (const [i, d] of deals.entries())
    await store.db.deal.updateMany({
      where: { workspaceId: workspace.id, externalId: `d${i + 1}` },
      data: { currency: d.currency },
    });
  const ada = reps['Ada Admin'];
  return async (): Promise<TServiceContext> => ({
    workspace: await store.db.workspace.findUniqueOrThrow({ where: { id: workspace.id } }),
    actor: { repId: ada?.id, slackUserId: 'U0ADA', name: 'Ada Admin' },
    now: new Date('2026-11-20T12:00:00Z'),
    store,
    logger: createLogger('silent'),
  });
}

const currencyOf = async (ctx: () => Promise<TServiceContext>) => (await ctx()).workspace.currency;

describe(`changing the workspace currency (${TEST_PROVIDER})`, () => {
  it('a workspace with no amounts yet may take any currency', async () => {
    const ctx = await workspaceWith('T0CUR1', []);
    expect((await changeSetting(await ctx(), { key: 'currency', value: 'jpy' })).shown).toBe('JPY');
    expect(await currencyOf(ctx)).toBe('JPY');
  });

  it('refuses a currency the stored deal amounts are not in, naming them, and keeps the old one', async () => {
    const ctx = await workspaceWith('T0CUR2', [
      { currency: 'USD', amountMinor: 12_212_700n },
      { currency: 'USD', amountMinor: 500n },
      { currency: 'GBP', amountMinor: 100n },
    ]);
    const refused = await refusal(changeSetting(await ctx(), { key: 'currency', value: 'JPY' }));
    expect(refused).toMatchObject({ code: 'bad_request', field: 'value' });
    expect(refused.message).toMatch(/^The currency stays USD: 3 deals have their amounts in GBP, USD/);
    expect(refused.message).toContain('does not convert');
    expect(await currencyOf(ctx)).toBe('USD');
  });

  it('allows the currency the deals were recorded in (a default USD workspace importing EUR deals)', async () => {
    const ctx = await workspaceWith('T0CUR3', [
      { currency: 'EUR', amountMinor: 844_600n },
      { currency: 'USD', amountMinor: 0n },
    ]);
    await changeSetting(await ctx(), { key: 'currency', value: 'EUR' });
    expect(await currencyOf(ctx)).toBe('EUR');
  });

  it('refuses once a money target is stored in the current currency; other targets do not matter', async () => {
    const ctx = await workspaceWith('T0CUR4', []);
    await setTarget(await ctx(), { scope: 'workspace', metricId: 'outreach.total', amount: '400' });
    await changeSetting(await ctx(), { key: 'currency', value: 'EUR' });
    await setTarget(await ctx(), { scope: 'workspace', metricId: 'sales.won_total', amount: '50000' });
    const refused = await refusal(changeSetting(await ctx(), { key: 'currency', value: 'JPY' }));
    expect(refused.message).toMatch(/^The currency stays EUR: 1 money target was set in EUR/);
    expect(await currencyOf(ctx)).toBe('EUR');
    // Saying the same currency again changes nothing and is not refused.
    await changeSetting(await ctx(), { key: 'currency', value: 'eur' });
  });
});
