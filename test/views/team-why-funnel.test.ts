import { describe, expect, it } from 'vitest';
import { buildFunnel, funnelBlocks, funnelJson, funnelText } from '../../src/views/funnel.js';
import { buildTeamTable, teamBlocks, teamJson, teamText } from '../../src/views/team.js';
import { displayWidth } from '../../src/views/terminal.js';
import { buildWhy, whyBlocks, whyJson, whyText } from '../../src/views/why.js';
import { HOSTILE, repReport, teamReport } from './fixtures.js';

const lines = (text: string) => text.split('\n');

describe('team views', () => {
  const names = ['Ana Li', HOSTILE.markup, HOSTILE.emoji, HOSTILE.rtl, HOSTILE.long];

  it('Block Kit: the manager in the header, each rep ranked, bold and escaped, who needs attention', () => {
    const blocks = teamBlocks(teamReport(names));
    const text = JSON.stringify(blocks);
    expect(text).toContain("Mona <b>'s team · June 2017");
    expect(text).not.toContain('<!here>');
    expect(text).toContain('Needs attention (under 50% of their revenue target): Ana Li.');
    // Ana Li (100 won) ranks last of the five; her line: the figure, % of her own target, the trend.
    expect(text).toContain('5. *Ana Li*\\nwon $100 · 2% of $6,000 · ▼ -97.5%');
    expect(text).toContain('Ranked by Won revenue.\\n▲ ▼ against the same days of the previous period.');
  });

  it('terminal: the ranking (team total first), then the other columns (too wide for one table), names as written', () => {
    const text = teamText(teamReport(names));
    const [title, key, header, total, ...rest] = lines(text);
    expect(title).toBe("Mona <b>'s team · June 2017 · ranked by won revenue");
    // June is under way (the fixture compares with 1–10 May): the trend says against what.
    expect(key).toBe('Trend: against the same days of the previous period.');
    expect(header).toMatch(/^ +won +of target +trend$/);
    expect(total).toMatch(/^ +Team +\$10,001 +33% of \$30,000$/);
    expect(text).toMatch(/^5\. +Ana Li +\$100 +2% of \$6,000 +-97\.5%$/m);
    expect(text).toMatch(/^ +win rate +created:lost +outreach +personalized$/m);
    for (const name of names) expect(text).toContain(name);
    // Every figures row of the ranking ends at the same column, however wide the names before it.
    const ranking = [header, ...rest.filter((l) => /^\d\.\s.*\$/.test(l))] as string[];
    expect(ranking).toHaveLength(6);
    expect(new Set(ranking.map(displayWidth)).size).toBe(1);
    expect(text).toContain('Needs attention (under 50% of their revenue target): Ana Li.');
  });

  it('terminal: fits 80 columns for ordinary names', () => {
    for (const line of lines(teamText(teamReport(['Ana Li', 'Bob Stone']))))
      expect(displayWidth(line)).toBeLessThanOrEqual(80);
  });

  it('JSON: the ranked metric, each rep’s rank, own target, attainment and change, who needs attention under which bar', () => {
    const data = teamJson(teamReport(names));
    expect(data).toMatchObject({
      type: 'team',
      manager: { id: 'm1', name: 'Mona <b>' },
      metric: 'sales.won_total',
      currency: 'USD',
      metrics: { 'sales.won_total': 10_000.75 },
      needsAttention: { share: 0.5, reps: [{ id: 'r0', name: 'Ana Li', bar: 3000, basis: 'target' }] },
    });
    const reps = data.reps as { name: string; rank: number; attainment: number; change: unknown }[];
    expect(reps.map((r) => r.name).sort()).toEqual([...names].sort());
    expect(reps.at(-1)).toMatchObject({ name: 'Ana Li', rank: 5, change: { changeUnit: 'percent' } });
    expect(reps.at(-1)?.attainment).toBeCloseTo(100 / 6000, 12);
    expect(JSON.parse(JSON.stringify(data))).toEqual(data);
  });

  it('buildTeamTable assembles the three views; no reps says so', () => {
    const reply = buildTeamTable(teamReport([]));
    expect(reply.blocks).toEqual(teamBlocks(teamReport([])));
    expect(reply.terminal).toContain('No reps in this team yet.');
    expect(reply.data).toMatchObject({ reps: [], needsAttention: { reps: [] } });
  });
});

describe('why views', () => {
  it('Block Kit: the verdict bold, the explanation escaped', () => {
    const [header, section] = whyBlocks(repReport(HOSTILE.markup));
    // plain_text shows the name as written (Slack parses no markup there); mrkdwn gets it escaped.
    expect(header).toMatchObject({
      text: { type: 'plain_text', text: `Why · ${HOSTILE.markup} · June 2017` },
    });
    expect(JSON.stringify(section)).toContain('*Declining.*');
    expect(JSON.stringify(section)).not.toContain('<!here>');
  });

  it('terminal: whom and when, the verdict and the explanation as written, wrapped to 80 columns', () => {
    const text = whyText(repReport(HOSTILE.rtl));
    expect(lines(text)[0]).toBe(`Why · ${HOSTILE.rtl} · June 2017`);
    expect(text.replaceAll('\n', ' ')).toContain(
      `Declining. ${HOSTILE.rtl} won fewer deals than usual: create more pipeline in ${HOSTILE.markup}.`,
    );
    for (const line of lines(text)) expect(displayWidth(line)).toBeLessThanOrEqual(80);
  });

  it('JSON: the diagnosis as computed', () => {
    const data = whyJson(repReport('Dana'));
    expect(data).toMatchObject({
      type: 'why',
      rep: { name: 'Dana' },
      diagnosis: { verdict: 'declining', change: -0.3, driver: 'fewer_deals_pipeline' },
    });
    expect(buildWhy(repReport('Dana')).terminal).toBe(whyText(repReport('Dana')));
  });
});

describe('funnel views', () => {
  it('Block Kit: stage names escaped, the bottleneck bold', () => {
    const text = JSON.stringify(funnelBlocks(repReport('Dana')));
    expect(text).toContain('*Qualify* · 3 open now · 50% went further · 4.3 days in stage');
    expect(text).not.toContain('<!here>');
    expect(text).toMatch(/Bottleneck: \*[^*]+\*: 20% of deals go further/);
  });

  it('terminal: a table of stages (a dash for no data) and the bottleneck, stage names as written', () => {
    const text = funnelText(repReport('Dana'));
    const rows = lines(text);
    expect(rows[0]).toBe('Funnel · Dana · June 2017');
    expect(rows[1]).toMatch(/^stage +open now +went further +in stage$/);
    expect(rows[2]).toMatch(/^Qualify +3 +50% +4\.3 days$/);
    expect(text).toMatch(/ +1 +- +-$/m);
    expect(text.replaceAll('\n', ' ')).toContain(`Bottleneck: ${HOSTILE.markup}: 20% of deals go further`);
  });

  it('terminal: no stages', () => {
    const empty = repReport('Dana');
    empty.metrics = {};
    expect(funnelText(empty)).toBe(
      'Funnel · Dana · June 2017\nNo funnel stages yet: no open deals or stage history.\nNo bottleneck: no stage is clearly behind the team (or too few deals to say).',
    );
  });

  it('a finished period counts deals open at its end, never "open now"', () => {
    const past = { ...repReport('Dana'), periodEnded: true };
    const blocks = JSON.stringify(funnelBlocks(past));
    expect(blocks).toContain('*Qualify* · 3 open at period end · 50% went further');
    expect(blocks).not.toContain('open now');
    expect(lines(funnelText(past))[1]).toMatch(/^stage +open at period end +went further +in stage$/);
    expect(funnelJson(past).openAt).toBe('period_end');
    expect(funnelJson(repReport('Dana')).openAt).toBe('now');
  });

  it('a month of wins without stage moves says why there is no conversion, not "no deals entered"', () => {
    const report = { ...repReport('Dana'), periodEnded: true };
    report.metrics = {
      ...report.metrics,
      'sales.won_count': 32,
      'opportunities.lost': 1205,
      'funnel.stage_conversion': { Qualify: null, [HOSTILE.markup]: null },
      'funnel.median_days_in_stage': { Qualify: null, [HOSTILE.markup]: null },
      'funnel.bottleneck': null,
    };
    const blocks = JSON.stringify(funnelBlocks(report));
    expect(blocks).not.toContain('no deals entered');
    expect(blocks).not.toContain('no exits');
    expect(blocks).toContain('32 won, 1,205 lost in June 2017, but no stage moves were recorded');
    expect(funnelText(report).replaceAll('\n', ' ')).toContain(
      '32 won, 1,205 lost in June 2017, but no stage moves',
    );
    // With figures for some stage, no such note.
    expect(JSON.stringify(funnelBlocks({ ...repReport('Dana'), periodEnded: true }))).not.toContain(
      'no stage moves',
    );
  });

  it('deals open at a past period end in a stage not known are said, not shown as 0', () => {
    const report = { ...repReport('Dana'), periodEnded: true };
    report.metrics = { ...report.metrics, 'funnel.open_stage_unknown': 85 };
    const expected =
      '85 more deals were open at the end of June 2017 in a stage not known: they have no stage history and have closed since, so they are not counted above.';
    expect(JSON.stringify(funnelBlocks(report))).toContain(expected);
    expect(funnelText(report).replaceAll('\n', ' ')).toContain(expected);
    expect(funnelJson(report).openStageUnknown).toBe(85);
    expect(JSON.stringify(funnelBlocks(repReport('Dana')))).not.toContain('stage not known');
  });

  it('JSON: stages in funnel order with fractions and days, the bottleneck', () => {
    const data = funnelJson(repReport('Dana'));
    expect(data.stages).toEqual([
      { stage: 'Qualify', open: 3, conversion: 0.5, medianDays: 4.25 },
      { stage: HOSTILE.markup, open: 1, conversion: null, medianDays: null },
    ]);
    expect(data.bottleneck).toMatchObject({ stage: HOSTILE.markup, reason: 'conversion', rep: 0.2 });
    expect(buildFunnel(repReport('Dana')).data).toEqual(data);
  });
});
