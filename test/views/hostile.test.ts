import { describe, expect, it } from 'vitest';
import { buildOwnerLinked } from '../../src/views/admin.js';
import { buildErrorReply, buildForeignCommand, buildServiceErrorReply } from '../../src/views/help.js';
import { buildRecordedQuiz } from '../../src/views/logged.js';
import { buildScorecard } from '../../src/views/scorecard.js';
import { buildTeamTable } from '../../src/views/team.js';
import { terminalSafe } from '../../src/views/terminal.js';
import { buildWhy } from '../../src/views/why.js';
import { repReport, teamReport } from './fixtures.js';
import { BIDI, ESC, EVE, expectSafe, openBidi } from './hostile-text.js';

/** Hostile text in the views themselves (without the shell's last pass): controls, separators, bidi overrides. */

describe('refusals in a terminal', () => {
  it('a service refusal naming a rep prints no control character', () => {
    const reply = buildServiceErrorReply({
      code: 'forbidden',
      message: `Sorry, ${EVE}'s details are for them, their manager and KPI Bot admins.`,
    });
    expectSafe(reply.terminal);
    expect(reply.terminal).toBe(
      `! Sorry, Eve ]8;;http://evil.example/ \\Eve ]8;; \\  [2K Zed's details are for them, their manager and KPI Bot admins.`,
    );
    expect(reply.data).toMatchObject({ error: { message: reply.terminal.slice(2) } });
  });

  it('typed values marked as literals come back without controls or separators', () => {
    for (const typed of [`${ESC}[31m`, 'a\u0085b', 'a\u2028b', 'a\u2029b', 'X\u202EY', `\u2067${ESC}[2J`]) {
      const reply = buildServiceErrorReply({
        code: 'bad_request',
        message: `"\`${typed}\`" is not a period I know.\nUsage: /kpi me [period]`,
        field: 'period',
      });
      expectSafe(reply.terminal);
      expect(reply.terminal.split('\n')).toHaveLength(2);
    }
  });

  it('an mrkdwn refusal read back as text prints no control character', () => {
    const reply = buildErrorReply(`No rep *${EVE}* here \u0085 \u2028 \u202Eend`);
    expectSafe(reply.terminal);
  });

  it('a foreign command clipped to 40 cells keeps its override closed', () => {
    const reply = buildForeignCommand(`/gif\u202E${'y'.repeat(60)}${ESC}[2J`);
    expectSafe(reply.terminal);
    expect(reply.terminal).toMatch(/…\u202C is not a KPI Bot command here/);
  });

  it('terminalSafe() keeps the line breaks and makes each line safe', () => {
    expect(terminalSafe(`a\u202Eb\nc${ESC}d\r\ne\u2028f`)).toBe('a\u202Eb\u202C\nc d\ne f');
  });
});

/** What follows a name on its line keeps its order: the override is closed right after the name. */
function closedAfter(line: string, name: string) {
  const at = line.indexOf(name);
  expect(at, line).toBeGreaterThanOrEqual(0);
  expect(openBidi(line.slice(0, at + name.length + 1)), JSON.stringify(line)).toBe(0);
}

describe('a right-to-left override inside a name stays inside it', () => {
  it('the link confirmation closes it after the owner and after the rep', () => {
    const reply = buildOwnerLinked({
      source: 'hubspot',
      owner: `${ESC}[31mowner\u202E`,
      rep: { id: 'r1', name: BIDI },
      moved: 2,
    });
    expectSafe(reply.terminal);
    closedAfter(reply.terminal, ' [31mowner\u202E');
    closedAfter(reply.terminal, BIDI);
  });

  it('the diagnosis of a scorecard and of why closes it after the name, on the same line', () => {
    const report = repReport(BIDI);
    for (const terminal of [buildScorecard(report).terminal, buildWhy(report).terminal]) {
      expectSafe(terminal);
      const line = terminal.split('\n').find((l) => l.includes('won fewer deals')) as string;
      closedAfter(line, BIDI);
    }
    const spaced = repReport(
      'Bidi \u202Eesrever with spaces in a long name that wraps around the end of the line',
    );
    expectSafe(buildScorecard(spaced).terminal);
    expectSafe(buildWhy(spaced).terminal);
  });

  it("the team's title closes it after the manager's name", () => {
    const report = teamReport(['Dana Scott', BIDI]);
    report.team.manager = { id: 'm1', name: `Mona\u202E${ESC}[2J` };
    const reply = buildTeamTable(report);
    expectSafe(reply.terminal);
    closedAfter(reply.terminal.split('\n')[0] as string, 'Mona\u202E [2J');
  });

  it('a quiz course is isolated in the confirmation', () => {
    const reply = buildRecordedQuiz({ course: 'Product\u202E101', score: 8, maxScore: 10 });
    closedAfter(reply.terminal, 'Product\u202E101');
  });

  it('a foreign command is closed after clipping, before the rest of the sentence', () => {
    const reply = buildForeignCommand(`/gif\u202E${'y'.repeat(60)}`);
    closedAfter(reply.terminal, '…');
  });
});

describe('the link confirmation counts the facts it moved', () => {
  const linked = (moved: number) =>
    buildOwnerLinked({ source: 'hubspot', owner: '901', rep: { id: 'r1', name: 'Cleo Varga' }, moved });

  it('none, one, many: singular and plural, and a clear zero', () => {
    expect(linked(0).terminal).toBe(
      '✓ Linked hubspot 901 to Cleo Varga. No earlier facts were waiting for this owner; waiting events follow within seconds.',
    );
    expect(linked(1).terminal).toBe(
      '✓ Linked hubspot 901 to Cleo Varga: 1 earlier fact is now theirs; waiting events follow within seconds.',
    );
    expect(linked(1200).text).toBe(
      'Linked hubspot 901 to Cleo Varga: 1,200 earlier facts are now theirs; waiting events follow within seconds.',
    );
  });
});
