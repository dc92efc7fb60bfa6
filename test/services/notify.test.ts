import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NOTIFY_DEFAULTS } from '../../src/domain/notify.js';
import { parseWorkspaceSettings } from '../../src/domain/settings.js';
import { createLogger } from '../../src/logger.js';
import { setRankOptIn } from '../../src/services/alerts.js';
import type { TActor, TServiceContext } from '../../src/services/context.js';
import { changeNotify, notifySettings } from '../../src/services/notify.js';
import {
  changeNotifyPreferences,
  notifyPreferencesOf,
  notifyPreferencesOfWorkspace,
} from '../../src/store/notify-preferences.js';
import { activeRepsForWeeklyBoard } from '../../src/store/reps.js';
import type { TStore } from '../../src/store/store.js';
import type { Rep, Workspace } from '../../src/store/types.js';
import { createTestStore } from '../support/db.js';
import { refusal } from '../support/refusal.js';
import { seedWorkspace } from '../support/seed.js';

/** The notify service (`/kpi notify`) on the store under test: defaults, each change, refusals, the legacy list. */
let store: TStore;
let cleanup: () => Promise<void>;
let ws: Workspace;
let other: Workspace;
let reps: Record<string, Rep>;
const now = new Date('2026-11-20T12:00:00Z');

const as = (name: string): TActor => {
  const rep = reps[name] as Rep;
  return { repId: rep.id, slackUserId: rep.slackUserId ?? undefined, name };
};
/** A context with the workspace as stored now (a request reads it afresh). */
const ctx = async (actor: TActor, workspaceId = ws.id): Promise<TServiceContext> => ({
  workspace: await store.db.workspace.findUniqueOrThrow({ where: { id: workspaceId } }),
  actor,
  now,
  store,
  logger: createLogger('silent'),
});
const prefsOf = async (slackUserId: string, workspaceId = ws.id) =>
  notifyPreferencesOf(
    store.db,
    await store.db.workspace.findUniqueOrThrow({ where: { id: workspaceId } }),
    slackUserId,
  );
const legacyList = async () =>
  parseWorkspaceSettings((await store.db.workspace.findUniqueOrThrow({ where: { id: ws.id } })).settings)
    .rankOptIn ?? [];
const setLegacyList = (ids: string[]) =>
  store.db.workspace.update({
    where: { id: ws.id },
    data: { settings: JSON.stringify({ rankOptIn: ids }) },
  });
const change = async (name: string, input: Parameters<typeof changeNotify>[1]) =>
  changeNotify(await ctx(as(name)), input);

beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
  ({ workspace: ws, reps } = await seedWorkspace(store.db, {
    team: 'T0NTFY',
    timezone: 'Europe/Berlin',
    reps: [
      { name: 'Mia Manager', slackUserId: 'U0MIA', role: 'manager' },
      { name: 'Dana Scott', slackUserId: 'U0DANA', manager: 'Mia Manager' },
      { name: 'Lee Park', slackUserId: 'U0LEE', manager: 'Mia Manager' },
      { name: 'Ada Admin', slackUserId: 'U0ADA', role: 'admin' },
      { name: 'Nora NoSlack' },
    ],
  }));
  ({ workspace: other } = await seedWorkspace(store.db, {
    team: 'T0ELSE',
    reps: [{ name: 'Dana Elsewhere', slackUserId: 'U0DANA' }],
  }));
});
afterAll(async () => {
  await cleanup?.();
});
beforeEach(async () => {
  await store.db.notifyPreference.deleteMany({});
  await setLegacyList([]);
});

describe('what a person receives', () => {
  it('shows the defaults, marked as such; a rep has no digest', async () => {
    const v = await notifySettings(await ctx(as('Dana Scott')));
    expect(v).toMatchObject({
      person: { name: 'Dana Scott', slackUserId: 'U0DANA' },
      timezone: 'Europe/Berlin',
      rank: { on: false, isDefault: true, legacyOptIn: false, ranked: true },
      milestones: { on: true, isDefault: true },
      stalled: { on: true, isDefault: true, days: 14 },
      digest: null,
      reachable: true,
      changed: null,
    });
  });

  it('shows a manager (reports) and an admin their digest: by default with the coaching run', async () => {
    for (const name of ['Mia Manager', 'Ada Admin']) {
      const v = await notifySettings(await ctx(as(name)));
      // The weekly board ranks reps only: no rank DM to offer them.
      expect(v.rank.ranked).toBe(false);
      expect(v.digest).toEqual({
        day: 'daily',
        time: null,
        isDefault: true,
        coachingRun: { enabled: true, schedule: '30 8 * * *' },
        heldUntil: null,
      });
    }
  });

  it("reads the workspace's stalled-days setting and coaching schedule", async () => {
    await store.db.workspace.update({
      where: { id: ws.id },
      data: {
        settings: JSON.stringify({
          stalledDays: 21,
          jobs: { 'coaching-alerts': { schedule: '0 7 * * 1-5', enabled: false } },
        }),
      },
    });
    const v = await notifySettings(await ctx(as('Mia Manager')));
    expect(v.stalled.days).toBe(21);
    expect(v.digest?.coachingRun).toEqual({ enabled: false, schedule: '0 7 * * 1-5' });
  });
});

describe('changing one’s own choices', () => {
  it('rank, milestones and stalled on and off, each read back by the jobs’ readers', async () => {
    let v = await change('Dana Scott', { item: 'rank', value: 'on' });
    expect(v).toMatchObject({ changed: 'rank', rank: { on: true, isDefault: false } });
    v = await change('Dana Scott', { item: 'milestones', value: 'OFF' });
    expect(v.milestones).toEqual({ on: false, isDefault: false });
    v = await change('Dana Scott', { item: 'stalled', value: 'off' });
    expect(v.stalled).toMatchObject({ on: false, isDefault: false });
    expect(await prefsOf('U0DANA')).toEqual({
      ...NOTIFY_DEFAULTS,
      rankDm: true,
      milestoneDm: false,
      stalledDm: false,
    });
    const all = await notifyPreferencesOfWorkspace(
      store.db,
      await store.db.workspace.findUniqueOrThrow({ where: { id: ws.id } }),
    );
    expect(all.of('U0DANA')).toMatchObject({ rankDm: true, milestoneDm: false, stalledDm: false });
    expect(all.of('U0LEE')).toEqual(NOTIFY_DEFAULTS);
    // On again: stored as chosen (not as "the default"), still on.
    v = await change('Dana Scott', { item: 'milestones', value: 'on' });
    expect(v.milestones).toEqual({ on: true, isDefault: false });
    expect((await prefsOf('U0DANA')).milestoneDm).toBe(true);
  });

  it('the digest: a day and time, a time alone (days kept), a day alone (with the coaching run), default', async () => {
    let v = await change('Mia Manager', { item: 'digest', value: 'Monday', time: '7:05' });
    // 07:05 is in the default quiet hours (20:00–08:00): held to 08:00, and the view says so.
    expect(v.digest).toMatchObject({ day: 'monday', time: '07:05', isDefault: false, heldUntil: '08:00' });
    expect(await prefsOf('U0MIA')).toMatchObject({ digestDay: 'monday', digestTime: '07:05' });
    v = await change('Mia Manager', { item: 'digest', value: '18:30' });
    expect(v.digest).toMatchObject({ day: 'monday', time: '18:30', heldUntil: null });
    v = await change('Mia Manager', { item: 'digest', value: 'weekdays' });
    expect(v.digest).toMatchObject({ day: 'weekdays', time: null, isDefault: false });
    expect(await prefsOf('U0MIA')).toMatchObject({ digestDay: 'weekdays', digestTime: null });
    v = await change('Mia Manager', { item: 'digest', value: 'fri', time: '00:00' });
    expect(v.digest).toMatchObject({ day: 'friday', time: '00:00' });
    v = await change('Mia Manager', { item: 'digest', value: 'default' });
    expect(v.digest).toMatchObject({ day: 'daily', time: null, isDefault: true });
    expect(await prefsOf('U0MIA')).toEqual(NOTIFY_DEFAULTS);
    // An admin without reports schedules theirs too.
    v = await change('Ada Admin', { item: 'digest', value: 'sunday', time: '23:59' });
    expect(v.digest).toMatchObject({ day: 'sunday', time: '23:59', heldUntil: '08:00' });
  });

  it('reset: everything back to its default (rank off, off the old list too)', async () => {
    await setLegacyList(['U0DANA']);
    await change('Dana Scott', { item: 'milestones', value: 'off' });
    const v = await change('Dana Scott', { item: 'reset' });
    expect(v).toMatchObject({
      changed: 'reset',
      rank: { on: false, isDefault: true, legacyOptIn: false },
      milestones: { on: true, isDefault: true },
    });
    expect(await legacyList()).toEqual([]);
    expect(await prefsOf('U0DANA')).toEqual(NOTIFY_DEFAULTS);
  });
});

describe('the old rank opt-in list', () => {
  it('is the default: someone on it gets rank DMs until they choose', async () => {
    await setLegacyList(['U0DANA']);
    const v = await notifySettings(await ctx(as('Dana Scott')));
    expect(v.rank).toEqual({ on: true, isDefault: true, legacyOptIn: true, ranked: true });
    expect((await prefsOf('U0DANA')).rankDm).toBe(true);
    expect((await prefsOf('U0LEE')).rankDm).toBe(false);
  });

  it('turning it off stops them even where the list still has them; the change is stored per person', async () => {
    await setLegacyList(['U0DANA', 'U0LEE']);
    await change('Dana Scott', { item: 'rank', value: 'off' });
    expect(await legacyList()).toEqual(['U0LEE']);
    expect(
      (await store.db.notifyPreference.findMany({ where: { workspaceId: ws.id } })).map((r) => r.slackUserId),
    ).toEqual(['U0DANA']);
    // Even if the list had them again (an older replica writing it), the stored choice wins.
    await setLegacyList(['U0DANA', 'U0LEE']);
    expect((await prefsOf('U0DANA')).rankDm).toBe(false);
    expect((await notifySettings(await ctx(as('Dana Scott')))).rank).toEqual({
      on: false,
      isDefault: false,
      legacyOptIn: true,
      ranked: true,
    });
  });

  it("the leaderboard post's button writes the per-person preference (and keeps the list in step)", async () => {
    await setRankOptIn(await ctx(as('Lee Park')), { join: true });
    expect(await prefsOf('U0LEE')).toMatchObject({ rankDm: true });
    expect(await legacyList()).toEqual(['U0LEE']);
    await setRankOptIn(await ctx(as('Lee Park')), { join: false });
    const stored = await store.db.notifyPreference.findUniqueOrThrow({
      where: { workspaceId_slackUserId: { workspaceId: ws.id, slackUserId: 'U0LEE' } },
    });
    expect(JSON.parse(stored.settings)).toEqual({ rankDm: false });
    expect(await legacyList()).toEqual([]);
  });
});

describe('refusals', () => {
  const refused = async (name: string, input: Parameters<typeof changeNotify>[1]) =>
    refusal(change(name, input));

  it('an unknown item, with the closest one', async () => {
    const e = await refused('Dana Scott', { item: 'rnak', value: 'on' });
    expect(e.code).toBe('bad_request');
    expect(e.message).toMatch(/^`rnak` is not something `\/kpi notify` changes \(did you mean `rank`\?\)/);
    expect((await refused('Dana Scott', { item: 'milestone', value: 'on' })).message).toMatch(
      /did you mean `milestones`/,
    );
    expect((await refused('Dana Scott', { item: 'weather', value: 'on' })).message).not.toMatch(
      /did you mean/,
    );
  });

  it('on/off words, with the closest one', async () => {
    expect((await refused('Dana Scott', { item: 'stalled', value: 'of' })).message).toMatch(
      /did you mean `stalled off`/,
    );
    expect((await refused('Dana Scott', { item: 'stalled', value: 'maybe' })).message).toMatch(
      /^`maybe` is not on or off\.$/,
    );
    expect((await refused('Dana Scott', { item: 'stalled' })).message).toMatch(
      /Say `stalled on` or `stalled off`/,
    );
    expect((await refused('Dana Scott', { item: 'rank', value: 'on', time: '07:00' })).message).toMatch(
      /takes only on or off/,
    );
  });

  it('digest days and times', async () => {
    const bad = (value: string, time?: string) => refused('Mia Manager', { item: 'digest', value, time });
    expect((await bad('monday', '25:00')).message).toMatch(
      /^`25:00` is not a time of day: say HH:MM on the 24-hour clock, e\.g\. `07:30` \(Europe\/Berlin time/,
    );
    expect((await bad('25:00')).message).toMatch(/`25:00` is not a time of day/);
    expect((await bad('monday', '7:60')).message).toMatch(/`7:60` is not a time of day/);
    expect((await bad('monday', '7am')).message).toMatch(/`7am` is not a time of day/);
    expect((await bad('someday')).message).toMatch(
      /^`someday` is not a digest day: say daily, weekdays, a weekday \(monday to sunday\) or default\.$/,
    );
    expect((await bad('wensday')).message).toMatch(/did you mean `wednesday`/);
    expect((await bad('default', '08:00')).message).toMatch(/takes no time/);
    expect((await bad('')).message).toMatch(/Say which days/);
    // Nothing was stored by any of them.
    expect(await prefsOf('U0MIA')).toEqual(NOTIFY_DEFAULTS);
  });

  it('who may: a rep has no digest; managers and admins are not ranked; no Slack account, nothing to choose', async () => {
    const digest = await refused('Dana Scott', { item: 'digest', value: 'monday' });
    expect(digest.code).toBe('forbidden');
    expect(digest.message).toMatch(/digest goes to managers/);
    expect((await refused('Mia Manager', { item: 'rank', value: 'on' })).message).toMatch(/ranks reps/);
    // Turning it off is always allowed.
    expect((await change('Mia Manager', { item: 'rank', value: 'off' })).rank.on).toBe(false);
    const nobody = await refused('Nora NoSlack', { item: 'milestones', value: 'off' });
    expect(nobody.message).toMatch(/^Choices are kept for people with a Slack id, and you have none here/);
    expect(nobody.message).toContain('In local mode');
    expect((await notifySettings(await ctx(as('Nora NoSlack')))).reachable).toBe(false);
  });

  it('refuses the rank DM to a rep the weekly board never ranks (inactive); they may still turn it off', async () => {
    const ivy = await store.db.rep.create({
      data: { workspaceId: ws.id, name: 'Ivy Inactive', slackUserId: 'U0IVY', role: 'rep', active: false },
    });
    const ivyCtx = await ctx({ repId: ivy.id, slackUserId: 'U0IVY', name: ivy.name });
    const refusal = await changeNotify(ivyCtx, { item: 'rank', value: 'on' }).catch((e: unknown) => e);
    expect(refusal).toMatchObject({ code: 'forbidden' });
    expect((refusal as Error).message).toMatch(/^The weekly board ranks active reps; you are not on it/);
    expect((await prefsOf('U0IVY')).rankDm).toBe(false);
    expect(await legacyList()).not.toContain('U0IVY');
    // The board she would be ranked on indeed leaves her out.
    const board = await activeRepsForWeeklyBoard(store.db, ws.id);
    expect(board.map((r) => r.id)).not.toContain(ivy.id);
    expect(board.map((r) => r.name)).toContain('Dana Scott');
    expect((await changeNotify(ivyCtx, { item: 'rank', value: 'off' })).rank.on).toBe(false);
    // Active again: she may.
    await store.db.rep.update({ where: { id: ivy.id }, data: { active: true } });
    expect((await changeNotify(ivyCtx, { item: 'rank', value: 'on' })).rank.on).toBe(true);
    await store.db.rep.delete({ where: { id: ivy.id } });
  });

  it('5,000 characters and markup are refused, echoed short', async () => {
    const long = `${'x'.repeat(5000)}`;
    const e = await refused('Dana Scott', { item: long, value: 'on' });
    expect(e.message.length).toBeLessThan(300);
    expect(e.message).toMatch(/^`x{40}…` is not something/);
    const v = await refused('Dana Scott', { item: 'rank', value: long });
    expect(v.message).toMatch(/far too long/);
    expect(v.message.length).toBeLessThan(200);
    const t = await refused('Mia Manager', { item: 'digest', value: 'monday', time: long });
    expect(t.message).toMatch(/far too long/);
    const m = await refused('Dana Scott', { item: '*rank* <!channel>', value: 'on' });
    expect(m.message).toMatch(/^`\*rank\* <!channel>` is not something/);
    expect(await prefsOf('U0DANA')).toEqual(NOTIFY_DEFAULTS);
  });
});

describe('only one’s own, only in one’s workspace', () => {
  it('extra fields naming someone else change nothing of theirs', async () => {
    await changeNotify(await ctx(as('Dana Scott')), {
      item: 'milestones',
      value: 'off',
      ...({ slackUserId: 'U0LEE', who: 'U0LEE', workspaceId: other.id } as object),
    });
    expect((await prefsOf('U0DANA')).milestoneDm).toBe(false);
    expect((await prefsOf('U0LEE')).milestoneDm).toBe(true);
    expect((await prefsOf('U0DANA', other.id)).milestoneDm).toBe(true);
  });

  it('the same Slack id in another workspace keeps its own choices', async () => {
    await change('Dana Scott', { item: 'stalled', value: 'off' });
    const elsewhere: TActor = { slackUserId: 'U0DANA', name: 'Dana Elsewhere' };
    const there = await notifySettings(await ctx(elsewhere, other.id));
    expect(there.stalled).toMatchObject({ on: true, isDefault: true });
    await changeNotify(await ctx(elsewhere, other.id), { item: 'milestones', value: 'off' });
    expect(await prefsOf('U0DANA')).toMatchObject({ stalledDm: false, milestoneDm: true });
    expect(await prefsOf('U0DANA', other.id)).toMatchObject({ stalledDm: true, milestoneDm: false });
  });
});

describe('in any order', () => {
  it('the last word on each choice wins, whatever the interleaving (property)', async () => {
    const step = fc.oneof(
      fc.record({ item: fc.constantFrom('milestones', 'stalled'), value: fc.constantFrom('on', 'off') }),
      fc.record({
        item: fc.constant('digest'),
        value: fc.constantFrom('daily', 'weekdays', 'tuesday', 'default'),
        time: fc.option(fc.constantFrom('06:00', '17:45'), { nil: undefined }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), async (steps) => {
        await store.db.notifyPreference.deleteMany({});
        const model = { ...NOTIFY_DEFAULTS };
        for (const s of steps) {
          const input = 'time' in s && s.time === undefined ? { item: s.item, value: s.value } : s;
          if (s.value === 'default' && 'time' in s && s.time) continue;
          await change('Mia Manager', input);
          if (s.item === 'milestones') model.milestoneDm = s.value === 'on';
          else if (s.item === 'stalled') model.stalledDm = s.value === 'on';
          else if (s.value === 'default') Object.assign(model, { digestDay: 'daily', digestTime: null });
          else
            Object.assign(model, { digestDay: s.value, digestTime: 'time' in s ? (s.time ?? null) : null });
        }
        expect(await prefsOf('U0MIA')).toEqual(model);
      }),
      { numRuns: 25 },
    );
  });

  it('rank DMs: the last choice wins, through any path, whatever the old list held (property)', async () => {
    const action = fc.constantFrom('button on', 'button off', 'notify on', 'notify off', 'reset');
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(action, { maxLength: 5 }), async (listed, actions) => {
        await store.db.notifyPreference.deleteMany({});
        await setLegacyList(listed ? ['U0LEE'] : []);
        let expected = listed;
        for (const a of actions) {
          const c = await ctx(as('Lee Park'));
          if (a === 'reset') await changeNotify(c, { item: 'reset' });
          else if (a.startsWith('button')) await setRankOptIn(c, { join: a.endsWith('on') });
          else await changeNotify(c, { item: 'rank', value: a.endsWith('on') ? 'on' : 'off' });
          expected = a.endsWith('on');
        }
        expect((await prefsOf('U0LEE')).rankDm).toBe(expected);
        // The old list is kept in step with a choice (and untouched when there was none).
        expect((await legacyList()).includes('U0LEE')).toBe(expected);
        expect((await notifySettings(await ctx(as('Lee Park')))).rank).toEqual({
          on: expected,
          isDefault: actions.length === 0 || actions.at(-1) === 'reset',
          legacyOptIn: expected,
          ranked: true,
        });
      }),
      { numRuns: 30 },
    );
  });

  it('a preference stored directly by the store reads the same through /kpi notify', async () => {
    await changeNotifyPreferences(store.db, ws.id, 'U0MIA', { digestDay: 'thursday', digestTime: '09:15' });
    const v = await notifySettings(await ctx(as('Mia Manager')));
    expect(v.digest).toMatchObject({ day: 'thursday', time: '09:15', isDefault: false });
  });
});

describe('at once', () => {
  it('changes of different choices at the same moment all stick (no lost update)', async () => {
    for (let round = 0; round < 20; round++) {
      await store.db.notifyPreference.deleteMany({});
      await Promise.all([
        change('Mia Manager', { item: 'milestones', value: 'off' }),
        change('Mia Manager', { item: 'stalled', value: 'off' }),
        change('Mia Manager', { item: 'digest', value: 'friday', time: '16:00' }),
        change('Mia Manager', { item: 'rank', value: 'off' }),
      ]);
      expect(await prefsOf('U0MIA')).toEqual({
        rankDm: false,
        milestoneDm: false,
        stalledDm: false,
        digestDay: 'friday',
        digestTime: '16:00',
      });
    }
  });
});
