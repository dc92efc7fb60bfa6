import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The bot the cases start: the compiled build (as production runs it), or the sources through tsx (tests). */
const COMPILED_BIN = fileURLToPath(new URL('../bin/kpi.mjs', import.meta.url));
const SOURCES_BIN = fileURLToPath(new URL('../bin/kpi-dev.mjs', import.meta.url));
let kpiBin = COMPILED_BIN;

/** `--sources`: run the bot from the TypeScript sources (the CI smoke run tests the working tree as it is). */
export function runBotFromSources(yes: boolean): void {
  kpiBin = yes ? SOURCES_BIN : COMPILED_BIN;
}
const ROOT = fileURLToPath(new URL('..', import.meta.url));

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** The environment of a clean shell plus the bot's variables for a run (none of the caller's KPI_ or SLACK_). */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^(SLACK_|KPI_|HUBSPOT_|PIPEDRIVE_|DATABASE_URL|PORT|HOST|LOG_LEVEL)/.test(k)) env[k] = v;
  return { ...env, ...extra };
}

/**
 * Node options for the measured bot processes, from KPI_BENCH_BOT_NODE_ARGS (space-separated), e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the bot under a case (Node refuses those in NODE_OPTIONS).
 */
function botNodeArgs(): string[] {
  return (process.env.KPI_BENCH_BOT_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
}

export type TChild = { child: ChildProcess; port: number; stop(): Promise<void> };

async function waitFor(url: string, ms: number, child: ChildProcess, log: () => string): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the process exited (${child.exitCode}): ${log().slice(-2000)}`);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`nothing answered at ${url}: ${log().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** The bot (`kpi start`) in a child process on a free port, ready when /healthz answers. */
export async function startBotProcess(env: Record<string, string>): Promise<TChild> {
  const port = await freePort();
  let log = '';
  const child = spawn(process.execPath, [...botNodeArgs(), kpiBin, 'start'], {
    cwd: ROOT,
    env: cleanEnv({ PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', KPI_JOBS: 'off', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => {
    log = (log + d).slice(-20_000);
  });
  child.stderr?.on('data', (d) => {
    log = (log + d).slice(-20_000);
  });
  await waitFor(`http://127.0.0.1:${port}/healthz`, 60_000, child, () => log);
  return { child, port, stop: () => stopChild(child) };
}

/** One `kpi` command in a child process (the same build as the bot's); resolves when it exits. */
export function runKpi(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [kpiBin, ...args], {
      cwd: ROOT,
      env: cleanEnv({ LOG_LEVEL: 'warn', ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d) => {
      out += d;
    });
    child.stderr?.on('data', (d) => {
      out = (out + d).slice(-20_000);
    });
    child.once('exit', (code) => resolve({ code, out }));
  });
}

/** The baseline: a bare node:http server that reads the body and answers 200, in a child process. */
export async function startBareServer(): Promise<TChild> {
  const port = await freePort();
  const code = `require('node:http').createServer((req, res) => { req.on('data', () => {}); req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"ok":true}'); }); }).listen(${port}, '127.0.0.1');`;
  const child = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
  await waitFor(`http://127.0.0.1:${port}/`, 10_000, child, () => '');
  return { child, port, stop: () => stopChild(child) };
}

/**
 * A fake Slack Web API for the bot under load: auth.test names the bench workspace, uploads succeed, every
 * other method answers ok; replies to response URLs are counted per id, with when the first one arrived and
 * when the first one carrying a chart did (a reply's text goes out first, its chart replaces it afterwards).
 */
export async function startFakeSlack(teamId: string) {
  /**
   * Per response URL id: replies received, whether one was a real answer (not an error reply), when the first
   * arrived and when the first with a chart did (Date.now()).
   */
  const replies = new Map<string, { count: number; ok: boolean; firstAt: number; chartAt?: number }>();
  let files = 0;
  const body = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let s = '';
      req.on('data', (d) => {
        s += d;
      });
      req.on('end', () => resolve(s));
    });
  const server: Server = createServer(async (req, res) => {
    const url = req.url ?? '/';
    const text = await body(req);
    const json = (o: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(o));
    };
    if (url.startsWith('/respond/')) {
      const id = url.slice('/respond/'.length);
      const at = Date.now();
      const before = replies.get(id) ?? { count: 0, ok: false, firstAt: at };
      const error = /could not|went wrong|not set up as a rep/i.test(text);
      const chartAt = before.chartAt ?? (text.includes('"slack_file"') ? at : undefined);
      replies.set(id, {
        count: before.count + 1,
        ok: before.ok || !error,
        firstAt: before.firstAt,
        ...(chartAt === undefined ? {} : { chartAt }),
      });
      return json({ ok: true });
    }
    if (url.startsWith('/upload/')) return json({ ok: true });
    const method = url.replace(/^\/api\//, '').split('?')[0];
    if (method === 'auth.test')
      return json({ ok: true, team_id: teamId, user_id: 'UBOT', bot_id: 'BBOT', team: 'Bench' });
    if (method === 'files.getUploadURLExternal') {
      files += 1;
      return json({ ok: true, upload_url: `${base}upload/F${files}`, file_id: `F${files}` });
    }
    if (method === 'files.completeUploadExternal') {
      const f = new URLSearchParams(text).get('files') ?? '[]';
      return json({ ok: true, files: JSON.parse(f) });
    }
    if (method === 'users.info')
      return json({ ok: true, user: { id: 'U', team_id: teamId, is_admin: false } });
    return json({ ok: true });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    apiUrl: `${base}api/`,
    responseUrl: (id: string) => `${base}respond/${id}`,
    replies,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
