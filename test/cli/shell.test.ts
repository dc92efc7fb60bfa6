import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runShell } from '../../src/cli/shell.js';
import { createCommandRouter } from '../../src/commands/execute.js';
import { COMMANDS } from '../../src/commands/index.js';
import { createLogger } from '../../src/logger.js';
import type { TStore } from '../../src/store/store.js';
import type { Rep, Workspace } from '../../src/store/types.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';
import { seedWorkspace } from '../support/seed.js';

/**
 * The local shell in process: each line goes through the same router as Slack, and what is printed is the reply's
 * terminal view (or, with --json, its data), never Block Kit read back as text.
 */
let store: TStore;
let cleanup: () => Promise<void>;
let ws: Workspace;
let reps: Record<string, Rep>;
const HOSTILE = '*Zoë* _<!here>_ `Ω` 👩🏽‍💻 שרה';
const now = new Date('2017-07-10T15:00:00Z');

beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
  ({ workspace: ws, reps } = await seedWorkspace(store.db, {
    team: 'T0SHELL',
    timezone: 'UTC',
    reps: [
      { name: 'Mona Manager', role: 'admin' },
      { name: HOSTILE, manager: 'Mona Manager' },
      { name: 'Dana Scott', manager: 'Mona Manager' },
    ],
    deals: [
      { rep: HOSTILE, amountMinor: 250_050n, openedAt: '2017-05-02', closedAt: '2017-06-12' },
      { rep: 'Dana Scott', amountMinor: 100_000n, openedAt: '2017-05-03', closedAt: '2017-06-14' },
    ],
  }));
});
afterAll(async () => {
  await cleanup();
});

async function shell(lines: string[], json: boolean, as = 'Mona Manager'): Promise<string> {
  const input = new PassThrough();
  const output = new PassThrough();
  let out = '';
  output.on('data', (d) => {
    out += d;
  });
  const rep = reps[as];
  if (!rep) throw new Error(`no rep ${as}`);
  const done = runShell({
    store,
    router: createCommandRouter(COMMANDS),
    logger: createLogger('silent'),
    clock: { now: () => now },
    workspace: ws,
    actor: { repId: rep.id, name: rep.name },
    input,
    output,
    interactive: false,
    json,
    charts: false,
  });
  input.end(`${lines.join('\n')}\n`);
  await done;
  return out;
}

type TLine = {
  input: string;
  text: string;
  data: { type: string; [key: string]: unknown };
  refused: boolean;
  file: string | null;
  chart: string | null;
};

describe(`kpi shell (${TEST_PROVIDER})`, () => {
  it('prints each reply’s terminal view, one per line of input, separated by a blank line', async () => {
    const out = await shell(
      ['/kpi leaderboard 2017-06', 'team 2017-06', '/kpi rep "Dana Scott" 2017-06', '/giphy cats'],
      false,
    );
    const replies = out.trim().split('\n\n');
    expect(replies).toHaveLength(4);
    const [board, team, card, foreign] = replies as [string, string, string, string];
    expect(board.split('\n')[0]).toBe('Won revenue · June 2017');
    // The name as written: no mrkdwn escapes, no look-alikes, no entities.
    expect(board).toContain(`1.  ${HOSTILE}  $2,501`);
    expect(board).toMatch(/^2\. +Dana Scott +\$1,000$/m);
    expect(team).toContain(HOSTILE);
    expect(team).toMatch(/^ +Team +\$3,501/m);
    expect(card.split('\n')[0]).toBe('Dana Scott · June 2017');
    expect(card).toMatch(/^Won revenue +\$1,000$/m);
    expect(foreign).toBe('/giphy is not a KPI Bot command here. Try /kpi help.');
    for (const reply of replies) {
      expect(reply).not.toMatch(/:white_check_mark:|:warning:|&lt;|&amp;|\u02CB/);
    }
  });

  it('with --json prints one line per reply: input, the terminal text, the data and what was refused', async () => {
    const out = await shell(['/kpi leaderboard 2017-06', '/kpi log call abc', 'me 2017-06'], true);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(3);
    const [board, refused, card] = lines.map((l) => JSON.parse(l) as TLine) as [TLine, TLine, TLine];
    expect(Object.keys(board)).toEqual(['input', 'text', 'data', 'refused', 'file', 'chart']);
    expect(board.input).toBe('/kpi leaderboard 2017-06');
    expect(board.text).toContain(HOSTILE);
    expect(board.data).toMatchObject({
      type: 'leaderboard',
      metric: 'sales.won_total',
      currency: 'USD',
      period: { key: '2017-06', start: '2017-06-01T00:00:00.000Z' },
    });
    const rows = board.data.rows as { rank: number; rep: { name: string }; value: number; you: boolean }[];
    // Money as `kpi leaderboard --json` prints it: major units, exact.
    expect(rows[0]).toMatchObject({ rank: 1, rep: { name: HOSTILE }, value: 2500.5, you: false });
    expect(refused.refused).toBe(true);
    expect(refused.text).toMatch(/^! I could not read "abc" as a date/);
    expect(refused.data).toMatchObject({ type: 'error', error: { code: 'bad_request', field: 'date' } });
    expect(card.data).toMatchObject({ type: 'scorecard', rep: { name: 'Mona Manager' } });
    expect(out).not.toMatch(/"blocks"|"mrkdwn"|"plain_text"/);
  });
});
