import { describe, expect, it } from 'vitest';
import { buildFunnel, funnelBlocks, funnelJson, funnelText } from '../../src/views/funnel.js';
import { buildTeamTable, teamBlocks, teamJson, teamText } from '../../src/views/team.js';
import { displayWidth } from '../../src/views/terminal.js';
import { buildWhy, whyBlocks, whyJson, whyText } from '../../src/views/why.js';
import { HOSTILE, repReport, teamReport } from './fixtures.js';

const lines = (text: string) => text.split('\n');

describe('team views', () => {
  const names = ['Ana Li', HOSTILE.markup, HOSTILE.emoji, HOSTILE.rtl, HOSTILE.long];

  it('Block Kit: the manager in the header, each rep bold and escaped, who needs attention', () => {
    const text = JSON.stringify(teamBlocks(teamReport(names)));
    expect(text).toContain("Mona <b>'s team · June 2017");
    expect(text).not.toContain('<!here>');
    expect(text).toContain('Needs attention (under 50% of their revenue target): Ana Li.');
  });

  it('terminal: a header row, the team’s totals, each rep with the figures aligned, names as written', () => {
    const text = teamText(teamReport(names));
    const [title, header, total, ...rest] = lines(text);
    expect(title).toBe("Mona <b>'s team · June 2017");
    expect(header).toMatch(/^ +won +win rate +created:lost +outreach +personalized$/);
    expect(total).toMatch(/^Team +\$10,000\.75 +50\.0% +1\.5 : 1 +40 +10$/);
    expect(rest[0]).toMatch(/^Ana Li +\$100\.00 /);
    for (const name of names) expect(text).toContain(name);
    // Every figures row ends at the same column, however wide the names before it.
    const figureRows = [header, total, ...rest.filter((l) => l.includes('$'))] as string[];
    expect(new Set(figureRows.map(displayWidth)).size).toBe(1);
    expect(text).toContain('Needs attention (under 50% of their revenue target): Ana Li.');
  });

  it('terminal: fits 80 columns for ordinary names', () => {
    for (const line of lines(teamText(teamReport(['Ana Li', 'Bob Stone']))))
      expect(displayWidth(line)).toBeLessThanOrEqual(80);
  });

  it('JSON: the team’s and each rep’s metrics, and who needs attention under which bar', () => {
    const data = teamJson(teamReport(names));
    expect(data).toMatchObject({
      type: 'team',
      manager: { id: 'm1', name: 'Mona <b>' },
      currency: 'USD',
      metrics: { 'sales.won_total': 10_000.75 },
      needsAttention: { share: 0.5, basis: 'target', bar: 3000, reps: [{ id: 'r0', name: 'Ana Li' }] },
    });
    expect((data.reps as { name: string }[]).map((r) => r.name)).toEqual(names);
    expect(JSON.parse(JSON.stringify(data))).toEqual(data);
  });

  it('buildTeamTable assembles the three views; no reps says so', () => {
    const reply = buildTeamTable(teamReport([]));
    expect(reply.blocks).toEqual(teamBlocks(teamReport([])));
    expect(reply.terminal).toContain('No reps in this team yet.');
    expect(reply.data).toMatchObject({ reps: [], needsAttention: { reps: [], bar: null } });
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
