import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandRouter } from '../../src/commands/execute.js';
import { COMMANDS } from '../../src/commands/index.js';
import type { TActor } from '../../src/commands/types.js';
import { createLogger } from '../../src/logger.js';
import type { TStore } from '../../src/store/store.js';
import type { Workspace } from '../../src/store/types.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';

/**
 * `/kpi target set` and `/kpi settings alert` through the command router: a refusal is about the first word at
 * fault in the order it was written, names the rule, and stores nothing.
 */
let store: TStore;
let cleanup: () => Promise<void>;
let ws: Workspace;
let ada: TActor;
const router = createCommandRouter(COMMANDS);
const now = new Date('2026-11-30T10:00:00Z');

beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
  ws = await store.db.workspace.create({ data: { slackTeamId: 'T0ORDER', timezone: 'UTC' } });
  const rep = await store.db.rep.create({
    data: { workspaceId: ws.id, name: 'Ada Admin', slackUserId: 'U0ADA', role: 'admin' },
  });
  ada = { repId: rep.id, slackUserId: 'U0ADA', name: 'Ada Admin' };
});
afterAll(async () => {
  await cleanup();
});

const run = (text: string) =>
  router.execute(text, { workspace: ws, actor: ada, now, store, logger: createLogger('silent') });

describe(`/kpi target and /kpi settings alert refusals (${TEST_PROVIDER})`, () => {
  it.each([
    ['target set team bogus.metric 5 weekly-ish', /^bogus\.metric is not a metric/],
    ['target set team sales.won_totl 5 weekly-ish', /did you mean sales\.won_total/],
    ['target set team sales.won_total lots weekly-ish', /^The amount must be a positive number/],
    ['target set team outreach.total 2.5 weekly-ish', /counted in whole numbers/],
    [
      'target set team sales.won_total 5000 weekly-ish',
      /^"weekly-ish" is not weekly, monthly, quarterly or yearly/,
    ],
    ['target set team sales.change_vs_previous 5', /is a change against the previous period/],
    ['target set team sales.change_vs_previous 5% quarterly-ish', /is a change against the previous period/],
  ])('%s is refused on its first wrong word, with the usage, and sets nothing', async (text, message) => {
    const before = await store.db.target.count();
    const reply = await run(text);
    expect(reply.refused).toBe(true);
    expect(reply.text).toMatch(message);
    expect(reply.text).toContain('Usage: `/kpi target set');
    expect(await store.db.target.count()).toBe(before);
  });

  it('still takes a target with or without its period word', async () => {
    expect((await run('target set team sales.won_count 12 Quarterly')).text).toMatch(/12 a quarter/);
    expect((await run('target set team sales.won_count 4')).text).toMatch(/4 a month/);
  });

  it('takes --from <period> (several words too) for a target on history, and refuses a bad one on its field', async () => {
    const set = await run('target set team sales.won_total 5000 quarterly --from 2024-Q1');
    expect(set.text).toBe(
      "Target set: everyone, Won revenue $5,000.00 a quarter per rep, from Q1 2024. A rep with a target of their own or their team's keeps it.",
    );
    expect(set.data).toMatchObject({ from: { label: 'Q1 2024', start: '2024-01-01T00:00:00.000Z' } });
    const again = await run('target set team sales.won_total 5000 quarterly from 2024-Q1');
    expect(again.text).toMatch(
      /from Q1 2024\. A rep with a target of their own or their team's keeps it\. It replaces the one set before for the same start\.$/,
    );
    expect((await run('target set team outreach.total 50 --from last month')).text).toMatch(
      /50 a month per rep, from October 2026\./,
    );
    const before = await store.db.target.count();
    for (const [text, message] of [
      [
        'target set team sales.won_total 5000 quarterly --from 2024-02',
        /begins inside Q1 2024\. Say 2024-Q1 or 2024-Q2/,
      ],
      ['target set team sales.won_total 5000 --from', /Say the first period after --from/],
      ['target set team sales.won_total 5000 --from <!channel>', /is not a period I know/],
    ] as const) {
      const reply = await run(text);
      expect(reply.refused).toBe(true);
      expect(reply.text).toMatch(message);
      expect(reply.text).not.toContain('<!channel>');
      expect(reply.data).toMatchObject({ error: { field: 'from' } });
    }
    expect(await store.db.target.count()).toBe(before);
  });

  it('the terminal and JSON views of a target set, and of a refusal naming its field', async () => {
    const set = await run('target set team sales.won_total 1234.5');
    expect(set.data).toMatchObject({ type: 'target_set', metric: 'sales.won_total', amount: 1234.5 });
    expect(set.terminal).not.toMatch(/[*_`]/);
    const refused = await run('target set team sales.won_total 1234.5 fortnightly');
    expect(refused.data).toMatchObject({ type: 'error', error: { code: 'bad_request', field: 'period' } });
    expect(refused.terminal).toContain('Usage: /kpi target set');
  });

  it.each([
    ['settings alert sales_decline 0', /a whole percent from 20 to 100/],
    ['settings alert sales_decline 101', /a whole percent from 20 to 100/],
    ['settings alert outreach_behind_pace 1000000000000000000000000', /a whole percent from 1 to 100/],
    ['settings alert training_gap 12.5', /whole days from 1 to 365/],
    ['settings alert training_gap -3', /whole days from 1 to 365/],
    ['settings alert lost_outpacing_created 1e308', /a multiple from 0\.5 to 10/],
    ['settings alert churn_above_team 0', /whole percentage points from 1 to 100/],
  ])('%s is refused with the range and an example', async (text, message) => {
    const before = (await store.db.workspace.findUniqueOrThrow({ where: { id: ws.id } })).settings;
    const reply = await run(text);
    expect(reply.refused).toBe(true);
    expect(reply.text).toMatch(message);
    expect(reply.text).toMatch(/E\.g\. `\/kpi settings alert \w+ [\d.]+`/);
    expect((await store.db.workspace.findUniqueOrThrow({ where: { id: ws.id } })).settings).toBe(before);
  });

  it('says a saved threshold back in its unit', async () => {
    expect((await run('settings alert sales_decline 30')).text).toBe(
      'Saved: alert sales_decline is now 30%.',
    );
    expect((await run('settings alert training_gap 45')).text).toBe(
      'Saved: alert training_gap is now 45 days.',
    );
  });
});
