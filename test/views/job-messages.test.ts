import { describe, expect, it } from 'vitest';
import type { TAlert } from '../../src/reports/coaching-rules.js';
import type { TWeeklyLeaderboard } from '../../src/reports/weekly-leaderboard.js';
import { buildCoachingAlert, buildRankDm, buildWeeklyLeaderboard } from '../../src/views/jobs.js';

/** The jobs' messages have their own terminal view (local mode prints it): names as written, not mentions. */
const row = (i: number, name: string, slackUserId: string | null) => ({
  rank: i + 1,
  rep: { id: `r${i}`, name, slackUserId },
  value: 120_000 - i * 10_000,
  target: 100_000,
  attainment: 1.2 - i * 0.1,
  improvement: 500,
  quality: 10.5,
  gapToNext: null as number | null,
  ofLeader: null as number | null,
  movement: null as number | 'new' | null,
});
const board = (names: [string, string | null][]): TWeeklyLeaderboard => {
  const rows = names.map(([n, id], i) => row(i, n, id));
  return {
    metric: { id: 'sales.won_total', title: 'Won revenue', unit: 'money' },
    quality: { id: 'opportunities.created_to_lost_ratio', title: 'Created : lost', unit: 'times' },
    period: { key: '2017-06', label: 'June 2017', start: '2017-06-01', end: '2017-07-01' },
    toDate: true,
    asOf: '2017-06-12T09:00:00.000Z',
    span: { label: 'June 2017 to date (1–12 Jun)', start: '2017-06-01', end: '2017-06-12T09:00:00.000Z' },
    comparison: { label: '1–12 May', start: '2017-05-01', end: '2017-05-12T09:00:00.000Z' },
    lowerIsBetter: false,
    currency: 'USD',
    locale: 'en-US',
    rows,
    top: 5,
    mostImproved: rows[1] ?? null,
    movementBasis: null,
  };
};

describe('job message terminal views', () => {
  it('the weekly post: a title line, one line per named rep with their figures, most improved, the button', () => {
    const b = board([
      ['Darcel *Schlecht*', 'U0DARCEL'],
      ['Dana <Scott> & Co', null],
    ]);
    const message = buildWeeklyLeaderboard(b);
    expect(message.terminal.split('\n')).toEqual([
      'WEEKLY LEADERBOARD · WON REVENUE · JUNE 2017 TO DATE (1–12 JUN)',
      '1. Darcel *Schlecht*  $120,000 · 120% of target · created : lost 10.5 : 1',
      '2. Dana <Scott> & Co  $110,000 · 110% of target · created : lost 10.5 : 1',
      '↗ Most improved: Dana <Scott> & Co, +$500 against the same days of last month (1–12 May).',
      'Created : lost is shown beside each figure so the board rewards good business, not just volume. Not in the top 5? Get your own rank by direct message each week: only you see it.',
      '[DM me my rank each week]',
    ]);
    // Slack gets the mention and escaped text; the terminal neither.
    expect(JSON.stringify(message.blocks)).toContain('<@U0DARCEL>');
    expect(message.terminal).not.toMatch(/<@|&amp;|&lt;/);
    expect(buildWeeklyLeaderboard(board([])).terminal).toContain('No results yet this period.');
  });

  it("most improved on a rate is in points (+65.2 pts), never a bare '65.2%'", () => {
    const b = board([
      ['Lajuana Vencill', null],
      ['Dana Scott', null],
    ]);
    const rate: TWeeklyLeaderboard = {
      ...b,
      metric: { id: 'opportunities.win_rate', title: 'Win rate', unit: 'share' },
      mostImproved: {
        ...(b.rows[0] as TWeeklyLeaderboard['rows'][number]),
        value: 0.938,
        improvement: 0.652,
      },
    };
    const message = buildWeeklyLeaderboard(rate);
    expect(message.terminal).toContain('↗ Most improved: Lajuana Vencill, +65.2 pts against the same days');
    expect(JSON.stringify(message.blocks)).toContain('+65.2 pts against');
    // A gap to the rep above on a rate is a distance in points, unsigned.
    const gaps: TWeeklyLeaderboard = {
      ...rate,
      rows: [
        { ...(b.rows[0] as TWeeklyLeaderboard['rows'][number]), target: null, attainment: null, value: 0.9 },
        {
          ...(b.rows[1] as TWeeklyLeaderboard['rows'][number]),
          target: null,
          attainment: null,
          value: 0.855,
          gapToNext: 0.045,
        },
      ],
    };
    expect(buildWeeklyLeaderboard(gaps).terminal).toContain('2. Dana Scott  85.5% · 4.5 pts behind #1');
    // Where less is better, the improvement is a fall and reads as one.
    const lost: TWeeklyLeaderboard = {
      ...b,
      metric: { id: 'opportunities.lost', title: 'Deals lost', unit: 'count' },
      lowerIsBetter: true,
      mostImproved: { ...(b.rows[0] as TWeeklyLeaderboard['rows'][number]), value: 2, improvement: 3 },
    };
    expect(buildWeeklyLeaderboard(lost).terminal).toContain('Most improved: Lajuana Vencill, -3 against');
  });

  it('a control character or an override in a name cannot reach the terminal or reorder the line', () => {
    const b = board([['Eve\u001b[2K\rZed\u202e', null]]);
    const line = buildWeeklyLeaderboard(b).terminal.split('\n')[1] ?? '';
    expect([...line].filter((c) => (c.codePointAt(0) ?? 0) < 0x20 || c === '\u007f')).toEqual([]);
    expect(line).toMatch(/^1\. Eve.*Zed\u202e\u202c {2}\$120,000/);
    const dm = buildRankDm(b, b.rows[0] as TWeeklyLeaderboard['rows'][number]);
    expect(dm.terminal.split('\n')).toEqual([
      expect.stringMatching(
        /^Your rank this week by Won revenue, June 2017 to date \(1–12 Jun\): #1 of 1 with \$120,000/,
      ),
      '[Stop these messages]',
    ]);
  });

  it('a coaching alert: headline, facts, reason, next step, recorded calls with their links, the buttons', () => {
    const alert: TAlert = {
      rule: 'sales_decline',
      periodKey: '2017-07',
      headline: "Kami Bicknell's sales fell 75% below their usual in July 2017",
      facts: 'Kami Bicknell won 7 deals for $8,446.00 in 2017-07.',
      reason: 'A lower win rate.',
      nextStep: 'Listen to recorded calls.',
      links: [
        { url: 'https://calls.example/1', label: 'Call with *Acme*' },
        { url: 'javascript:alert(1)', label: 'not a link' },
      ],
    };
    expect(buildCoachingAlert(alert, 'a1').terminal.split('\n')).toEqual([
      'COACHING ALERT · SALES DECLINING',
      "Kami Bicknell's sales fell 75% below their usual in July 2017",
      'Kami Bicknell won 7 deals for $8,446.00 in 2017-07.',
      'Likely reason: A lower win rate.',
      'Next step: Listen to recorded calls.',
      'Recorded calls: Call with *Acme* (https://calls.example/1)',
      '[Snooze 1 week] [Mark handled]',
    ]);
  });
});
