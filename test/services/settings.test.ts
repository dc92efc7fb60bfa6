import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import type { TActor, TServiceContext } from '../../src/services/context.js';
import { changeSetting, workspaceSettings } from '../../src/services/settings.js';
import type { TStore } from '../../src/store/store.js';
import type { Workspace } from '../../src/store/types.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';
import { refusal } from '../support/refusal.js';

let store: TStore;
let cleanup: () => Promise<void>;
let ws: Workspace;
const admin: TActor = { slackUserId: 'U0ADMIN', name: 'Ann Admin', workspaceAdmin: true };
const rep: TActor = { slackUserId: 'U0REP', name: 'Rory Rep' };

beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
  ws = await store.db.workspace.create({ data: { slackTeamId: 'T0SET', timezone: 'UTC' } });
});
afterAll(async () => {
  await cleanup();
});

const ctx = async (actor: TActor): Promise<TServiceContext> => ({
  // The row as it is now: a service reads the workspace it is given.
  workspace: await store.db.workspace.findUniqueOrThrow({ where: { id: ws.id } }),
  actor,
  now: new Date('2026-11-30T12:00:00Z'),
  store,
  logger: createLogger('silent'),
});

describe(`settings service (${TEST_PROVIDER})`, () => {
  it('shows the defaults of a new workspace', async () => {
    const view = workspaceSettings(await ctx(rep));
    expect(view).toMatchObject({
      timezone: 'UTC',
      fiscalYearStartMonth: 1,
      weekStartsOn: 1,
      currency: 'USD',
    });
    expect(view.quietHours).toEqual({ start: '20:00', end: '08:00' });
    expect(view.jobs.map((j) => [j.job, j.enabled])).toEqual([
      ['leaderboard', true],
      ['coaching-alerts', true],
    ]);
  });

  it('only admins change settings, before any value is looked at', async () => {
    const e = await refusal(changeSetting(await ctx(rep), { key: 'timezone', value: '' }));
    expect(e.code).toBe('forbidden');
  });

  it('changes each kind of setting and says how it now reads', async () => {
    const cases: [string, string, string, string][] = [
      // What was saved is said back, not what was typed.
      ['timezone', 'europe/berlin', 'timezone', 'Europe/Berlin'],
      ['Fiscal-Year', 'apr', 'fiscal-year', 'april'],
      ['week-start', 'sun', 'week-start', 'sunday'],
      ['currency', 'eur', 'currency', 'EUR'],
      ['leaderboard-channel', '<#C0SALES|sales>', 'leaderboard-channel', '#sales'],
      ['leaderboard-schedule', '0  9 * * 1', 'leaderboard-schedule', '`0 9 * * 1`'],
      ['quiet-hours', '21:00-07:00', 'quiet-hours', '21:00-07:00'],
      ['alert', 'training_gap 60', 'alert training_gap', '60 days'],
    ];
    for (const [key, value, subject, shown] of cases)
      expect(await changeSetting(await ctx(admin), { key, value })).toMatchObject({ subject, shown });
    const view = workspaceSettings(await ctx(rep));
    expect(view).toMatchObject({
      timezone: 'Europe/Berlin',
      fiscalYearStartMonth: 4,
      weekStartsOn: 0,
      currency: 'EUR',
      leaderboardChannel: 'C0SALES',
      quietHours: { start: '21:00', end: '07:00' },
    });
    expect(view.jobs[0]).toMatchObject({ schedule: '0 9 * * 1', enabled: true });
    expect(view.alertRules.find((r) => r.id === 'training_gap')).toMatchObject({
      enabled: true,
      threshold: 60,
    });
  });

  it('refuses a bad value on the value field and writes nothing', async () => {
    const before = await store.db.workspace.findUniqueOrThrow({ where: { id: ws.id } });
    const cases: [string, string, RegExp][] = [
      ['timezone', 'Atlantis/Lost', /not a time zone/],
      ['fiscal-year', '13', /not a month/],
      ['fiscal-year', 'junk', /not a month/],
      ['week-start', 'mo', /not a day of the week/],
      ['week-start', 'monkey', /not a day of the week/],
      ['currency', 'XXY', /not a currency code/],
      ['leaderboard-channel', 'sales', /Pick the channel/],
      ['leaderboard-schedule', '* * * * *', /not a schedule.*at most once an hour/],
      ['leaderboard-top', '26', /1 to 25 people/],
      ['leaderboard-metric', 'sales.won_totl', /did you mean sales\.won_total/],
      ['quiet-hours', '25:00-07:00', /HH:MM-HH:MM/],
      ['alert', 'nonsense on', /not an alert rule/],
      ['alert', 'training_gap maybe', /on, off or a threshold/],
      ['alert', 'training_gap 1.5 extra', /one rule and one setting/],
    ];
    for (const [key, value, message] of cases) {
      const e = await refusal(changeSetting(await ctx(admin), { key, value }));
      expect([e.code, e.field], `${key} ${value}`).toEqual(['bad_request', 'value']);
      expect(e.message).toMatch(message);
    }
    expect((await refusal(changeSetting(await ctx(admin), { key: 'colour', value: 'red' }))).field).toBe(
      'key',
    );
    expect(await store.db.workspace.findUniqueOrThrow({ where: { id: ws.id } })).toEqual(before);
  });

  it('marks a literal value so Slack shows it as code, whatever it holds', async () => {
    const e = await refusal(
      changeSetting(await ctx(admin), { key: 'alerts-schedule', value: 'every `day`' }),
    );
    expect(e.message).toMatch(/^`every 'day'` is not a schedule/);
  });
});
