import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
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
      /Won revenue\*\\n\$2,500\.50 · 50% of \$5,000\.00, behind pace/,
    );
  });

  it('terminal: the name as written, a table of figures with target, pace and change, the diagnosis', () => {
    const text = scorecardText(repReport(HOSTILE.markup));
    expect(lines(text)[0]).toBe(`${HOSTILE.markup} · June 2017`);
    expect(text).toMatch(/^Won revenue +\$2,500\.50 +50% of \$5,000\.00 +behind +\+25\.0%$/m);
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
        expect(lines(leaderboardText(board([name]))).some((l) => l.includes(plain(name)))).toBe(true);
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
    expect(reply.text).toBe('Dana Scott, June 2017: won $2,500.50');
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
    expect(rows[0]).toMatch(/^1\. {2}Dana Scott +\$5,001\.25$/);
    expect(rows[1]).toContain(`${HOSTILE.emoji} (you)`);
    expect(rows[3]).toContain(HOSTILE.markup);
    expect(rows[4]).toMatch(/no data$/);
    const ends = rows.map((r) => displayWidth(r));
    expect(new Set(ends).size).toBe(1);
  });

  it('terminal: a very long name on a line of its own, its value under it, nothing cut', () => {
    const text = leaderboardText(board(['Dana Scott', HOSTILE.long, 'Eve']));
    const rows = lines(text).slice(1);
    expect(rows).toHaveLength(4);
    expect(rows[1]?.trim()).toBe(HOSTILE.long);
    expect(rows[2]).toMatch(/^2\. +\$2,000\.50$/);
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
    expect(rows.map((r) => r.you)).toEqual([false, true, false, false, false]);
    expect(rows[0]).toMatchObject({ rank: 1, rep: { name: 'Dana Scott' }, value: 5001.25 });
    expect(rows[3]?.rep.name).toBe(HOSTILE.markup);
    expect(rows[4]?.value).toBeNull();
  });

  it('buildLeaderboard assembles the three views', () => {
    const reply = buildLeaderboard(board(names), 'r1');
    expect(reply.terminal).toBe(leaderboardText(board(names), 'r1'));
    expect(reply.data).toEqual(leaderboardJson(board(names), 'r1'));
    expect(reply.text).toBe('Won revenue leaderboard, June 2017');
  });
});
