import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandRouter } from '../../src/commands/execute.js';
import { COMMANDS } from '../../src/commands/index.js';
import type { TActor } from '../../src/commands/types.js';
import type { Workspace } from '../../src/generated/sqlite/client.js';
import { createLogger } from '../../src/logger.js';
import type { TStore } from '../../src/store/store.js';
import { blocksToText } from '../../src/views/text.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';

let store: TStore;
let cleanup: () => Promise<void>;
let ws: Workspace;
const router = createCommandRouter(COMMANDS);
const now = new Date('2017-07-10T15:00:00Z');
const actors: Record<string, TActor> = {};

beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
  const { db } = store;
  ws = await db.workspace.create({
    data: { slackTeamId: 'T0ACME', timezone: 'UTC', settings: JSON.stringify({ admins: ['U0BOSS'] }) },
  });
  const add = async (name: string, slackUserId: string, role: string, managerId: string | null = null) => {
    const rep = await db.rep.create({ data: { workspaceId: ws.id, name, slackUserId, role, managerId } });
    actors[name] = { repId: rep.id, slackUserId, name };
    return rep;
  };
  const vp = await add('Vera VP', 'U0VERA', 'manager');
  const mona = await add('Mona Reyes', 'U0MONA', 'manager', vp.id);
  const tom = await add('Tom Lind', 'U0TOM', 'manager', vp.id);
  const dana = await add('Dana Scott', 'U0DANA', 'rep', mona.id);
  await add('Lee <!channel>', 'U0LEE', 'rep', mona.id);
  await add('Cleo Varga', 'U0CLEO', 'rep', tom.id);
  await add('Ada Admin', 'U0ADA', 'admin');
  actors.boss = { slackUserId: 'U0BOSS', name: 'Boss (workspace setting)' };
  const won = (repId: string, id: string, minor: bigint, month: string) => ({
    workspaceId: ws.id,
    repId,
    source: 'csv',
    externalId: id,
    stage: 'Won',
    status: 'won',
    amountMinor: minor,
    openedAt: new Date(`${month}-02T00:00:00Z`),
    closedAt: new Date(`${month}-20T00:00:00Z`),
  });
  await db.deal.createMany({
    data: [won(dana.id, 'd1', 500_000n, '2017-06'), won(dana.id, 'd2', 250_000n, '2017-05')],
  });
});
afterAll(async () => {
  await cleanup();
});

const run = (text: string, who: string) =>
  router.execute(text, {
    workspace: ws,
    actor: actors[who] as TActor,
    now,
    store,
    logger: createLogger('silent'),
  });

describe(`/kpi rep, /kpi team, /kpi why with permissions (${TEST_PROVIDER})`, () => {
  it('a rep sees their own details but not a teammate’s', async () => {
    expect((await run('rep <@U0DANA|dana> 2017-06', 'Dana Scott')).text).toBe(
      'Dana Scott, June 2017: won $5,000',
    );
    const denied = await run('rep <@U0LEE|lee> 2017-06', 'Dana Scott');
    expect(denied.text).toMatch(
      /^Sorry, Lee &lt;!channel&gt;'s details are for them, their manager and KPI Bot admins/,
    );
    expect(JSON.stringify(denied.blocks)).not.toContain('<!channel>');
  });

  it("a manager sees their reports, their reports' reports, and nobody else's", async () => {
    expect((await run('rep <@U0DANA> 2017-06', 'Mona Reyes')).text).toContain('won $5,000');
    expect((await run('rep "Dana Scott" 2017-06', 'Vera VP')).text).toContain('won $5,000');
    expect((await run('rep <@U0DANA> 2017-06', 'Tom Lind')).text).toMatch(/^Sorry/);
    expect((await run('rep <@U0MONA>', 'Dana Scott')).text).toMatch(/^Sorry/);
  });

  it('admins (by role or by the workspace setting) see everyone', async () => {
    expect((await run('rep <@U0CLEO>', 'Ada Admin')).text).toContain('Cleo Varga');
    expect((await run('rep <@U0CLEO>', 'boss')).text).toContain('Cleo Varga');
    const all = blocksToText((await run('team 2017-06', 'boss')).blocks);
    expect(all).toContain('EVERYONE · JUNE 2017');
    expect(all).toContain('Cleo Varga');
    expect(all).toContain('Dana Scott');
  });

  it("team shows a manager's reports with totals and who needs attention; reps are refused", async () => {
    const reply = await run('team 2017-06', 'Mona Reyes');
    const text = blocksToText(reply.blocks);
    expect(text).toContain("MONA REYES'S TEAM · JUNE 2017");
    expect(text).toContain('Team\nwon $5,000');
    // Ranked by won revenue: Dana first; Lee won nothing, so is listed unranked.
    expect(text).toContain('1. Dana Scott\nwon $5,000');
    expect(text).toContain('Lee <!channel> (not ranked: no result)\nwon $0');
    expect(JSON.stringify(reply.blocks)).not.toContain('<!channel>');
    expect(text).toContain('Needs attention');
    expect(text).not.toContain('Cleo Varga');
    expect((await run('team', 'Dana Scott')).text).toMatch(/Team views are for managers and admins/);
    expect((await run('team <@U0TOM>', 'Mona Reyes')).text).toMatch(/only KPI Bot admins/);
    expect(blocksToText((await run('team <@U0TOM> 2017-06', 'Ada Admin')).blocks)).toContain('Cleo Varga');
  });

  it('why explains the trend for oneself and, with permission, for a report', async () => {
    const own = await run('why 2017-06', 'Dana Scott');
    expect(own.text).toMatch(/^Dana Scott, June 2017: (Declining|No decline|Not enough history yet)\./);
    expect((await run('why <@U0DANA> 2017-06', 'Mona Reyes')).text).toMatch(/^Dana Scott, June 2017/);
    expect((await run('why <@U0DANA>', 'Cleo Varga')).text).toMatch(/^Sorry/);
  });

  it('funnel shows the stages for oneself and, with permission, for a report', async () => {
    const own = await run('funnel 2017-06', 'Dana Scott');
    expect(own.text).toMatch(/^Funnel · Dana Scott · June 2017: /);
    expect(blocksToText(own.blocks)).toMatch(/No funnel stages yet|open at period end/);
    expect((await run('funnel <@U0DANA> 2017-06', 'Mona Reyes')).text).toMatch(/^Funnel · Dana Scott/);
    expect((await run('funnel <@U0DANA>', 'Cleo Varga')).text).toMatch(/^Sorry/);
  });

  it('admins set targets for a rep, a team or everyone, from the start of the current period', async () => {
    const rep = await run('target set <@U0DANA|dana> sales.won_total $50k', 'Ada Admin');
    expect(rep.text).toBe('Target set: Dana Scott, Won revenue $50,000.00 a month, from July 2017.');
    const team = await run('target set team <@U0MONA> outreach.total 400 weekly', 'boss');
    expect(team.text).toMatch(
      /^Target set: Mona Reyes's team, Outreach 400 a week per rep, from .*\. A rep with a target of their own keeps it\.$/,
    );
    const all = await run('target set team opportunities.win_rate 35% quarterly', 'Ada Admin');
    expect(all.text).toMatch(/^Target set: everyone, .* 35\.0% per rep, from /);
    const rows = await store.db.target.findMany({
      where: { workspaceId: ws.id },
      orderBy: { createdAt: 'asc' },
    });
    expect(
      rows.map((r) => [r.scope, r.metricId, r.periodKind, r.amount, r.effectiveFrom.toISOString()]),
    ).toEqual([
      ['rep', 'sales.won_total', 'month', 5_000_000n, '2017-07-01T00:00:00.000Z'],
      ['team', 'outreach.total', 'week', 400n, '2017-07-10T00:00:00.000Z'],
      // A share is stored in millionths: 35% is 350000.
      ['workspace', 'opportunities.win_rate', 'quarter', 350_000n, '2017-07-01T00:00:00.000Z'],
    ]);
    const me = await run('me', 'Dana Scott');
    expect(blocksToText(me.blocks)).toContain('of $50,000');
  });

  it.each([
    ['target set <@U0DANA> sales.won_total 5000', 'Mona Reyes', /targets are set by KPI Bot admins/],
    ['target', 'Ada Admin', /Say what to set/],
    ['target clear <@U0DANA>', 'Ada Admin', /I can only "set" targets/],
    ['target set sales.won_total 5000', 'Ada Admin', /Say whose target/],
    ['target set <@U0DANA> sales.wonn_total 5000', 'Ada Admin', /did you mean sales.won_total/],
    ['target set <@U0DANA> sales.won_total lots', 'Ada Admin', /positive number such as 50000/],
    ['target set <@U0DANA> sales.won_total -5', 'Ada Admin', /positive number/],
    ['target set <@U0DANA> sales.won_total 5000 fortnightly', 'Ada Admin', /is not weekly, monthly/],
    ['target set <@U0GHOST> sales.won_total 5000', 'Ada Admin', /do not know/],
  ])('%s (as %s) is refused with a reason and sets nothing', async (text, who, message) => {
    const before = await store.db.target.count();
    expect((await run(text, who)).text).toMatch(message);
    expect(await store.db.target.count()).toBe(before);
  });

  it('answers unknown people, missing arguments and bad periods helpfully', async () => {
    expect((await run('rep <@U0NOBODY|ghost>', 'Ada Admin')).text).toMatch(
      /I do not know @ghost as a rep here/,
    );
    expect((await run('rep', 'Ada Admin')).text).toMatch(/Say whose numbers/);
    expect((await run('rep <@U0DANA> fortnight', 'Mona Reyes')).text).toMatch(
      /"fortnight" is not a period I know/,
    );
    expect((await run('team fortnight', 'Mona Reyes')).text).toMatch(
      /"fortnight" is neither a metric nor a period I know/,
    );
    expect((await run('why', 'boss')).text).toMatch(/not set up as a rep/);
  });
});

describe(`/kpi link and /kpi settings (${TEST_PROVIDER})`, () => {
  it('an admin links a CRM owner to a rep, and the facts waiting under it become theirs', async () => {
    const cleo = await store.db.rep.findFirstOrThrow({ where: { workspaceId: ws.id, name: 'Cleo Varga' } });
    await store.db.deal.create({
      data: {
        workspaceId: ws.id,
        source: 'hubspot',
        externalId: 'h1',
        stage: 'x',
        ownerExternalId: 'hubspot:901',
      },
    });
    const reply = await run('link <@U0CLEO|cleo> HubSpot 901', 'Ada Admin');
    expect(reply.text).toMatch(/^Linked hubspot 901 to Cleo Varga: 1 earlier fact is now theirs/);
    expect((await store.db.deal.findFirstOrThrow({ where: { externalId: 'h1' } })).repId).toBe(cleo.id);
    expect((await run('link <@U0CLEO> pipedrive 5', 'Dana Scott')).text).toMatch(
      /linking CRM owners is for KPI Bot admins/,
    );
    expect((await run('link <@U0CLEO> hubspot', 'Ada Admin')).text).toMatch(
      /Say who, which CRM and which owner/,
    );
    expect((await run('link <@U0GHOST> hubspot 5', 'Ada Admin')).text).toMatch(/do not know/);
    expect((await run('link <@U0CLEO> hub/spot 5', 'Ada Admin')).text).toMatch(/not a source name/);
  });

  it('anyone sees the settings; admins change them, each value checked', async () => {
    expect((await run('settings', 'Dana Scott')).text).toContain('Time zone: UTC');
    expect((await run('settings timezone Europe/Berlin', 'Dana Scott')).text).toMatch(
      /changing settings is for KPI Bot admins/,
    );
    expect((await run('settings timezone Europe/Berlin', 'Ada Admin')).text).toBe(
      'Saved: timezone is now Europe/Berlin.',
    );
    expect((await run('settings fiscal-year april', 'Ada Admin')).text).toContain('fiscal-year is now april');
    expect((await run('settings week-start sunday', 'Ada Admin')).text).toContain('week-start is now sunday');
    // This workspace's deals are in USD: another currency would relabel them, so it is refused.
    expect((await run('settings currency eur', 'Ada Admin')).text).toMatch(
      /^The currency stays USD: \d+ deals? ha(s|ve) (its|their) amounts? in USD/,
    );
    expect((await run('settings currency usd', 'Ada Admin')).text).toContain('currency is now USD');
    expect((await run('settings leaderboard-channel <#C0SALES|sales>', 'Ada Admin')).text).toBe(
      'Saved: leaderboard-channel is now #sales.',
    );
    const saved = await store.db.workspace.findUniqueOrThrow({ where: { id: ws.id } });
    expect(saved).toMatchObject({
      timezone: 'Europe/Berlin',
      fiscalYearStartMonth: 4,
      weekStartsOn: 0,
      currency: 'USD',
      leaderboardChannel: 'C0SALES',
    });
    for (const [text, message] of [
      ['settings timezone Atlantis/Lost', /not a time zone/],
      ['settings fiscal-year smarch', /not a month/],
      ['settings week-start funday', /not a day of the week/],
      ['settings currency EURO', /not a currency code/],
      ['settings currency XYZ', /not a currency code/],
      ['settings leaderboard-channel sales', /Pick the channel with #/],
      ['settings timezon UTC', /did you mean timezone/],
      ['settings timezone', /Say the new timezone/],
    ] as const) {
      expect((await run(text, 'Ada Admin')).text).toMatch(message);
    }
    expect(await store.db.workspace.findUniqueOrThrow({ where: { id: ws.id } })).toMatchObject({
      timezone: 'Europe/Berlin',
    });
  });

  it('sets job schedules, quiet hours and alert rules, each checked, keeping the other settings', async () => {
    expect((await run('settings quiet-hours 21:00-07:30', 'Dana Scott')).text).toMatch(/for KPI Bot admins/);
    // The schedule is shown as code, with its real characters (to copy).
    expect((await run('settings leaderboard-schedule 0 10 * * 1', 'Ada Admin')).text).toBe(
      'Saved: leaderboard-schedule is now `0 10 * * 1`.',
    );
    expect((await run('settings alerts-schedule off', 'Ada Admin')).text).toBe(
      'Saved: alerts-schedule is now off.',
    );
    expect((await run('settings quiet-hours 21:00-07:30', 'Ada Admin')).text).toBe(
      'Saved: quiet-hours are now 21:00-07:30.',
    );
    expect((await run('settings alert training_gap 60', 'Ada Admin')).text).toBe(
      'Saved: alert training_gap is now 60 days.',
    );
    expect((await run('settings alert funnel_bottleneck off', 'Ada Admin')).text).toContain('is now off');
    expect((await run('settings leaderboard-metric outreach.total', 'Ada Admin')).text).toContain(
      'outreach.total',
    );
    expect((await run('settings leaderboard-top 3', 'Ada Admin')).text).toContain('leaderboard-top is now 3');
    for (const [text, message] of [
      ['settings leaderboard-schedule every monday', /is not a schedule/],
      ['settings leaderboard-schedule 61 9 * * 1', /is not a schedule/],
      ['settings quiet-hours 25:00-08:00', /HH:MM-HH:MM/],
      ['settings alert sales_declin off', /did you mean sales_decline/],
      ['settings alert sales_decline maybe', /Say on, off or a threshold/],
      ['settings leaderboard-top 40', /1 to 25/],
      ['settings leaderboard-metric sales.won_totl', /did you mean sales\.won_total/],
    ] as const) {
      expect((await run(text, 'Ada Admin')).text).toMatch(message);
    }
    const saved = JSON.parse((await store.db.workspace.findUniqueOrThrow({ where: { id: ws.id } })).settings);
    expect(saved).toEqual({
      admins: ['U0BOSS'],
      jobs: {
        leaderboard: { schedule: '0 10 * * 1', enabled: true, metric: 'outreach.total', top: 3 },
        'coaching-alerts': { enabled: false },
      },
      quietHours: { start: '21:00', end: '07:30' },
      alerts: { training_gap: { threshold: 60 }, funnel_bottleneck: { enabled: false } },
    });
    ws = await store.db.workspace.findUniqueOrThrow({ where: { id: ws.id } });
    const shown = (await run('settings', 'Dana Scott')).text;
    expect(shown).toContain('Weekly leaderboard: `0 10 * * 1`');
    expect(shown).toContain('Coaching alerts: off');
    expect(shown).toContain('training_gap 60');
    expect(shown).toContain('funnel_bottleneck off');
  });
});

describe('csvCell', () => {
  it('quotes what needs quoting and defuses spreadsheet formulas', async () => {
    const { csvCell } = await import('../../src/commands/export-command.js');
    expect(csvCell('Dana Scott')).toBe('Dana Scott');
    expect(csvCell('Scott, Dana')).toBe('"Scott, Dana"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=HYPERLINK("http://evil")')).toBe(`"'=HYPERLINK(""http://evil"")"`);
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell(null)).toBe('');
    // A formula after leading spaces, and separators other locales split on (a review found both got through).
    expect(csvCell(' =2+2')).toBe("' =2+2");
    expect(csvCell('\u00a0+1')).toBe("'\u00a0+1");
    expect(csvCell('Dana;=6+6')).toBe('"Dana;=6+6"');
    expect(csvCell('x\t=1+1')).toBe('"x\t=1+1"');
    expect(csvCell('\tDana')).toBe('"\'\tDana"');
    expect(csvCell('  Dana Scott')).toBe('  Dana Scott');
  });
});
