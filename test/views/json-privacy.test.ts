import { describe, expect, it } from 'vitest';
import { buildFunnel } from '../../src/views/funnel.js';
import { buildLeaderboard, buildScorecard } from '../../src/views/scorecard.js';
import { buildTeamTable } from '../../src/views/team.js';
import { buildWhy } from '../../src/views/why.js';
import { board, repReport, teamReport } from './fixtures.js';

/**
 * SECURITY.md: a user must not see other people's details. The JSON views name a rep by `id` and `name` only,
 * never their email or Slack user id.
 */
const person = { id: 'r1', name: 'Eve Example', email: 'eve@example.com', slackUserId: 'U0EVE' };

function expectNoDetails(data: unknown) {
  const json = JSON.stringify(data);
  expect(json).not.toContain('eve@example.com');
  expect(json).not.toContain('U0EVE');
  expect(json).not.toMatch(/"(email|slackUserId)"/);
}

describe('JSON views keep only id and name of a rep', () => {
  it('scorecard, why and funnel', () => {
    const report = { ...repReport(person.name), rep: person };
    for (const reply of [buildScorecard(report), buildWhy(report), buildFunnel(report)]) {
      expectNoDetails(reply.data);
      expect(reply.data.rep).toEqual({ id: 'r1', name: 'Eve Example' });
    }
  });

  it('every leaderboard row', () => {
    // The last rep of the fixture has no result (not ranked): two ranked rows.
    const b = board(['Eve Example', 'Dana Scott', 'No Result']);
    b.rows = b.rows.map((r) => ({ ...r, rep: { ...r.rep, email: 'eve@example.com', slackUserId: 'U0EVE' } }));
    const data = buildLeaderboard(b, 'r2').data;
    expectNoDetails(data);
    expect((data.rows as { rep: unknown }[]).map((r) => r.rep)).toEqual([
      { id: 'r1', name: 'Eve Example' },
      { id: 'r2', name: 'Dana Scott' },
    ]);
  });

  it("the team's manager", () => {
    const report = teamReport(['Dana Scott']);
    report.team.manager = person;
    const data = buildTeamTable(report).data;
    expectNoDetails(data);
    expect(data.manager).toEqual({ id: 'r1', name: 'Eve Example' });
  });
});
