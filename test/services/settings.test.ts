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
      ['stalled-deals', true],
    ]);
    // Celebrations follow the server's default until the workspace chooses; every win; stalled after 14 days.
    expect(view.celebrations).toMatchObject({ setting: 'default', channel: null, min: 0 });
    expect(view.stalledDays).toEqual({ days: 14, isDefault: true });
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

  it('celebrations-channel, celebrate-min, stalled-days and stalled-schedule: set, shown, turned off', async () => {
    const set = async (key: string, value: string) => changeSetting(await ctx(admin), { key, value });
    expect(await set('celebrations-channel', '<#C0WINS|wins>')).toMatchObject({ shown: '#wins' });
    expect(await set('celebrate-min', '5k')).toMatchObject({ shown: "5,000 in each deal's currency" });
    expect(await set('stalled-days', '10')).toMatchObject({ shown: '10 days' });
    expect(await set('stalled-schedule', '0 8 * * 2')).toMatchObject({ shown: '`0 8 * * 2`' });
    let view = workspaceSettings(await ctx(rep));
    expect(view.celebrations).toMatchObject({
      setting: 'channel',
      channel: 'C0WINS',
      min: 5000,
      minShown: "5,000 in each deal's currency",
    });
    expect(view.stalledDays).toEqual({ days: 10, isDefault: false });
    expect(view.jobs.find((j) => j.job === 'stalled-deals')).toEqual({
      job: 'stalled-deals',
      enabled: true,
      schedule: '0 8 * * 2',
    });
    // Amounts as admins type them: commas, k and m (with decimals), whole units.
    for (const [typed, n] of [
      ['12,500', 12_500],
      ['2.5k', 2_500],
      ['1m', 1_000_000],
      ['0', 0],
    ] as const) {
      await set('celebrate-min', typed);
      expect(workspaceSettings(await ctx(rep)).celebrations?.min, typed).toBe(n);
    }
    // off: celebrations off even when KPI_CELEBRATIONS_CHANNEL is set (stored null), every amount, the default days.
    expect(await set('celebrations-channel', 'OFF')).toMatchObject({ shown: 'off' });
    expect(await set('celebrate-min', 'off')).toMatchObject({ shown: 'off (every win is celebrated)' });
    // stalled-days has no "off" (it would read as "no stalled-deal messages"): the refusal says what does that.
    await expect(set('stalled-days', 'off')).rejects.toMatchObject({
      field: 'value',
      message: expect.stringContaining('/kpi settings stalled-schedule off'),
    });
    expect(await set('stalled-days', 'default')).toMatchObject({ shown: 'the default, 14 days' });
    expect(await set('stalled-schedule', 'off')).toMatchObject({ shown: 'off' });
    view = workspaceSettings(await ctx(rep));
    expect(view.celebrations).toMatchObject({ setting: 'off', channel: null, min: 0 });
    expect(view.stalledDays).toEqual({ days: 14, isDefault: true });
    expect(view.jobs.find((j) => j.job === 'stalled-deals')?.enabled).toBe(false);
    const stored = JSON.parse(
      (await store.db.workspace.findUniqueOrThrow({ where: { id: ws.id } })).settings,
    );
    expect(stored.celebrationsChannel).toBeNull();
    expect('celebrateMin' in stored || 'stalledDays' in stored).toBe(false);
  });

  it('refuses bad celebration and stalled-deal values, naming the field and the usage', async () => {
    const before = await store.db.workspace.findUniqueOrThrow({ where: { id: ws.id } });
    const cases: [string, string, RegExp][] = [
      ['celebrations-channel', 'wins', /celebrations-channel #wins/],
      ['celebrations-channel', '<@U0EVIL>', /celebrations-channel #wins/],
      ['celebrations-channel', '<!channel>', /celebrations-channel #wins/],
      ['celebrate-min', '-5', /celebrate-min 5000/],
      ['celebrate-min', '5.5', /celebrate-min 5000/],
      ['celebrate-min', '1e9', /celebrate-min 5000/],
      ['celebrate-min', '2.0005k', /celebrate-min 5000/],
      ['celebrate-min', '99999999999999', /celebrate-min 5000/],
      ['celebrate-min', 'lots', /celebrate-min 5000/],
      ['stalled-days', '0', /1 to 365.*stalled-days 10/],
      ['stalled-days', '366', /1 to 365/],
      ['stalled-days', '7.5', /1 to 365/],
      ['stalled-days', 'week', /1 to 365/],
      ['stalled-schedule', '* * * * *', /not a schedule.*at most once an hour/],
    ];
    for (const [key, value, message] of cases) {
      const e = await refusal(changeSetting(await ctx(admin), { key, value }));
      expect([e.code, e.field], `${key} ${value}`).toEqual(['bad_request', 'value']);
      expect(e.message, `${key} ${value}`).toMatch(message);
    }
    // A rep is refused before the value is looked at.
    const e = await refusal(
      changeSetting(await ctx(rep), { key: 'celebrations-channel', value: '<#C0X|x>' }),
    );
    expect(e.code).toBe('forbidden');
    expect(await store.db.workspace.findUniqueOrThrow({ where: { id: ws.id } })).toEqual(before);
  });

  it("celebrate-min with the workspace currency's code or symbol, or none; another currency refused saying why", async () => {
    const set = async (value: string) => changeSetting(await ctx(admin), { key: 'celebrate-min', value });
    const { currency } = await store.db.workspace.findUniqueOrThrow({ where: { id: ws.id } });
    expect(currency).toBe('EUR');
    for (const [typed, n] of [
      ['€5,000', 5_000],
      ['€ 7k', 7_000],
      ['EUR 5000', 5_000],
      ['eur5000', 5_000],
      ['6,000 EUR', 6_000],
      ['5000€', 5_000],
      ['5,000', 5_000],
    ] as const) {
      expect(await set(typed), typed).toMatchObject({
        shown: `${n.toLocaleString('en-US')} in each deal's currency`,
      });
      expect(workspaceSettings(await ctx(rep)).celebrations?.min, typed).toBe(n);
    }
    const before = await store.db.workspace.findUniqueOrThrow({ where: { id: ws.id } });
    for (const [typed, why] of [
      ['$5,000', /each deal's own currency, without conversion.*`\$` is not EUR/],
      ['USD 5000', /`USD` is not EUR/],
      ['5000 gbp', /`gbp` is not EUR/],
      ['£5k', /`£` is not EUR/],
      ['5.5', /whole units \(no cents\): `5\.5` is not a whole number/],
      ['€5,000.50', /whole units/],
      ['99999999999999', /at most 1,000,000,000,000/],
      ['€ 5 EUR', /celebrate-min 5000/],
      ['-5', /celebrate-min 5000/],
      ['<!channel> 5', /celebrate-min 5000/],
    ] as const) {
      const e = await refusal(set(typed));
      expect([e.code, e.field], typed).toEqual(['bad_request', 'value']);
      expect(e.message, typed).toMatch(why);
      expect(e.message).not.toContain('<!channel>');
    }
    expect(await store.db.workspace.findUniqueOrThrow({ where: { id: ws.id } })).toEqual(before);
  });

  it('a channel typed as #name: kept in the local-mode workspace (both channel settings), refused with the reason in a Slack one', async () => {
    const local = await store.db.workspace.upsert({
      where: { slackTeamId: 'local' },
      create: { slackTeamId: 'local', timezone: 'UTC' },
      update: {},
    });
    const localCtx = async (): Promise<TServiceContext> => ({
      ...(await ctx(admin)),
      workspace: await store.db.workspace.findUniqueOrThrow({ where: { id: local.id } }),
    });
    expect(
      await changeSetting(await localCtx(), { key: 'celebrations-channel', value: '#Wins' }),
    ).toMatchObject({ shown: '#wins' });
    expect(
      await changeSetting(await localCtx(), { key: 'leaderboard-channel', value: '#sales-team' }),
    ).toMatchObject({ shown: '#sales-team' });
    const view = workspaceSettings(await localCtx());
    expect(view.celebrations).toMatchObject({ setting: 'channel', channel: 'wins' });
    expect(view.leaderboardChannel).toBe('sales-team');
    // A picked channel still works there; a name that is not one is refused with the form to type.
    expect(
      await changeSetting(await localCtx(), { key: 'celebrations-channel', value: '<#C0WINS|wins>' }),
    ).toMatchObject({ shown: '#wins' });
    const bad = await refusal(
      changeSetting(await localCtx(), { key: 'celebrations-channel', value: '#<!here>' }),
    );
    expect(bad.message).toMatch(/In local mode, type the channel as #name/);
    expect(bad.message).not.toContain('<!here>');
    // In a Slack workspace only a channel Slack picked (its id) reaches it: a typed name is refused, saying why.
    for (const key of ['celebrations-channel', 'leaderboard-channel']) {
      const e = await refusal(changeSetting(await ctx(admin), { key, value: '#wins' }));
      expect(e.message, key).toMatch(/reached KPI Bot as plain text, not as a channel Slack picked/);
      const hostile = await refusal(changeSetting(await ctx(admin), { key, value: '#<!here>' }));
      expect(hostile.message).not.toContain('<!here>');
    }
  });

  it('marks a literal value so Slack shows it as code, whatever it holds', async () => {
    const e = await refusal(
      changeSetting(await ctx(admin), { key: 'alerts-schedule', value: 'every `day`' }),
    );
    expect(e.message).toMatch(/^`every 'day'` is not a schedule/);
  });
});
