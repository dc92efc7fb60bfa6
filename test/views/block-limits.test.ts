import type { KnownBlock } from '@slack/types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TWeeklyLeaderboard } from '../../src/reports/weekly-leaderboard.js';
import { clipMrkdwn } from '../../src/views/blocks.js';
import { buildFunnel } from '../../src/views/funnel.js';
import { buildHome } from '../../src/views/home.js';
import { buildWeeklyLeaderboard } from '../../src/views/jobs.js';
import { buildLeaderboard, buildScorecard } from '../../src/views/scorecard.js';
import { buildTeamTable } from '../../src/views/team.js';
import { buildWhy } from '../../src/views/why.js';
import { board, repReport, teamReport } from './fixtures.js';

/**
 * Slack refuses a whole message when one block breaks a limit: a section's or a context element's text over
 * 3,000 characters, a field over 2,000 or more than 10 fields, a header over 150, more than 10 context elements,
 * more than 50 blocks (100 on the App Home tab). The views split long text between rows instead, never inside
 * an entity or a mark.
 */
function mrkdwnTexts(block: KnownBlock): { text: string; max: number }[] {
  if (block.type === 'section')
    return [
      ...(block.text ? [{ text: block.text.text, max: 3000 }] : []),
      ...(block.fields ?? []).map((f) => ({ text: f.text, max: 2000 })),
    ];
  if (block.type === 'context')
    return block.elements.flatMap((e) =>
      'text' in e && typeof e.text === 'string' ? [{ text: e.text, max: 3000 }] : [],
    );
  return [];
}

function expectWithinLimits(blocks: KnownBlock[], maxBlocks = 50) {
  expect(blocks.length).toBeLessThanOrEqual(maxBlocks);
  for (const block of blocks) {
    if (block.type === 'header') expect(block.text.text.length).toBeLessThanOrEqual(150);
    if (block.type === 'section') expect((block.fields ?? []).length).toBeLessThanOrEqual(10);
    if (block.type === 'context') expect(block.elements.length).toBeLessThanOrEqual(10);
    for (const { text, max } of mrkdwnTexts(block)) {
      expect(text.length).toBeLessThanOrEqual(max);
      // Never cut inside an entity, and every bold or struck span closed on its line.
      expect(text.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
      for (const line of text.split('\n')) {
        const code = line.replace(/`[^`]*`/g, '');
        expect((code.match(/\*/g) ?? []).length % 2, line).toBe(0);
        expect((code.match(/~/g) ?? []).length % 2, line).toBe(0);
      }
    }
  }
}

const views = (names: string[]) => {
  const [first = 'Dana'] = names;
  const report = repReport(first, {
    metrics: {
      ...repReport(first).metrics,
      'funnel.open_by_stage': Object.fromEntries(names.map((n, i) => [n || `s${i}`, i])),
      'funnel.bottleneck': { stage: first, reason: 'conversion', rep: 0.2, team: 0.6, sample: 10 },
    },
  });
  const team = teamReport(names);
  if (team.team.manager) team.team.manager.name = first;
  const leaderboard = board(names);
  return {
    team: buildTeamTable(team).blocks,
    leaderboard: buildLeaderboard(leaderboard, 'r1').blocks,
    own: buildLeaderboard(leaderboard, `r${names.length}`).blocks,
    scorecard: buildScorecard(report).blocks,
    why: buildWhy(report).blocks,
    funnel: buildFunnel(report).blocks,
    home: buildHome({ own: report, team, admin: true }).blocks,
  };
};

function expectAllWithinLimits(names: string[]) {
  for (const [view, blocks] of Object.entries(views(names)))
    try {
      expectWithinLimits(blocks, view === 'home' ? 100 : 50);
    } catch (error) {
      throw new Error(`${view}: ${(error as Error).message}`);
    }
}

const MARKUP = fc.constantFrom('&', '<', '>', '*', '_', '~', '`', ' ', 'a', 'é', '👩🏽‍💻', '\u202E', '\n');
const name = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.array(MARKUP, { maxLength: 200 }).map((cs) => cs.join('').slice(0, 200)),
  fc.constantFrom('&'.repeat(200), '*'.repeat(200), 'x'.repeat(200), '<!here>'.repeat(28)),
);

describe('Block Kit limits', () => {
  it('ten names of 200 characters, or of 200 ampersands, split the team into sections within 3,000', () => {
    for (const n of ['x'.repeat(200), '&'.repeat(200)]) {
      const blocks = buildTeamTable(teamReport(Array.from({ length: 10 }, () => n))).blocks;
      expectWithinLimits(blocks);
      const sections = blocks.filter((b) => b.type === 'section').slice(1);
      // Every rep is still there, each under a name line of its own.
      expect(
        sections
          .flatMap((b) => (b.type === 'section' ? (b.text?.text.split('\n') ?? []) : []))
          .filter((l) => /^\d+\. \*/.test(l)),
      ).toHaveLength(10);
    }
  });

  it('the leaderboard keeps every row in Slack, split between rows, the asker’s bold mark closed', () => {
    // 31 reps: 30 ranked, the fixture's last without a result (not ranked).
    const names = Array.from({ length: 31 }, (_, i) => `${'&'.repeat(150)}${i}`);
    const blocks = buildLeaderboard(board(names), 'r17').blocks;
    expectWithinLimits(blocks);
    const rows = blocks.flatMap((b) => (b.type === 'section' ? (b.text?.text.split('\n') ?? []) : []));
    expect(rows).toHaveLength(30);
    expect(rows[16]).toMatch(/^17\. \*(&amp;){150}16 \(you\)\* /);
  });

  it('hundreds of long names stay within 50 blocks, with how many more are not shown', () => {
    const names = Array.from({ length: 200 }, (_, i) => `${'&'.repeat(199)}${i % 10}`);
    expectAllWithinLimits(names);
    const team = buildTeamTable(teamReport(names)).blocks;
    expect(JSON.stringify(team)).toMatch(/…and \d+ more reps/);
  });

  it('a row too long alone is shortened with an ellipsis at a safe point', () => {
    const row = `1. *${'&amp;'.repeat(700)} (you)* $1`;
    const cut = clipMrkdwn(row, 3000);
    expect(cut.length).toBeLessThanOrEqual(3000);
    expect(cut).toMatch(/(&amp;)+…\*$/);
    expect(clipMrkdwn(`ab <@U12345678> ${'x'.repeat(3000)}`, 10)).toBe('ab…');
    expect(clipMrkdwn(`*ab* ~${'x'.repeat(3000)}~`, 12)).toBe('*ab* ~xxx…~');
  });

  it('any names (up to 200 characters of anything) keep every limit in every view', () => {
    fc.assert(
      fc.property(fc.array(name, { minLength: 1, maxLength: 40 }), (names) => {
        expectAllWithinLimits(names);
      }),
      { numRuns: 60 },
    );
  });

  it('the weekly leaderboard post keeps every limit for any names and a large top', () => {
    fc.assert(
      fc.property(
        fc.array(name, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 100 }),
        (names, top) => {
          const rows = names.map((n, i) => ({
            rank: i + 1,
            rep: { id: `r${i}`, name: n, slackUserId: null },
            value: 1000 - i,
            target: 2000,
            attainment: 0.5,
            improvement: 10,
            quality: 1.5,
            gapToNext: i === 0 ? null : 1,
            ofLeader: null,
            movement: i % 3 === 0 ? ('new' as const) : i % 3 === 1 ? -i : i,
          }));
          const b: TWeeklyLeaderboard = {
            metric: { id: 'sales.won_total', title: 'Won revenue', unit: 'money' },
            quality: { id: 'opportunities.created_to_lost_ratio', title: 'Created:lost', unit: 'times' },
            period: { key: '2026-11', label: 'November 2026', start: '2026-11-01', end: '2026-12-01' },
            toDate: true,
            asOf: '2026-11-23T08:00:00.000Z',
            span: { label: 'November 2026 to date (1–23 Nov)', start: '2026-11-01', end: '2026-11-23' },
            comparison: { label: '1–23 Oct', start: '2026-10-01', end: '2026-10-23' },
            lowerIsBetter: false,
            currency: 'USD',
            locale: 'en-US',
            rows,
            top,
            mostImproved: rows[0] ?? null,
            movementBasis: 'last-week',
          };
          expectWithinLimits(buildWeeklyLeaderboard(b).blocks);
        },
      ),
      { numRuns: 30 },
    );
  });
});
