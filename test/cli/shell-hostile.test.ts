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
import { BIDI, ESC, EVE, expectSafe } from '../views/hostile-text.js';

/**
 * Hostile text in the local shell: names stored with escape sequences, carriage returns and bidi overrides, and
 * typed input with controls and line separators. Nothing but the views' own line breaks reaches the terminal,
 * and no line leaves an override or isolate open.
 */
const SEPARATED = 'Sep\u2028Line\u0085Next\u2029Para';
const now = new Date('2017-07-10T15:00:00Z');

let store: TStore;
let cleanup: () => Promise<void>;
let ws: Workspace;
let reps: Record<string, Rep>;

beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
  ({ workspace: ws, reps } = await seedWorkspace(store.db, {
    team: 'T0HOSTILE',
    timezone: 'UTC',
    reps: [
      { name: 'Mona Manager', role: 'admin' },
      { name: EVE, email: 'eve@example.com' },
      { name: BIDI, manager: 'Mona Manager' },
      { name: 'Dana Scott' },
      { name: SEPARATED, email: 'sep@example.com', manager: 'Mona Manager' },
    ],
    deals: [
      { rep: BIDI, amountMinor: 250_050n, openedAt: '2017-05-02', closedAt: '2017-06-12' },
      // A result for the rep with the line separators, so the leaderboard ranks (and shows) them.
      { rep: SEPARATED, amountMinor: 100_000n, openedAt: '2017-05-02', closedAt: '2017-06-14' },
    ],
  }));
});
afterAll(async () => {
  await cleanup();
});

async function shell(lines: string[], json: boolean, as: string): Promise<string> {
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

const INPUTS = [
  '/kpi rep eve@example.com',
  `/kpi me ${ESC}[31m`,
  `/kpi link "X${ESC}[31mY" hubspot 1`,
  '/kpi me this\u0085month',
  '/kpi me this\u2028month',
  `/kpi rep "${BIDI}" 2017-06`,
  `/kpi why "${BIDI}" 2017-06`,
  `/kpi funnel "${BIDI}" 2017-06`,
  '/kpi team 2017-06',
  '/kpi leaderboard 2017-06',
  `/gif\u202Ey${'x'.repeat(60)}`,
  `/kpi nope\u202E${ESC}[2J`,
];

describe(`kpi shell with hostile text (${TEST_PROVIDER})`, () => {
  it('a refusal naming another rep prints no escape sequence or carriage return', async () => {
    const out = await shell(['/kpi rep eve@example.com'], false, 'Dana Scott');
    expect(out).toContain('details are for them');
    expect(out).toContain('Eve ]8;;http://evil.example/');
    expectSafe(out);
  });

  it('typed controls come back as spaces, never raw', async () => {
    const out = await shell(
      [`/kpi me ${ESC}[31m`, `/kpi link "X${ESC}[31mY" hubspot 1`, '/kpi me x\u0085y', '/kpi me x\u2028y'],
      false,
      'Mona Manager',
    );
    expect(out).toContain('is not a period I know');
    expectSafe(out);
  });

  it('every reply, as text and as JSON text, is free of controls and open overrides', async () => {
    for (const as of ['Mona Manager', 'Dana Scott', BIDI]) {
      expectSafe(await shell(INPUTS, false, as));
      const json = await shell(INPUTS, true, as);
      for (const line of json.trim().split('\n')) {
        const { text } = JSON.parse(line) as { text: string };
        expectSafe(text);
      }
    }
  });

  it('--json keeps one reply per line for any line splitter (U+2028, U+2029, U+0085 escaped)', async () => {
    const inputs = [
      '/kpi leaderboard 2017-06',
      '/kpi me x\u2028y\u0085z\u2029w',
      '/kpi rep sep@example.com 2017-06',
      '/kpi team 2017-06',
      `/kpi link "X\u2028${ESC}Y" hubspot 1`,
    ];
    const out = await shell(inputs, true, 'Mona Manager');
    // Python's str.splitlines() line boundaries.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are the point
    const splitlines = /\r\n|[\n\r\u000b\u000c\u001c-\u001e\u0085\u2028\u2029]/;
    const lines = out.split(splitlines).filter((l) => l !== '');
    expect(lines).toHaveLength(inputs.length);
    const replies = lines.map((l) => JSON.parse(l) as { input: string; data: unknown });
    expect(replies.map((r) => r.input)).toEqual(inputs);
    expect(JSON.stringify(replies[0]?.data)).toContain(JSON.stringify(SEPARATED).slice(1, -1));
    // Other people's details stay out of the JSON views: a rep is its id and name.
    for (const r of replies)
      expect(JSON.stringify(r.data)).not.toMatch(/"(email|slackUserId)"|@example\.com/);
  });
});
