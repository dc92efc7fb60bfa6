import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { celebrationMessageOf, milestoneDmOf, type TMomentPayload } from '../../src/moments/send.js';
import type { TCelebrationPayload, TMilestonePayload } from '../../src/moments/types.js';
import { buildCelebrationMessage } from '../../src/views/moments.js';
import { buildSettings, type TSettingsView } from '../../src/views/settings.js';
import type { TMessage } from '../../src/views/types.js';

/** The moments' messages as pure views: escaping, Block Kit limits, a fixed order, the text and terminal forms. */

const HOSTILE =
  '<!channel> *bold* _it_ ~strike~ `code` <https://evil.example|click> & <@U0EVIL> @here\n> quote';
const LONG_NAME = `${HOSTILE} ${'Ñ'.repeat(220)}`;

const win = (i: number, over: Partial<TCelebrationPayload> = {}): TMomentPayload => ({
  kind: 'celebration',
  payload: {
    dealId: `d${String(i).padStart(3, '0')}`,
    repName: `Rep ${i}`,
    slackUserId: i % 2 ? `U0REP${i}` : null,
    title: `Deal ${i}`,
    amountMinor: String(100_000 + i),
    currency: 'USD',
    closedAt: new Date(Date.UTC(2026, 10, 20, 13, i % 60)).toISOString(),
    progress: null,
    attempts: 0,
    ...over,
  },
});
const reached = (i: number, over: Partial<TMilestonePayload> = {}): TMomentPayload => ({
  kind: 'milestone',
  payload: {
    repName: `Rep ${i}`,
    slackUserId: null,
    metricId: 'sales.won_total',
    metricTitle: 'Won revenue',
    unit: 'money',
    percent: 100,
    actual: 41_000,
    target: 40_000,
    currency: 'USD',
    periodKey: '2026-11',
    periodLabel: 'November 2026',
    attempts: 0,
    ...over,
  },
});

/** Slack's limits, and what no message may carry: a live mention of everyone, a link or a user from user text. */
function expectWithinLimits(m: TMessage) {
  expect(m.blocks.length).toBeLessThanOrEqual(50);
  for (const b of m.blocks) {
    if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(150);
    if (b.type === 'section') expect(b.text?.text.length ?? 0).toBeLessThanOrEqual(3000);
    if (b.type === 'context')
      for (const e of b.elements) expect('text' in e ? e.text.length : 0).toBeLessThanOrEqual(3000);
  }
  const all = `${JSON.stringify(m.blocks)}${m.text}`;
  expect(all).not.toContain('<!channel>');
  expect(all).not.toContain('<https://evil');
  expect(all).not.toContain('<@U0EVIL>');
  expect(all).not.toMatch(/(^|[^\u2060])@here/);
  // The terminal: no control character but line breaks.
  const controls = [...m.terminal].filter((c) => {
    const code = c.codePointAt(0) ?? 0;
    return (code < 32 && code !== 10) || code === 127;
  });
  expect(controls).toEqual([]);
}

describe('celebration message', () => {
  it('a 5,000-character title and a 200+ character hostile name: escaped, cut, within limits', () => {
    const m = celebrationMessageOf([
      win(1, { title: `${HOSTILE} ${'t'.repeat(5_000)}`, repName: LONG_NAME, slackUserId: null }),
      reached(2, { repName: LONG_NAME }),
    ]);
    expectWithinLimits(m);
    const section = JSON.stringify(m.blocks);
    expect(section).toContain('&lt;!channel&gt;');
    expect(section.length).toBeLessThan(2_000);
    expect(m.terminal).toContain('<!channel> *bold*');
    expect(m.terminal.split('\n')).toHaveLength(3);
    expect(m.text).toMatch(/^🎉 1 deal won, 1 target reached: /);
  });

  it('60 wins: 24 lines and "…and 36 more", one header, within limits', () => {
    const m = celebrationMessageOf(Array.from({ length: 60 }, (_, i) => win(i, { repName: LONG_NAME })));
    expectWithinLimits(m);
    const lines = m.blocks.flatMap((b) => (b.type === 'section' ? (b.text?.text ?? '').split('\n') : []));
    expect(lines).toHaveLength(25);
    expect(lines.at(-1)).toBe('…and 36 more');
    expect(m.terminal.split('\n').at(-1)).toBe('  …and 36 more');
  });

  it('amounts in the deal currency, progress to target, an untitled deal', () => {
    const m = celebrationMessageOf([
      win(1, {
        amountMinor: '500000',
        currency: 'JPY',
        title: '  ',
        progress: { percent: 62.9, target: 40_000, currency: 'USD', periodLabel: 'November 2026' },
      }),
    ]);
    expect(JSON.stringify(m.blocks)).toContain(
      '<@U0REP1> won _a deal_ for *¥500,000* · 62% of $40,000 for November 2026',
    );
    expect(m.terminal).toContain('Rep 1 won a deal for ¥500,000 · 62% of $40,000 for November 2026');
  });

  it('the same message whatever order the moments were recorded or claimed in', () => {
    const items = [
      ...Array.from({ length: 8 }, (_, i) => win(i)),
      reached(3),
      reached(1, {
        metricId: 'outreach.total',
        metricTitle: 'Outreach',
        unit: 'count',
        actual: 120,
        target: 100,
      }),
    ];
    const expected = celebrationMessageOf(items);
    fc.assert(
      fc.property(
        fc.shuffledSubarray(items, { minLength: items.length, maxLength: items.length }),
        (shuffled) => {
          expect(celebrationMessageOf(shuffled)).toEqual(expected);
        },
      ),
    );
  });

  it('only 100% milestones: a "Targets reached" message', () => {
    const m = buildCelebrationMessage({ wins: [], reached: [] });
    expect(m.blocks).toHaveLength(1);
    const only = celebrationMessageOf([reached(1)]);
    expect(only.terminal).toBe(
      'Targets reached:\n  Rep 1 reached 100% of their won revenue target for November 2026: $41,000 of $40,000 (102%)',
    );
  });
});

describe('milestone DM', () => {
  it('says where the rep stands, one line per milestone, in a fixed order, with how to turn it off', () => {
    const m = milestoneDmOf([
      reached(1, {
        metricId: 'personalization.personalized',
        metricTitle: 'Personalized outreach',
        unit: 'count',
        percent: 50,
        actual: 25,
        target: 50,
      }),
      reached(1, { percent: 90, actual: 36_000 }),
    ]);
    expectWithinLimits(m);
    expect(m.terminal).toBe(
      [
        'You passed 50% of your personalized outreach target for November 2026: 25 of 50 (50%).',
        'You passed 90% of your won revenue target for November 2026: $36,000 of $40,000 (90%).',
      ].join('\n'),
    );
    expect(JSON.stringify(m.blocks)).toContain('`/kpi notify milestones off`');
  });
});

describe('the real share, and a burst grouped by rep', () => {
  const june = { periodKey: '2017-06', periodLabel: 'June 2017', target: 120_000 };

  it('a milestone DM says the threshold passed and where the rep really is', () => {
    const m = milestoneDmOf([
      reached(1, { ...june, percent: 50, actual: 102_000 }),
      reached(1, { ...june, percent: 90, actual: 119_999, metricId: 'sales.won_total~' }),
    ]);
    expect(m.terminal.split('\n')).toEqual([
      'You passed 50% of your won revenue target for June 2017: $102,000 of $120,000 (85%).',
      'You passed 90% of your won revenue target for June 2017: $119,999 of $120,000 (99%).',
    ]);
    expect(m.text).toBe(
      'You passed 50% of your won revenue target for June 2017: $102,000 of $120,000 (85%).',
    );
    expect(JSON.stringify(m.blocks)).toContain('You passed *50%* of your won revenue target');
  });

  it('the 100% line in the channel says the real share too', () => {
    const m = celebrationMessageOf([reached(1, { ...june, actual: 130_000 })]);
    expect(m.terminal).toContain(
      'reached 100% of their won revenue target for June 2017: $130,000 of $120,000 (108%)',
    );
  });

  const progress = { percent: 103.2, target: 120_000, currency: 'USD', periodLabel: 'June 2017' };
  const darcel = { repName: 'Darcel', slackUserId: null, progress };
  const darcelWin = (i: number, title: string, amountMinor: string) =>
    ({ ...win(i, { ...darcel, title, amountMinor }), repId: 'r-darcel' }) as TMomentPayload;

  it("a rep's wins, then their progress once; another rep's single win keeps it on its line", () => {
    const m = celebrationMessageOf([
      darcelWin(1, 'X', '451400'),
      {
        ...win(2, {
          repName: 'Lee',
          slackUserId: 'U0LEE',
          title: 'Z',
          progress: { ...progress, percent: 40 },
        }),
        repId: 'r-lee',
      },
      darcelWin(3, 'Y', '5000'),
    ]);
    expect(m.terminal.split('\n')).toEqual([
      'Deals won:',
      '  Darcel won X for $4,514',
      '  Darcel won Y for $50',
      '  Darcel is at 103% of $120,000 for June 2017',
      '  Lee won Z for $1,000 · 40% of $120,000 for June 2017',
    ]);
    expect(JSON.stringify(m.blocks)).toContain(
      ':chart_with_upwards_trend: *Darcel* is at 103% of $120,000 for June 2017',
    );
  });

  it("a rep's 100% won-revenue milestone is folded into their group instead of the progress line", () => {
    const m = celebrationMessageOf([
      darcelWin(1, 'X', '451400'),
      { ...reached(9, { ...june, repName: 'Darcel', actual: 123_840 }), repId: 'r-darcel' },
      { ...reached(8, { ...june, repName: 'Ann', actual: 120_000 }), repId: 'r-ann' },
      darcelWin(3, 'Y', '5000'),
    ]);
    expect(m.terminal.split('\n')).toEqual([
      'Deals won:',
      '  Darcel won X for $4,514',
      '  Darcel won Y for $50',
      '  Darcel reached 100% of their won revenue target for June 2017: $123,840 of $120,000 (103%)',
      '  Ann reached 100% of their won revenue target for June 2017: $120,000 of $120,000 (100%)',
    ]);
    expect(m.text).toBe('🎉 2 deals won, 2 targets reached: Darcel, Ann');
  });

  it('grouped lines: the same message whatever order (fast-check), every moment shown or counted', () => {
    const items: TMomentPayload[] = [];
    for (let i = 0; i < 40; i++)
      items.push({
        ...win(i, { repName: `Rep ${i % 7}`, progress: i % 2 ? progress : null }),
        repId: `r${i % 7}`,
      });
    for (let r = 0; r < 7; r += 2) items.push({ ...reached(r, { repName: `Rep ${r}` }), repId: `r${r}` });
    const expected = celebrationMessageOf(items);
    const lines = expected.terminal.split('\n');
    expect(lines).toHaveLength(26);
    const listed = lines.filter((l) => / won | reached /.test(l)).length;
    expect(lines.at(-1)).toBe(`  …and ${items.length - listed} more`);
    fc.assert(
      fc.property(
        fc.shuffledSubarray(items, { minLength: items.length, maxLength: items.length }),
        (shuffled) => {
          expect(celebrationMessageOf(shuffled)).toEqual(expected);
        },
      ),
    );
  });

  it('60 reps with long hostile names, two wins each and progress: grouped, escaped, within limits', () => {
    const items: TMomentPayload[] = [];
    for (let r = 0; r < 60; r++)
      for (const k of [0, 1])
        items.push({
          ...win(r * 2 + k, {
            repName: `${LONG_NAME} ${r}`,
            slackUserId: null,
            title: `${HOSTILE} ${'t'.repeat(600)}`,
            progress,
          }),
          repId: `r${r}`,
        });
    const m = celebrationMessageOf(items);
    expectWithinLimits(m);
    const lines = m.blocks.flatMap((b) => (b.type === 'section' ? (b.text?.text ?? '').split('\n') : []));
    expect(lines).toHaveLength(25);
    // 8 reps shown whole (two wins and a progress line each), then "…and N more" for the 104 wins not listed.
    expect(lines.filter((l) => l.startsWith(':chart_with_upwards_trend:'))).toHaveLength(8);
    expect(lines.at(-1)).toBe('…and 104 more');
    expect(m.text).toMatch(/^🎉 120 deals won: /);
  });

  it('moments sent with the message but not read are counted in the headline and "…and N more"', () => {
    const m = celebrationMessageOf([win(1)], { unlisted: { wins: 9_999, reached: 2 } });
    expect(m.text).toMatch(/^🎉 10,000 deals won, 2 targets reached: Rep 1$/);
    expect(m.terminal.split('\n')).toEqual([
      'Deals won:',
      '  Rep 1 won Deal 1 for $1,000',
      '  …and 10,001 more',
    ]);
    expectWithinLimits(m);
  });

  it('the reps as they are now: current name and mention replace those recorded', () => {
    const reps = new Map([
      ['r-darcel', { id: 'r-darcel', name: 'Darcel <Now>', slackUserId: 'U0NEW', active: true }],
    ]);
    const m = celebrationMessageOf([darcelWin(1, 'X', '100')], { reps });
    expect(JSON.stringify(m.blocks)).toContain('<@U0NEW> won _X_');
    expect(m.terminal).toContain('Darcel <Now> won X');
  });
});

describe('/kpi settings: the celebration and stalled-deal rows in all three views', () => {
  const base: TSettingsView = {
    timezone: 'UTC',
    fiscalYearStartMonth: 1,
    weekStartsOn: 1,
    currency: 'EUR',
    leaderboardChannel: null,
    jobs: [{ job: 'stalled-deals', enabled: true, schedule: '0 9 * * 1' }],
    quietHours: null,
    alertRules: [],
    funnelStages: { stages: [], learned: true },
    celebrations: { setting: 'channel', channel: 'C0WINS', min: 5000, minShown: '€5,000' },
    stalledDays: { days: 1, isDefault: false },
  };

  it('Slack, the terminal and JSON say the same', () => {
    const reply = buildSettings(base);
    expect(reply.text).toContain(
      'Celebrations channel: <#C0WINS>\nCelebrate wins from: €5,000\nStalled after: 1 day without activity',
    );
    expect(reply.text).toContain('Stalled deals (DMs): `0 9 * * 1`');
    expect(reply.terminal).toMatch(/Celebrations channel +#C0WINS/);
    expect(reply.terminal).toMatch(/Celebrate wins from +€5,000/);
    expect(reply.terminal).toMatch(/Stalled deals \(DMs\) +0 9 \* \* 1/);
    expect(reply.data).toMatchObject({
      celebrations: { setting: 'channel', channel: 'C0WINS', min: 5000 },
      stalledDays: { days: 1, isDefault: false },
    });
  });

  it('off, the server default, any amount and the default days', () => {
    const off = buildSettings({
      ...base,
      celebrations: { setting: 'off', channel: null, min: 0, minShown: '€0' },
    });
    expect(off.text).toContain('Celebrations channel: off\nCelebrate wins from: any amount');
    const byDefault = buildSettings({
      ...base,
      celebrations: { setting: 'default', channel: null, min: 0, minShown: '€0' },
      stalledDays: { days: 14, isDefault: true },
    });
    expect(byDefault.terminal).toContain("the server's default (KPI_CELEBRATIONS_CHANNEL; off when unset)");
    expect(byDefault.terminal).toContain('14 days without activity (default)');
  });
});
