import { describe, expect, it } from 'vitest';
import type { TTeamMetricsReport } from '../../src/reports/team-metrics.js';
import { buildTeamTable, PHONE_LINE, teamBlocks, teamJson, teamText } from '../../src/views/team.js';
import { displayWidth } from '../../src/views/terminal.js';
import { HOSTILE, teamReport } from './fixtures.js';

/** The text of every section of a reply's Block Kit, line by line. */
const sectionLines = (report: TTeamMetricsReport) =>
  teamBlocks(report).flatMap((b) => (b.type === 'section' ? (b.text?.text.split('\n') ?? []) : []));

/** A rep of a hand-made team report: their figures, their figures before (the trend) and their own targets. */
function rep(
  id: string,
  name: string,
  rank: number | null,
  metrics: Record<string, number | null>,
  targets: Record<string, number> = {},
  before: Record<string, number | null> = {},
): TTeamMetricsReport['byRep'][number] {
  return { id, name, rank, metrics, targets, before };
}

const base = (byRep: TTeamMetricsReport['byRep'], over: Partial<TTeamMetricsReport> = {}) => ({
  ...teamReport([]),
  byRep,
  team: { manager: { id: 'm1', name: 'Mona' }, reps: byRep.map((r) => ({ id: r.id, name: r.name })) },
  ...over,
});

describe('/kpi team fits a phone', () => {
  it('60 reps with long and hostile names: every line but a name within 60 characters, every rep shown', () => {
    const kinds = Object.values(HOSTILE);
    const names = Array.from({ length: 60 }, (_, i) => `${kinds[i % kinds.length]} ${i}`);
    const report = teamReport(names);
    // Large figures everywhere: the widest figure lines a team shows.
    for (const r of report.byRep) {
      r.metrics['sales.won_total'] = 1_234_567.89;
      r.metrics['outreach.total'] = 12_345;
      r.metrics['personalization.personalized'] = 9_876;
      r.targets['sales.won_total'] = 2_000_000;
    }
    const lines = sectionLines(report);
    const nameLines = lines.filter((l) => /^\d+\. \*/.test(l));
    expect(nameLines).toHaveLength(60);
    for (const line of lines.filter((l) => !nameLines.includes(l)))
      expect(line.length, line).toBeLessThanOrEqual(PHONE_LINE);
    expect(lines.join('\n')).toContain('won $1,234,568 · 62% of $2,000,000');
    const blocks = teamBlocks(report);
    // The key under the totals too (the attention note is a list of names, wrapped by Slack).
    const key = blocks.flatMap((b) =>
      b.type === 'context'
        ? b.elements.flatMap((e) => ('text' in e && e.text.startsWith('Ranked') ? e.text.split('\n') : []))
        : [],
    );
    expect(key).toHaveLength(2);
    for (const line of key) expect(line.length).toBeLessThanOrEqual(PHONE_LINE);
    expect(blocks.length).toBeLessThanOrEqual(50);
    for (const b of blocks)
      if (b.type === 'section') expect(b.text?.text.length ?? 0).toBeLessThanOrEqual(3000);
  });

  it('no line of the table is 110 characters: the old one-line-per-rep layout is gone', () => {
    const lines = sectionLines(teamReport(['Ana Li', 'Bob Stone']));
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(PHONE_LINE);
  });
});

describe('/kpi team columns', () => {
  it('hides a column that is 0 or no data for the whole team, in Slack and the terminal', () => {
    const report = base([
      rep('a', 'Ana', 1, {
        'sales.won_total': 3000,
        'outreach.total': 0,
        'personalization.personalized': 0,
        'opportunities.win_rate': null,
        'opportunities.created_to_lost_ratio': null,
      }),
      rep('b', 'Bob', 2, {
        'sales.won_total': 1000,
        'outreach.total': 0,
        'personalization.personalized': 0,
        'opportunities.win_rate': 0.5,
        'opportunities.created_to_lost_ratio': null,
      }),
    ]);
    const slack = sectionLines(report).join('\n');
    const text = teamText(report);
    for (const shown of [slack, text]) {
      expect(shown).toContain('win rate');
      expect(shown).not.toMatch(/outreach|personalized|created:lost/);
    }
    // One rep with outreach: the column is back, for everyone.
    (report.byRep[1] as TTeamMetricsReport['byRep'][number]).metrics['outreach.total'] = 3;
    // The team's line and each rep's.
    expect(sectionLines(report).filter((l) => l.includes('outreach'))).toHaveLength(3);
    // Narrow enough for one table: the ranking and the other columns side by side.
    expect(teamText(report)).toMatch(/^ +won +trend +win rate +outreach$/m);
    expect(teamText(report)).toMatch(/^1\. +Ana +\$3,000 +no data +0$/m);
  });

  it('ranks by the chosen metric: its figure first, a rate against the rep’s own target in points (never a % of it), its trend in points', () => {
    const report = base(
      [
        rep(
          'b',
          'Bob',
          1,
          { 'opportunities.win_rate': 0.6, 'sales.won_total': 1000 },
          { 'opportunities.win_rate': 0.5 },
          { 'opportunities.win_rate': 0.5 },
        ),
        rep(
          'a',
          'Ana',
          2,
          { 'opportunities.win_rate': 0.25, 'sales.won_total': 5000 },
          {},
          { 'opportunities.win_rate': 0.4 },
        ),
      ],
      { metric: 'opportunities.win_rate' },
    );
    const lines = sectionLines(report);
    expect(lines.slice(lines.indexOf('1. *Bob*'), lines.indexOf('1. *Bob*') + 3)).toEqual([
      '1. *Bob*',
      'win rate 60.0% · vs 50.0% target, +10 pts · ▲ +10 pts',
      'won $1,000',
    ]);
    expect(lines).toContain('win rate 25.0% · ▼ -15 pts');
    expect(JSON.stringify(teamBlocks(report))).toContain('Ranked by Win rate.');
    const text = teamText(report);
    expect(text.split('\n')[0]).toBe("Mona's team · June 2017 · ranked by win rate");
    expect(text).toMatch(/^ +win rate +target +trend +won$/m);
    expect(text).toMatch(/^1\. +Bob +60\.0% +vs 50\.0% target, \+10 pts +\+10 pts +\$1,000$/m);
    expect(text).not.toMatch(/% of 50\.0%/);
    const reps = teamJson(report).reps as {
      rank: number;
      attainment: number | null;
      change: { change: number; changeUnit: string };
    }[];
    expect(reps[0]?.attainment).toBeNull();
    expect(reps[0]?.change.changeUnit).toBe('points');
    expect(reps[0]?.change.change).toBeCloseTo(0.1, 12);
  });

  it('a rep without a result is listed after the ranked ones, unranked', () => {
    const report = base([
      rep('a', 'Ana', 1, { 'sales.won_total': 3000 }),
      rep('c', 'Cy', null, { 'sales.won_total': 0 }),
    ]);
    expect(sectionLines(report)).toContain('*Cy* (not ranked: no result)');
    expect(teamText(report)).toMatch(/^ *- +Cy +\$0$/m);
  });
});

describe('/kpi team needs attention', () => {
  it('each rep against half their own revenue target, not an even split of the team target', () => {
    // Ana: 4,000 of her 10,000 (under 5,000); Bob: 1,500 of his 2,000 (over 1,000). An even split of the
    // team's 12,000 (3,000 a head) would name Bob and not Ana.
    const report = base(
      [
        rep('a', 'Ana', 1, { 'sales.won_total': 4000 }, { 'sales.won_total': 10_000 }),
        rep('b', 'Bob', 2, { 'sales.won_total': 1500 }, { 'sales.won_total': 2000 }),
      ],
      { targets: { 'sales.won_total': 12_000 } },
    );
    expect(JSON.stringify(teamBlocks(report))).toContain(
      'Needs attention (under 50% of their revenue target): Ana.',
    );
    expect(teamJson(report).needsAttention).toEqual({
      share: 0.5,
      reps: [{ id: 'a', name: 'Ana', bar: 5000, basis: 'target' }],
    });
  });

  it('a rep without a target is measured against the team’s typical rep, and the note says which bar', () => {
    const report = base([
      rep('a', 'Ana', 1, { 'sales.won_total': 4000 }, { 'sales.won_total': 10_000 }),
      rep('b', 'Bob', 2, { 'sales.won_total': 3000 }),
      rep('c', 'Cy', 3, { 'sales.won_total': 100 }),
    ]);
    // The median rep won 3,000: Cy (100) is under 1,500.
    expect(buildTeamTable(report).terminal.replaceAll('\n', ' ')).toContain(
      "Needs attention (under 50% of their revenue target, or of the team's typical revenue for reps without a target): Ana, Cy.",
    );
    expect((teamJson(report).needsAttention as { reps: unknown[] }).reps).toEqual([
      { id: 'a', name: 'Ana', bar: 5000, basis: 'target' },
      { id: 'c', name: 'Cy', bar: 1500, basis: 'typical' },
    ]);
  });

  it('terminal lines stay within 80 columns for ordinary names', () => {
    for (const line of teamText(teamReport(['Ana Li', 'Bob Stone', 'Cy Young'])).split('\n'))
      expect(displayWidth(line)).toBeLessThanOrEqual(80);
  });
});

describe('/kpi team without targets', () => {
  it('the terminal leaves out the target column when nobody has a target for the metric', () => {
    const report = base(
      [
        rep('a', 'Ana', 1, { 'sales.won_total': 3000 }, {}, { 'sales.won_total': 2000 }),
        rep('b', 'Bob', 2, { 'sales.won_total': 1000 }),
      ],
      { targets: {} },
    );
    const text = teamText(report);
    expect(text).toMatch(/^ +won +trend$/m);
    expect(text).toMatch(/^1\. +Ana +\$3,000 +\+50%$/m);
    expect(text).not.toContain('of target');
  });
});

describe('/kpi team trend key', () => {
  it('says what the trend compares with, under way and ended (a scorecard’s trend is against the usual)', () => {
    const current = teamReport(['Ana Li']);
    expect(teamText(current).split('\n')[1]).toBe('Trend: against the same days of the previous period.');
    const ended = teamReport(['Ana Li']);
    ended.comparison = { key: '2017-05', start: '2017-05-01T00:00:00.000Z', end: '2017-06-01T00:00:00.000Z' };
    expect(teamText(ended).split('\n')[1]).toBe('Trend: against the previous period.');
    expect(JSON.stringify(teamBlocks(ended))).toContain('▲ ▼ against the previous period.');
  });
});
