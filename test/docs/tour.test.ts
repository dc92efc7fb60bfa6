import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, KPI_BIN, PROJECT_ROOT } from '../support/child.js';

/**
 * The README's "A minute's tour" on a fresh store: the commands are read from the README and run as written on
 * examples/ (in a temporary folder that links to it, so `./data/…` and the charts stay there), and every figure
 * each sample output shows (money, percentages, ratios, the leaderboard's order) is what the command prints. The
 * tour is about SQLite (`DATABASE_URL=file:…`), so it runs once, in the SQLite pass.
 *
 * Each `kpi …` is a child process (node + tsx): about a second of CPU to start, many more on a loaded 2-core
 * machine. The time-out is a failure guard sized for that machine, not a measure of speed.
 */
const SPAWNING_TEST_TIMEOUT_MS = 180_000;

const README = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
const TOUR = README.slice(
  README.indexOf("## A minute's tour"),
  README.indexOf('\n## ', README.indexOf("## A minute's tour") + 1),
);

/** The fenced blocks of the tour, in order, with their language. */
const BLOCKS = [...TOUR.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({
  lang: m[1] as string,
  body: m[2] as string,
}));

/** Words of a command line as a POSIX shell splits them (double quotes only, as the README writes them). */
const words = (line: string) => [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => (m[1] ?? m[2]) as string);

/** `npm run --silent kpi -- <args>` → args. */
const kpiArgs = (line: string) => words(line.replace(/^\$ /, '').replace(/^npm run --silent kpi -- /, ''));

/** The figures a reply shows, in order: money, percentages, ratios, and the names ranked in a leaderboard. */
const figures = (text: string) =>
  [
    ...text.matchAll(
      /[+-]?\$[\d,]+\.\d\d|[+-]?\d+(?:\.\d+)?%|\d+(?:\.\d+)? : 1|^\s*\d+\.\s+[A-Z][\w ]*?(?=\s{2})/gm,
    ),
  ].map((m) => m[0].trim());

let dir: string;
let env: NodeJS.ProcessEnv;
const children: ChildProcess[] = [];

function kpi(args: string[], input?: string): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [KPI_BIN, ...args], {
    cwd: dir,
    env,
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  if (input !== undefined) child.stdin?.end(input);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    err += d;
  });
  // 'close', not 'exit': the process has exited and its output has been read to the end.
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
}

/** Replies of `kpi shell --json` to the inputs, in order. */
async function shell(as: string, inputs: string[]): Promise<{ text: string; refused: boolean }[]> {
  const r = await kpi(['shell', '--as', as, '--json'], `${inputs.join('\n')}\n`);
  expect(r.code, r.err).toBe(0);
  return r.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { text: string; refused: boolean });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kpi-tour-'));
  symlinkSync(join(PROJECT_ROOT, 'examples'), join(dir, 'examples'));
  // The tour's `export DATABASE_URL=…` (a fresh store in the temporary folder).
  const url = /^export DATABASE_URL=(\S+)$/m.exec(TOUR)?.[1];
  env = cleanEnv({ DATABASE_URL: url ?? 'missing' });
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(process.env.KPI_TEST_PROVIDER === 'postgresql')(
  "the README's tour on examples/",
  { timeout: SPAWNING_TEST_TIMEOUT_MS },
  () => {
    it('sets DATABASE_URL to a SQLite file and names the public export it mirrors', () => {
      expect(TOUR).toMatch(/^export DATABASE_URL=file:\S+$/m);
      expect(TOUR).toContain('CRM Sales Opportunities');
      expect(TOUR).toContain('Maven Analytics');
    });

    it('imports examples/ and prints the figures the README shows, in the shell too; admins.csv makes an admin', async () => {
      // 1. The import commands and the one whose output follows them.
      const setup = BLOCKS.find((b) => b.lang === 'sh' && b.body.includes('examples/sales_teams.csv'));
      expect(setup, 'the tour has a sh block importing examples/').toBeDefined();
      const commands = (setup?.body ?? '')
        .split('\n')
        .filter((l) => l.startsWith('npm run --silent kpi -- '));
      expect(commands.length).toBeGreaterThanOrEqual(3);
      let last = '';
      for (const line of commands) {
        const r = await kpi(kpiArgs(line));
        expect(r.code, `${line}\n${r.out}${r.err}`).toBe(0);
        if (line.includes('import ')) expect(r.out).toMatch(/skipped\s+0\b/);
        last = r.out;
      }
      const shown = BLOCKS[BLOCKS.indexOf(setup as (typeof BLOCKS)[number]) + 1];
      expect(shown?.lang).toBe('text');
      expect(last.trimEnd()).toBe(shown?.body.trimEnd());

      // 2. The shell transcript: each session's inputs, and each reply's figures.
      const transcript = BLOCKS.find((b) => b.body.includes('$ npm run --silent kpi -- shell --as'));
      expect(transcript, 'the tour has a shell transcript').toBeDefined();
      const sessions: { as: string; inputs: string[]; replies: string[] }[] = [];
      for (const line of (transcript?.body ?? '').split('\n')) {
        const start = /^\$ npm run --silent kpi -- shell --as "([^"]+)"$/.exec(line);
        const prompt = /^kpi \((.+?)\)> (.*)$/.exec(line);
        const session = sessions.at(-1);
        if (start) sessions.push({ as: start[1] as string, inputs: [], replies: [] });
        else if (prompt && session && prompt[2] !== 'exit') {
          session.inputs.push(prompt[2] as string);
          session.replies.push('');
        } else if (session?.replies.length && !prompt)
          session.replies[session.replies.length - 1] += `${line}\n`;
      }
      expect(sessions.flatMap((s) => s.inputs)).toEqual(
        expect.arrayContaining(['/kpi me 2017-06', '/kpi team 2017-06', '/kpi why "Ben Okafor" 2017-06']),
      );
      // Nobody is an admin after the tour's imports (asked in the last session, after its README inputs).
      const settings = /`(\/kpi settings [^`]+)` answers "changing settings is for KPI Bot admins"/.exec(
        TOUR,
      )?.[1];
      expect(settings, 'the tour says who is admin after its imports').toBeDefined();
      const all = await Promise.all(
        sessions.map((s, n) =>
          shell(s.as, n === sessions.length - 1 ? [...s.inputs, settings as string] : s.inputs),
        ),
      );
      sessions.forEach((s, n) => {
        s.inputs.forEach((input, i) => {
          const expected = s.replies[i] as string;
          expect(figures(expected).length, `${input}: figures in the README`).toBeGreaterThan(0);
          expect(figures(all[n]?.[i]?.text ?? ''), `${s.as}> ${input}`).toEqual(figures(expected));
        });
      });
      const before = all.at(-1)?.at(-1);
      expect(before?.refused, before?.text).toBe(true);
      expect(before?.text).toContain('changing settings is for KPI Bot admins');

      // 3. examples/admins.csv (the reps file's role column) makes Priya Natarajan an admin.
      expect(TOUR).toMatch(/`npm run --silent kpi -- import reps examples\/admins\.csv`/);
      const made = await kpi(['import', 'reps', 'examples/admins.csv']);
      expect(made.code, made.err).toBe(0);
      expect(made.out).toMatch(/updated\s+1\b/);
      const [after] = await shell('Priya Natarajan', [settings as string]);
      expect(after?.refused, after?.text).toBe(false);
    });
  },
);
