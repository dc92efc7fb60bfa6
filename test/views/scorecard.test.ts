import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePeriod } from '../../src/metrics/periods.js';
import { type TTargetProgress, targetProgress } from '../../src/metrics/targets.js';
import {
  buildLeaderboard,
  buildScorecard,
  leaderboardBlocks,
  leaderboardJson,
  leaderboardText,
  scorecardBlocks,
  scorecardJson,
  scorecardText,
} from '../../src/views/scorecard.js';
import { displayWidth, plain } from '../../src/views/terminal.js';
import { board, HOSTILE, repReport } from './fixtures.js';

const lines = (text: string) => text.split('\n');
const SLACK_MARKUP = /:[a-z_]+:|&lt;|&gt;|&amp;|\u02CB|\u2217/;

describe('scorecard views', () => {
  it('Block Kit: the name in a plain_text header, every name in mrkdwn escaped', () => {
    const blocks = scorecardBlocks(repReport(HOSTILE.markup));
    expect(blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
    expect(JSON.stringify(blocks[0])).toContain('*Bold* _it_');
    const context = JSON.stringify(blocks[2]);
    expect(context).not.toContain('<!here>');
    expect(context).toContain('&lt;!here&gt;');
    expect(JSON.stringify(blocks[1])).toMatch(
      /Won revenue\*\\n\$2,501 · 50% of \$5,000, behind pace\\n▲ \+25% vs usual/,
    );
  });

  it('terminal: the name as written, a table of figures with target, pace and change, the diagnosis', () => {
    const text = scorecardText(repReport(HOSTILE.markup));
    expect(lines(text)[0]).toBe(`${HOSTILE.markup} · June 2017`);
    expect(text).toMatch(/^ +value +target +pace +vs usual$/m);
    expect(text).toMatch(/^Won revenue +\$2,501 +50% of \$5,000 +behind +\+25%$/m);
    expect(text).toMatch(/^Win rate +50\.0%$/m);
    expect(text).toMatch(/^LinkedIn followers +no data$/m);
    expect(text).toContain(`Funnel bottleneck: ${HOSTILE.markup}.`);
    expect(text.replaceAll('\n', ' ')).toContain(`create more pipeline in ${HOSTILE.markup}`);
    expect(text).not.toMatch(/\n\s*\n/);
  });

  it('terminal: no Slack markup, and within 80 columns, for an ordinary name', () => {
    const plain = repReport('Dana Scott');
    plain.diagnosis.explanation = 'Dana Scott won fewer deals than usual: create more pipeline.';
    plain.metrics['funnel.bottleneck'] = { stage: 'Demo', reason: 'dwell', rep: 9, team: 3, sample: 8 };
    const text = scorecardText(plain);
    expect(text).toContain('Funnel bottleneck: Demo.');
    expect(text).not.toMatch(SLACK_MARKUP);
    expect(text).not.toMatch(/\*\w|▲|▼/);
    for (const line of lines(text)) expect(displayWidth(line)).toBeLessThanOrEqual(80);
  });

  it('terminal: emoji, right-to-left and very long names as written', () => {
    for (const name of [HOSTILE.emoji, HOSTILE.rtl, HOSTILE.long, HOSTILE.cjk]) {
      expect(lines(scorecardText(repReport(name)))[0]).toBe(`${name} · June 2017`);
    }
  });

  it('any name: shown as written on its line in a terminal, no control character, exact in the JSON (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }), (name) => {
        const text = scorecardText(repReport(name));
        expect(lines(text)[0]).toBe(`${plain(name)} · June 2017`);
        // No control character but the line breaks between lines.
        expect(lines(text).some((l) => /\p{Cc}/u.test(l))).toBe(false);
        expect(lines(leaderboardText(board([name, 'Unranked']))).some((l) => l.includes(plain(name)))).toBe(
          true,
        );
        expect((scorecardJson(repReport(name)).rep as { name: string }).name).toBe(name);
      }),
      { numRuns: 200 },
    );
  });

  it('JSON: the report as kpi metrics --json prints it, JSON-safe, names as written', () => {
    const data = scorecardJson(repReport(HOSTILE.markup));
    expect(data).toMatchObject({
      type: 'scorecard',
      rep: { id: 'r1', name: HOSTILE.markup },
      period: { key: '2017-06', start: '2017-06-01T00:00:00.000Z' },
      currency: 'USD',
      targets: { 'sales.won_total': 5000 },
      diagnosis: { verdict: 'declining' },
    });
    const metrics = data.metrics as Record<string, unknown>;
    expect(metrics['sales.won_total']).toBe(2500.5);
    expect(metrics['linkedin.followers']).toBeNull();
    expect(JSON.parse(JSON.stringify(data))).toEqual(data);
    expect(JSON.stringify(data)).not.toMatch(/"blocks"|mrkdwn|&lt;/);
  });

  it('buildScorecard assembles the three views and keeps the Slack text', () => {
    const report = repReport('Dana Scott');
    const reply = buildScorecard(report);
    expect(reply.blocks).toEqual(scorecardBlocks(report));
    expect(reply.terminal).toBe(scorecardText(report));
    expect(reply.data).toEqual(scorecardJson(report));
    expect(reply.text).toBe('Dana Scott, June 2017: won $2,501');
  });
});

describe('leaderboard views', () => {
  const names = ['Dana Scott', HOSTILE.emoji, HOSTILE.cjk, HOSTILE.markup, HOSTILE.rtl];

  it('Block Kit: the asker bold with (you), names escaped', () => {
    const text = JSON.stringify(leaderboardBlocks(board(names), 'r2'));
    expect(text).toContain('2. *Zoë 👩🏽‍💻 🚀 (you)*');
    expect(text).not.toContain('<!here>');
  });

  it('terminal: rank, name as written and value, the values aligned whatever the names’ widths', () => {
    const text = leaderboardText(board(names), 'r2');
    const rows = lines(text).slice(1);
    expect(lines(text)[0]).toBe('Won revenue · June 2017');
    expect(rows[0]).toMatch(/^1\. {2}Dana Scott +\$5,001$/);
    expect(rows[1]).toContain(`${HOSTILE.emoji} (you)`);
    expect(rows[3]).toContain(HOSTILE.markup);
    // The last rep has no result: not ranked, counted under the ranks.
    expect(rows).toHaveLength(5);
    expect(rows[4]).toBe('1 rep has no result (no data, or 0) and is not ranked.');
    const ends = rows.slice(0, 4).map((r) => displayWidth(r));
    expect(new Set(ends).size).toBe(1);
  });

  it('terminal: a very long name on a line of its own, its value under it, nothing cut', () => {
    const text = leaderboardText(board(['Dana Scott', HOSTILE.long, 'Eve']));
    const rows = lines(text).slice(1, 4);
    expect(rows[1]?.trim()).toBe(HOSTILE.long);
    expect(rows[2]).toMatch(/^2\. +\$2,001$/);
    for (const row of rows.filter((r) => !r.includes(HOSTILE.long)))
      expect(displayWidth(row)).toBeLessThanOrEqual(80);
  });

  it('terminal: no reps', () => {
    expect(leaderboardText(board([]))).toBe('Won revenue · June 2017\nNo reps yet.');
  });

  it('JSON: as kpi leaderboard --json (metric id, values in major units), the asker marked', () => {
    const data = leaderboardJson(board(names), 'r2');
    expect(data).toMatchObject({
      type: 'leaderboard',
      metric: 'sales.won_total',
      unit: 'money',
      currency: 'USD',
    });
    const rows = data.rows as { rank: number; rep: { name: string }; value: number | null; you: boolean }[];
    expect(rows.map((r) => r.you)).toEqual([false, true, false, false]);
    expect(rows[0]).toMatchObject({ rank: 1, rep: { name: 'Dana Scott' }, value: 5001.25 });
    expect(rows[3]?.rep.name).toBe(HOSTILE.markup);
    expect(data).toMatchObject({ ranked: 4, unranked: 1, own: null });
  });

  it('buildLeaderboard assembles the three views', () => {
    const reply = buildLeaderboard(board(names), 'r1');
    expect(reply.terminal).toBe(leaderboardText(board(names), 'r1'));
    expect(reply.data).toEqual(leaderboardJson(board(names), 'r1'));
    expect(reply.text).toBe('Won revenue leaderboard, June 2017');
  });
});

describe('how changes and pace are shown (issue 14)', () => {
  /** Win rate 86% against a usual 58%; won revenue $2,500.50 against a usual $2,000.40. */
  const rates = () =>
    repReport('Dana Scott', {
      metrics: { ...repReport('x').metrics, 'opportunities.win_rate': 0.86 },
      trends: {
        'sales.won_total': { baseline: 2000.4, teamMedian: null },
        'opportunities.win_rate': { baseline: 0.58, teamMedian: null },
      },
    });

  it('a rate changes in points, an amount by a percentage: Slack, terminal and JSON', () => {
    const blocks = JSON.stringify(scorecardBlocks(rates()));
    expect(blocks).toContain('*Win rate*\\n86.0%\\n▲ +28 pts vs usual');
    expect(blocks).toContain('▲ +25% vs usual');
    expect(blocks).not.toMatch(/\+48\.\d%/);
    const text = scorecardText(rates());
    expect(text).toMatch(/^Win rate +86\.0% +\+28 pts$/m);
    const changes = scorecardJson(rates()).changes as Record<string, { change: number; changeUnit: string }>;
    expect(changes['opportunities.win_rate']?.changeUnit).toBe('points');
    expect(changes['opportunities.win_rate']?.change).toBeCloseTo(0.28, 10);
    expect(changes['sales.won_total']?.changeUnit).toBe('percent');
    expect(changes['sales.won_total']?.change).toBeCloseTo(500.1 / 2000.4, 10);
  });

  it('a fall is ▼ with a minus; a rate against a usual of 0% still has a change, an amount against $0 has none', () => {
    const report = rates();
    report.metrics['opportunities.win_rate'] = 0.455;
    report.trends['opportunities.win_rate'] = { baseline: 0.58, teamMedian: null };
    expect(JSON.stringify(scorecardBlocks(report))).toContain('▼ -12.5 pts vs usual');
    report.trends['opportunities.win_rate'] = { baseline: 0, teamMedian: null };
    report.trends['sales.won_total'] = { baseline: 0, teamMedian: null };
    const blocks = JSON.stringify(scorecardBlocks(report));
    expect(blocks).toContain('▲ +45.5 pts vs usual');
    expect(blocks).not.toMatch(/Won revenue[^"]*vs usual/);
    expect((scorecardJson(report).changes as Record<string, unknown>)['sales.won_total']).toBeNull();
  });

  it('a finished period says target met or missed, with the figure; never on pace or behind', () => {
    const missed = repReport('Dana Scott', { periodEnded: true });
    const blocks = JSON.stringify(scorecardBlocks(missed));
    expect(blocks).toContain('$2,501 · 50% of $5,000, missed by $2,500');
    expect(blocks).not.toMatch(/pace|behind/);
    const text = scorecardText(missed);
    expect(text).toMatch(/^ +value +target +result +vs usual$/m);
    expect(text).toMatch(/^Won revenue +\$2,501 +50% of \$5,000 +missed by \$2,500 +\+25%$/m);
    expect(text).not.toMatch(/behind|on pace/);
    expect(scorecardJson(missed).periodEnded).toBe(true);

    const met = repReport('Dana Scott', { periodEnded: true });
    met.metrics['sales.won_total'] = 6200;
    met.pace['sales.won_total'] = {
      ...(met.pace['sales.won_total'] as TTargetProgress),
      actual: 6200,
      attainment: 1.24,
      atTarget: true,
    };
    expect(JSON.stringify(scorecardBlocks(met))).toContain('$6,200 · 124% of $5,000, target met');
  });

  // June 2017 in New York, 10 of its 30 days gone; the finished quarter before it.
  const NY = { timezone: 'America/New_York', fiscalYearStartMonth: 1, weekStartsOn: 1 as const };
  const now = new Date('2017-06-11T04:00:00Z');
  const june = parsePeriod('2017-06', now, NY);

  it('a rate target missed in a finished period is missed by points, read as a gap, never as a share of it', () => {
    const report = repReport('Dana Scott', { periodEnded: true });
    report.metrics['opportunities.win_rate'] = 0.5;
    report.pace['opportunities.win_rate'] = targetProgress('opportunities.win_rate', 0.5, 0.6, june, now);
    const blocks = JSON.stringify(scorecardBlocks(report));
    expect(blocks).toContain('50.0% · vs 60.0% target, -10 pts, missed by 10 pts');
    expect(blocks).not.toMatch(/\d+% of 60\.0%/);
    expect(scorecardText(report)).toMatch(/^Win rate +50\.0% +vs 60\.0% target, -10 pts +missed by 10 pts/m);
  });

  it('a level in the current period is read as it stands against its target: no pace, no projection', () => {
    // Darcel, June: a 63.1% win rate against a 25% target, a third of the way into the month.
    const report = repReport('Darcel Schlecht');
    report.metrics['opportunities.win_rate'] = 0.631;
    report.pace['opportunities.win_rate'] = targetProgress('opportunities.win_rate', 0.631, 0.25, june, now);
    expect(report.pace['opportunities.win_rate']).toMatchObject({ paceRatio: null, projected: null });
    const blocks = JSON.stringify(scorecardBlocks(report));
    expect(blocks).toContain('63.1% · vs 25.0% target, +38.1 pts, at or above target');
    expect(blocks).not.toMatch(/Win rate[^"]*(pace|% of )/);
    // Below it: the gap in points, never "behind pace" (which a rate cannot be).
    report.metrics['opportunities.win_rate'] = 0.2;
    report.pace['opportunities.win_rate'] = targetProgress('opportunities.win_rate', 0.2, 0.3, june, now);
    expect(JSON.stringify(scorecardBlocks(report))).toContain(
      '20.0% · vs 30.0% target, -10 pts, below target by 10 pts',
    );
    // Followers are a reading, not a sum: 480 against 500 is 20 short, whatever part of the month has gone.
    report.metrics['linkedin.followers'] = 480;
    report.pace['linkedin.followers'] = targetProgress('linkedin.followers', 480, 500, june, now);
    expect(JSON.stringify(scorecardBlocks(report))).toContain('480 · vs 500 target, -20, below target by 20');
    // A ratio's gap is a number, not a ratio.
    report.metrics['opportunities.created_to_lost_ratio'] = 2.5;
    report.pace['opportunities.created_to_lost_ratio'] = targetProgress(
      'opportunities.created_to_lost_ratio',
      2.5,
      3,
      june,
      now,
    );
    expect(JSON.stringify(scorecardBlocks(report))).toContain(
      '2.5 : 1 · vs 3 : 1 target, -0.5, below target by 0.5',
    );
  });

  it('where less is better the target is a ceiling: met at or below it', () => {
    const report = repReport('Dana Scott', { periodEnded: true });
    report.metrics['churn.first_year_churned'] = 2;
    report.pace['churn.first_year_churned'] = targetProgress('churn.first_year_churned', 2, 3, june, now);
    expect(JSON.stringify(scorecardBlocks(report))).toContain('2 · 67% of 3, target met');
    report.pace['churn.first_year_churned'] = targetProgress('churn.first_year_churned', 4, 3, june, now);
    expect(JSON.stringify(scorecardBlocks(report))).toContain('133% of 3, missed by 1');
    const current = repReport('Dana Scott');
    current.pace['churn.first_year_churned'] = targetProgress('churn.first_year_churned', 4, 30, june, now);
    expect(JSON.stringify(scorecardBlocks(current))).toContain('13% of 30, on pace');
  });

  it('the current period keeps its pace words: on pace at or above the expected figure', () => {
    const report = repReport('Dana Scott');
    report.pace['sales.won_total'] = { ...(report.pace['sales.won_total'] as TTargetProgress), paceRatio: 1 };
    expect(JSON.stringify(scorecardBlocks(report))).toContain('50% of $5,000, on pace');
  });
});

describe('leaderboard: own rank, nobody ranked, a shared board (issue 14)', () => {
  const names = Array.from({ length: 12 }, (_, i) => `Rep ${String.fromCharCode(65 + i)}`);
  /** The top 10 of 12 ranked reps; the asker (r12) ranks 12th; one more rep has no result. */
  const withOwn = () => {
    const b = board([...names, 'No Result']);
    const all = b.rows;
    b.rows = all.slice(0, 10);
    b.own = all[11] ?? null;
    return b;
  };

  it('the asker below the top N sees their own rank under it, marked, in every view', () => {
    const b = withOwn();
    const blocks = JSON.stringify(leaderboardBlocks(b, 'r12'));
    expect(blocks).toContain('10. Rep J');
    expect(blocks).toContain('…\\n12. *Rep L (you)* $2,001');
    expect(blocks).not.toContain('11. ');
    const text = leaderboardText(b, 'r12');
    expect(text).toMatch(/^10\. +Rep J +\$4,001\n…\n12\. +Rep L \(you\) +\$2,001$/m);
    const data = leaderboardJson(b, 'r12');
    expect(data.own).toMatchObject({ rank: 12, rep: { name: 'Rep L' }, you: true });
    expect(data.rows as unknown[]).toHaveLength(10);
  });

  it('another rep’s own row is never shown to someone else', () => {
    const b = withOwn();
    expect(JSON.stringify(leaderboardBlocks(b, 'r1'))).not.toContain('12. ');
    expect(leaderboardText(b)).not.toContain('12. ');
    expect(leaderboardJson(b, 'r3').own).toBeNull();
  });

  it('shared in a channel: nobody marked "(you)", no own-rank line, no bar in green', () => {
    const reply = buildLeaderboard(withOwn(), 'r2');
    expect(JSON.stringify(reply.blocks)).toContain('(you)');
    expect(reply.chart?.subtitle).toContain('you in green');
    const channel = reply.channel;
    expect(channel).toBeDefined();
    expect(JSON.stringify(channel?.blocks)).not.toMatch(/\(you\)|12\. /);
    expect(channel?.chart).toBeDefined();
    expect(channel?.chart?.subtitle).not.toContain('you');
    expect(
      channel?.chart && 'highlight' in channel.chart ? channel.chart.highlight : undefined,
    ).toBeUndefined();
    expect(buildLeaderboard(withOwn(), 'r12').channel?.blocks).toEqual(reply.channel?.blocks);
  });

  it('a metric nobody has data for ranks nobody and says so', () => {
    const empty = { ...board([]), metric: 'opportunities.win_rate', ranked: 0, unranked: 12 };
    const blocks = JSON.stringify(leaderboardBlocks(empty, 'r1'));
    expect(blocks).toContain(
      'Nobody has data for Win rate in June 2017 (no data, or 0 for all 12 reps), so nobody is ranked.',
    );
    expect(blocks).not.toMatch(/\b1\. /);
    expect(leaderboardText(empty)).toBe(
      'Win rate · June 2017\nNobody has data for Win rate in June 2017 (no data, or 0 for all 12 reps), so\nnobody is ranked.',
    );
    expect(buildLeaderboard(empty).chart).toBeUndefined();
    // Where less is better a 0 is a result, so only missing data leaves a rep unranked.
    const lost = { ...empty, metric: 'opportunities.lost' };
    expect(leaderboardText(lost)).toContain('(no data for all 12 reps)');
  });
});
