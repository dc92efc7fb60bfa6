import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { renderChart } from '../charts/render.js';
import type { TChartSpec } from '../charts/spec.js';
import type { TClock } from '../clock.js';
import type { TCommandRouter } from '../commands/execute.js';
import type { TActor, TReply } from '../commands/types.js';
import type { TLogger } from '../logger.js';
import type { TStore } from '../store/store.js';
import type { Workspace } from '../store/types.js';
import { workspaceById } from '../store/workspaces.js';
import { buildForeignCommand } from '../views/help.js';
import { plain, terminalSafe } from '../views/terminal.js';

export type TShellOptions = {
  store: TStore;
  router: TCommandRouter;
  logger: TLogger;
  clock: TClock;
  workspace: Workspace;
  actor: TActor;
  input: Readable;
  output: Writable;
  /** A terminal: prompt and greeting. Otherwise one reply per input line, for scripts. */
  interactive: boolean;
  /** One JSON object per reply and line (NDJSON), for scripts. */
  json?: boolean;
  /** Save charts as PNG files under data/charts (default true). */
  charts?: boolean;
};

/**
 * A reply as one JSON line: JSON.stringify leaves U+2028, U+2029 and U+0085 as they are, and a line splitter
 * (Python's splitlines, many editors) breaks a line at them; escaped as \u2028 … every reply stays on its line.
 */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u0085\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Strips the `/kpi` prefix; other slash commands are not ours. */
function commandTextOf(line: string): { text: string } | { foreign: string } {
  const trimmed = line.trim();
  const m = /^\/(\S+)\s*(.*)$/s.exec(trimmed);
  if (!m) return { text: trimmed };
  if (m[1]?.toLowerCase() !== 'kpi') return { foreign: `/${m[1]}` };
  return { text: m[2] ?? '' };
}

/**
 * The local-mode shell, in the spirit of Hubot's shell adapter: each line is a `/kpi ...` command (the
 * prefix may be left out) run as the chosen person through the same router Slack uses; the reply's terminal view
 * is printed. Non-interactive input gets exactly one reply per non-empty line, replies separated by a blank line
 * (or, with `json`, one JSON line each: `{ input, text, data, refused, file, chart }`, see docs/commands.md).
 */
export async function runShell(opts: TShellOptions): Promise<void> {
  const { output } = opts;
  const write = (s: string) => output.write(s);
  // A terminal gets readline (editing, history, the prompt); other input is split at line feeds only.
  const rl = opts.interactive ? createInterface({ input: opts.input, output, terminal: true }) : undefined;
  rl?.on('SIGINT', () => rl.close());
  const prompt = `kpi (${plain(opts.actor.name)})> `;
  if (opts.interactive) {
    write(
      `KPI Bot local shell. You are ${plain(opts.actor.name)}. Type /kpi help; exit or Ctrl-D to quit.\n`,
    );
    rl?.setPrompt(prompt);
    rl?.prompt();
  }
  for await (const line of rl ?? linesOf(opts.input)) {
    const trimmed = line.trim();
    if (trimmed === 'exit' || trimmed === 'quit') break;
    if (trimmed === '') {
      rl?.prompt();
      continue;
    }
    const parsed = commandTextOf(trimmed);
    let reply: TReply;
    if ('foreign' in parsed) reply = buildForeignCommand(parsed.foreign);
    else {
      // Read afresh each time: a setting changed by the previous command (or elsewhere) applies at once.
      const workspace = (await workspaceById(opts.store.db, opts.workspace.id)) ?? opts.workspace;
      reply = await opts.router.execute(parsed.text, {
        workspace,
        actor: opts.actor,
        now: opts.clock.now(),
        store: opts.store,
        logger: opts.logger,
      });
    }
    const lines = [reply.terminal];
    let file: string | null = null;
    if (reply.file) {
      // The shell's equivalent of Slack's direct message: the file is saved beside the local database.
      const dir = resolve('data', 'exports');
      mkdirSync(dir, { recursive: true });
      file = join(dir, basename(reply.file.filename));
      writeFileSync(file, reply.file.content);
      lines.push(`Saved to ${file}`);
    }
    const chart = reply.chart && opts.charts !== false ? await saveChart(reply.chart, opts.logger) : null;
    if (chart) lines.push(`Chart: ${chart}`);
    // No blank line inside a reply: a script splits replies on blank lines. The last pass over every view: no
    // control character, line separator or open bidirectional override reaches the terminal, whatever the view.
    const text = terminalSafe(lines.join('\n'))
      .split('\n')
      .filter((l) => l.trim() !== '')
      .join('\n');
    if (opts.json)
      write(
        `${jsonLine({ input: trimmed, text, data: reply.data, refused: reply.refused === true, file, chart })}\n`,
      );
    else write(opts.interactive ? `${text}\n` : `${text}\n\n`);
    rl?.prompt();
  }
  rl?.close();
}

/**
 * The lines of a stream, split at line feeds (and CR LF) only. readline would do, but since Node 24 it also ends
 * a line at U+2028 and U+2029, which can sit inside a typed name: one line in must stay one reply out.
 */
async function* linesOf(input: Readable): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of input) {
    rest += typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer);
    for (let end = rest.indexOf('\n'); end >= 0; end = rest.indexOf('\n')) {
      yield rest.slice(0, end).replace(/\r$/, '');
      rest = rest.slice(end + 1);
    }
  }
  rest += decoder.end();
  if (rest !== '') yield rest.replace(/\r$/, '');
}

/** The shell's equivalent of a chart in Slack: the PNG saved under data/charts; its path, or null if not rendered. */
async function saveChart(chart: TChartSpec, logger: TLogger): Promise<string | null> {
  try {
    const png = await renderChart(chart);
    const dir = resolve('data', 'charts');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${basename(chart.name)}.png`);
    writeFileSync(path, png);
    return path;
  } catch (error) {
    logger.warn({ err: error }, 'chart not rendered');
    return null;
  }
}
