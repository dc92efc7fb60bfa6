import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanEnv, KPI_BIN, PROJECT_ROOT } from '../support/child.js';
import { createMigratedDatabase } from '../support/db.js';
import { FakeSlack } from '../support/fake-slack.js';
import { SIGNING_SECRET } from '../support/slack-request.js';

const KPI = KPI_BIN;
const ROOT = PROJECT_ROOT;

function run(args: string[], env: Record<string, string>, input?: string) {
  const child = spawn(process.execPath, [KPI, ...args], { cwd: ROOT, env: cleanEnv(env), stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  if (input !== undefined) child.stdin.end(input);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

const children: ChildProcess[] = [];
const drops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of drops.splice(0)) await d();
});

async function database() {
  const db = await createMigratedDatabase();
  drops.push(db.drop);
  return db.url;
}

describe('kpi start', () => {
  it.each([
    ['PORT', 'abc'],
    ['KPI_TIMEZONE', 'Atlantis/Lost'],
    ['DATABASE_URL', 'mysql://x'],
  ])('stops at start-up on %s=%s with one line naming it', async (name, value) => {
    const p = run(['start'], { [name]: value });
    children.push(p.child);
    expect(await p.exited).toBe(1);
    const lines = p.err().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^kpi: invalid environment: ${name} must be .*\\(example: ${name}=`));
  });

  it('runs in local mode, serves /healthz, and exits cleanly on SIGTERM', async () => {
    const url = await database();
    const p = run(['start'], { DATABASE_URL: url, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' });
    children.push(p.child);
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line: ${p.err()}`)), 20_000);
      p.child.stderr?.on('data', () => {
        const m = /"port":(\d+).*KPI Bot is listening/.exec(p.err());
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
    });
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', mode: 'local' });
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.err()).toContain('"msg":"stopped"');
    expect(p.err()).not.toContain('xoxb-');
  });
});

/** Waits for the bot's "listening" log line; the deadline only guards against a bot that never starts. */
function listeningPort(p: ReturnType<typeof run>): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line: ${p.err()}`)), 150_000);
    const look = () => {
      const m = /"port":(\d+).*KPI Bot is listening/.exec(p.err());
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    p.child.stderr?.on('data', look);
    p.child.on('exit', () => reject(new Error(`exited before listening: ${p.err()}`)));
  });
}

describe('kpi start in HTTP mode, under hostile requests', () => {
  it('answers unknown /slack routes 404, keeps running, and logs no header or body', {
    timeout: 200_000,
  }, async () => {
    const slack = await new FakeSlack().start();
    drops.push(() => slack.stop());
    const url = await database();
    const p = run(['start'], {
      DATABASE_URL: url,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      SLACK_BOT_TOKEN: 'xoxb-process-test-token',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      KPI_JOBS: 'off',
    });
    children.push(p.child);
    const base = `http://127.0.0.1:${await listeningPort(p)}`;
    const secret = 'Bearer HEADERSECRET-1234';
    for (const [method, path] of [
      ['GET', '/slack/x'],
      ['POST', '/slack/commands'],
      ['GET', '/slack/events'],
      ['POST', '/slack/install'],
    ] as const) {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: secret, cookie: 'sid=COOKIESECRET-5678', 'content-type': 'text/plain' },
        ...(method === 'POST' ? { body: 'BODYSECRET-9012' } : {}),
      });
      expect(res.status, `${method} ${path}`).toBe(method === 'GET' && path === '/slack/events' ? 405 : 404);
    }
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(p.child.exitCode).toBeNull();
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    for (const s of ['HEADERSECRET', 'COOKIESECRET', 'BODYSECRET', 'xoxb-process-test-token', SIGNING_SECRET])
      expect(p.err()).not.toContain(s);
  });
});

describe('kpi shell', () => {
  it('answers /kpi help fed through stdin, one reply per line', async () => {
    const url = await database();
    const p = run(
      ['shell', '--as', 'Dana Scott'],
      { DATABASE_URL: url },
      '/kpi help\n/kpi hlep\nhelp help\n/giphy cats\n',
    );
    children.push(p.child);
    expect(await p.exited).toBe(0);
    const replies = p.out().trim().split('\n\n');
    expect(replies).toHaveLength(4);
    expect(replies[0]).toMatch(/^KPI Bot commands\n/);
    expect(replies[0]).toContain('/kpi help [command]');
    expect(replies[1]).toContain('Did you mean /kpi help');
    expect(replies[2]).toContain('Examples:');
    expect(replies[3]).toContain('/giphy is not a KPI Bot command');
    expect(p.err()).toContain('created Dana Scott');
  });

  it('writes one JSON object per line with --json, and acts as an existing person', async () => {
    const url = await database();
    const first = run(['shell', '--as', 'Dana Scott'], { DATABASE_URL: url }, '');
    expect(await first.exited).toBe(0);
    const p = run(
      ['shell', '--as', 'dana scott', '--json'],
      { DATABASE_URL: url },
      '/kpi help\n\n/kpi nonsense\n',
    );
    children.push(p.child);
    expect(await p.exited).toBe(0);
    const lines = p.out().trim().split('\n');
    expect(lines).toHaveLength(2);
    type TLine = {
      input: string;
      text: string;
      data: { type: string; [k: string]: unknown };
      refused: boolean;
    };
    const replies = lines.map((l) => JSON.parse(l) as TLine);
    expect(replies[0]?.input).toBe('/kpi help');
    expect(replies[0]?.text).toMatch(/^KPI Bot commands\n/);
    expect(replies[0]?.data.type).toBe('help');
    expect(replies[0]?.data.commands).toContainEqual(
      expect.objectContaining({ name: 'me', usage: '/kpi me [period]' }),
    );
    expect(replies[1]?.text).toContain('is not a command');
    expect(replies[1]?.data).toMatchObject({
      type: 'error',
      error: { code: 'unknown_command', field: null },
    });
    // No Block Kit and no Slack markup in what a script reads.
    expect(lines.join('\n')).not.toMatch(/"blocks"|mrkdwn|:warning:|:white_check_mark:/);
    expect(p.err()).not.toContain('created');
  });

  it('refuses an unknown option with usage', async () => {
    const p = run(['shell', '--bogus'], {}, '');
    children.push(p.child);
    expect(await p.exited).toBe(2);
    expect(p.err()).toContain('Usage: kpi');
  });

  it('suggests the closest CLI command for a typo', async () => {
    const p = run(['strat'], {});
    children.push(p.child);
    expect(await p.exited).toBe(2);
    expect(p.err()).toContain('Did you mean "kpi start"?');
  });
});
