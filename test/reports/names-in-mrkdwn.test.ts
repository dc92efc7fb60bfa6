import type { KnownBlock } from '@slack/types';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandRouter } from '../../src/commands/execute.js';
import { COMMANDS } from '../../src/commands/index.js';
import type { TActor } from '../../src/commands/types.js';
import type { Workspace } from '../../src/generated/sqlite/client.js';
import { createLogger } from '../../src/logger.js';
import { diagnoseDecline } from '../../src/metrics/diagnosis.js';
import { evaluateRules, ruleConfig } from '../../src/reports/coaching-rules.js';
import { oneLine, renderLeaderboardTable } from '../../src/reports/format.js';
import { leaderboardReport } from '../../src/reports/leaderboard.js';
import { weeklyLeaderboard } from '../../src/reports/weekly-leaderboard.js';
import type { TStore } from '../../src/store/store.js';
import { escapeMrkdwn, unescapeMrkdwn } from '../../src/views/help.js';
import { buildCoachingAlert, buildWeeklyLeaderboard } from '../../src/views/jobs.js';
import { blocksToText, mrkdwnToText } from '../../src/views/text.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';

/**
 * Issue 13, part 6: user text (rep names, stage names, call subjects) shows literally in Slack mrkdwn: no
 * emphasis, strike, code, quote or mention comes out of it, and a line break in it does not break a layout.
 */

const HOSTILE = '*Dana*_x_~y~`z`\n> quote <!channel>';
const HOSTILE_2 = '~Eve~ _it_ *b*\r\n@here `c`';
const STAGE = '*Won*_x_\n> stage';
/** How each shows in the shell (and in plain_text): as typed, a line break as a space. */
const literal = (s: string) => s.replace(/\r?\n/g, ' ');

/**
 * What Slack would read as markup in a mrkdwn text: a code marker, an emphasis or strike marker (a `*` or `~`
 * anywhere ends a span the view wraps the name in; an underscore at a word edge), a raw < or > (mentions, links), a quote at the start of a line, and
 * @here/@channel/@everyone. An empty list: the text shows literally.
 */
function markupIn(mrkdwn: string): string[] {
  const found: string[] = [];
  const alnum = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}]/u.test(c);
  for (let i = 0; i < mrkdwn.length; i++) {
    const c = mrkdwn[i] as string;
    // * and ~ anywhere: inside a bold or struck span a view wraps a name in, a mid-word one ends the span.
    if ('`<>*~'.includes(c)) found.push(`${c} at ${i}`);
    else if (c === '_' && !(alnum(mrkdwn[i - 1]) && alnum(mrkdwn[i + 1]))) found.push(`${c} at ${i}`);
  }
  for (const line of mrkdwn.split('\n')) if (/^\s*(&gt;|>)/.test(line)) found.push(`quote: ${line}`);
  for (const m of mrkdwn.matchAll(/@(here|channel|everyone)(?![\p{L}\p{N}])/giu)) found.push(m[0]);
  return found;
}

describe('escapeMrkdwn', () => {
  const noMarks = (s: string) => !/[\u2217\u02CD\u223C\u02CB\u2060\u00AD]/.test(s);

  it('leaves no markup, mention or line break in any text, and reads back as written (property)', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.oneof(
            fc.constantFrom('*', '_', '~', '`', '<', '>', '&', '\n', '\r', ' ', '@', '!', ':', '|'),
            fc.constantFrom('here', 'channel', 'everyone', '&amp;', '&lt;', '<!channel>', '<@U1>', '> '),
            fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
          ),
          maxLength: 40,
        }),
        (s) => {
          const out = escapeMrkdwn(s);
          expect(markupIn(out)).toEqual([]);
          expect(out).not.toMatch(/[\n\r\u2028\u2029]/);
          // Slack's own template around it (bold) still has a literal name inside.
          expect(markupIn(`x ${out} y`)).toEqual([]);
          if (noMarks(s)) {
            expect(unescapeMrkdwn(out)).toBe(oneLine(s));
            if (!s.includes(':')) expect(mrkdwnToText(out)).toBe(oneLine(s));
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('leaves ordinary names and snake_case alone', () => {
    for (const s of ['Dana Scott', 'closed_won', 'Zoë Ñúñez', 'A. B-C', 'dana_scott@example.com', '50% off'])
      expect(escapeMrkdwn(s)).toBe(s);
  });
});

let store: TStore;
let cleanup: () => Promise<void>;
let ws: Workspace;
const router = createCommandRouter(COMMANDS);
const now = new Date('2017-06-20T15:00:00Z');
const actors: Record<string, TActor> = {};

beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
  const { db } = store;
  ws = await db.workspace.create({ data: { slackTeamId: 'T0ESC', timezone: 'UTC' } });
  const boss = await db.rep.create({
    data: { workspaceId: ws.id, name: `Mona ${HOSTILE_2}`, slackUserId: 'U0MONA', role: 'manager' },
  });
  const dana = await db.rep.create({
    data: { workspaceId: ws.id, name: HOSTILE, slackUserId: 'U0DANA', managerId: boss.id },
  });
  // No Slack user: the weekly board names them (a Slack user is a mention).
  const eve = await db.rep.create({ data: { workspaceId: ws.id, name: HOSTILE_2, managerId: boss.id } });
  actors.dana = { repId: dana.id, slackUserId: 'U0DANA', name: HOSTILE };
  actors.boss = { repId: boss.id, slackUserId: 'U0MONA', name: boss.name };
  let n = 0;
  const deal = (repId: string, stage: string, status: string, day: string, minor: bigint) => ({
    workspaceId: ws.id,
    repId,
    source: 'csv',
    externalId: `d${++n}`,
    stage,
    status,
    amountMinor: minor,
    openedAt: new Date(`2017-06-${day}T00:00:00Z`),
    closedAt: status === 'open' ? null : new Date(`2017-06-${day}T12:00:00Z`),
  });
  await db.deal.createMany({
    data: [
      deal(dana.id, 'Won', 'won', '05', 500_000n),
      deal(dana.id, STAGE, 'open', '06', 100_000n),
      deal(dana.id, STAGE, 'open', '07', 100_000n),
      deal(eve.id, 'Won', 'won', '08', 300_000n),
    ],
  });
});
afterAll(async () => {
  await cleanup();
});

const run = (text: string, who: string) =>
  router.execute(text, {
    workspace: ws,
    actor: actors[who] as TActor,
    now,
    store,
    logger: createLogger('silent'),
  });

/** Every mrkdwn text of a message: the top-level text and each mrkdwn text object of its blocks. */
function mrkdwnOf(message: { text: string; blocks: KnownBlock[] }): string[] {
  const out = [message.text];
  const visit = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') {
      const o = v as { type?: unknown; text?: unknown };
      if (o.type === 'mrkdwn' && typeof o.text === 'string') out.push(o.text);
      else Object.values(v).forEach(visit);
    }
  };
  visit(message.blocks);
  return out;
}

/** The message shows each hostile text literally: escaped in mrkdwn with no markup of its own, as typed in the shell. */
function expectLiteral(message: { text: string; blocks: KnownBlock[] }, texts: string[], where = 'blocks') {
  const all = mrkdwnOf(message);
  const joined = all.join('\n');
  for (const s of texts) expect(joined, `${where}: ${s}`).toContain(escapeMrkdwn(s));
  for (const m of all) {
    // The message's own markup is the template's; every piece that came from user text is inert.
    for (const s of texts) {
      const piece = escapeMrkdwn(s);
      let at = m.indexOf(piece);
      while (at >= 0) {
        expect(markupIn(piece)).toEqual([]);
        at = m.indexOf(piece, at + piece.length);
      }
    }
    expect(m).not.toMatch(/<!(channel|here|everyone)>|(^|\n)\s*(&gt;|>) ?(quote|stage)/);
    expect(m).not.toContain('*Dana*');
    expect(m).not.toContain('`z`');
  }
  const shell = blocksToText(message.blocks, message.text);
  for (const s of texts) expect(shell, `shell: ${s}`).toContain(literal(s));
  expect(shell).not.toMatch(/[\u2217\u02CD\u223C\u02CB\u2060\u00AD]/);
}

describe(`names and stages show literally in every reply that shows them (${TEST_PROVIDER})`, () => {
  it('scorecard (/kpi me)', async () => {
    const reply = await run('me 2017-06', 'dana');
    expectLiteral(reply, [HOSTILE]);
    expect(reply.text).toBe(`${escapeMrkdwn(HOSTILE)}, June 2017: won $5,000`);
  });

  it('leaderboard (/kpi leaderboard)', async () => {
    const reply = await run('leaderboard 2017-06', 'dana');
    expectLiteral(reply, [HOSTILE, HOSTILE_2]);
    // The asker's own row is bold around the escaped name.
    expect(mrkdwnOf(reply).join('\n')).toContain(`1. *${escapeMrkdwn(HOSTILE)} (you)*`);
  });

  it('funnel (/kpi funnel), with a hostile stage name', async () => {
    const reply = await run('funnel 2017-06', 'dana');
    expectLiteral(reply, [STAGE]);
    expect(reply.text).toContain(escapeMrkdwn(HOSTILE));
  });

  it('team table (/kpi team) and why (/kpi why)', async () => {
    expectLiteral(await run('team 2017-06', 'boss'), [HOSTILE, HOSTILE_2]);
    const why = await run('why 2017-06', 'dana');
    expect(why.text.startsWith(escapeMrkdwn(HOSTILE))).toBe(true);
    expect(JSON.stringify(why.blocks)).not.toContain('\\n> quote');
  });

  it('the weekly leaderboard post', async () => {
    const board = await weeklyLeaderboard(store.db, ws, { metricId: 'sales.won_total', top: 5, asOf: now });
    const post = buildWeeklyLeaderboard(board);
    expectLiteral(post, [HOSTILE_2]);
    // Dana has a Slack user: a mention of her, not her name.
    expect(mrkdwnOf(post).join('\n')).toContain('<@U0DANA>');
  });

  it('a coaching alert, with a hostile call subject', () => {
    const month = (key: string, wonTotal: number, wonCount: number) => ({
      key,
      wonTotal,
      wonCount,
      winRate: 0.5,
      created: 10,
      outreach: 100,
      personalized: 50,
    });
    const usual = ['2017-01', '2017-02', '2017-03', '2017-04', '2017-05'].map((k) => month(k, 2_000_000, 2));
    const money = (minor: number) => `$${(minor / 100).toFixed(2)}`;
    const diagnosis = diagnoseDecline(month('2017-06', 300_000, 1), usual, {
      repName: HOSTILE,
      formatMoney: money,
    });
    const [alert] = evaluateRules(
      {
        repName: HOSTILE,
        current: {
          key: '2017-07',
          label: 'July 2017',
          elapsed: 0.5,
          metrics: {},
          pace: {},
          bottleneck: null,
        },
        last: { key: '2017-06', label: 'June 2017', metrics: {}, diagnosis, teamChurn: null },
        trainingTracked: false,
        outreachTracked: true,
        recordings: [{ url: 'https://calls.example.com/r/1', subject: STAGE, at: '2017-06-10T10:00:00Z' }],
        formatMoney: (v) => `$${v}`,
      },
      ruleConfig(),
    );
    if (!alert) throw new Error('expected a sales decline alert');
    const message = buildCoachingAlert(alert, 'alert-1');
    expectLiteral(message, [HOSTILE]);
    const links = mrkdwnOf(message).find((m) => m.startsWith('Recorded calls:')) ?? '';
    expect(links).toMatch(/^Recorded calls: <https:\/\/calls\.example\.com\/r\/1\|[^|<>]+>$/);
    expect(markupIn(links.slice(links.indexOf('|') + 1, -1))).toEqual([]);
  });

  it('the CLI tables keep one line per rep', async () => {
    const board = await leaderboardReport(store.db, ws, 'sales.won_total', '2017-06', now);
    const lines = renderLeaderboardTable(board).split('\n');
    expect(lines).toHaveLength(1 + board.rows.length);
    expect(lines.some((l) => l.includes(literal(HOSTILE)))).toBe(true);
  });
});
