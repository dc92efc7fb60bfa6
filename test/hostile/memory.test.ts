import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanEnv, KPI_BIN, PROJECT_ROOT } from '../support/child.js';
import { createMigratedDatabase } from '../support/db.js';
import { FakeSlack } from '../support/fake-slack.js';
import { SIGNING_SECRET } from '../support/slack-request.js';
import { WEBHOOK_ENV } from '../support/webhooks.js';

/**
 * Issue 13: memory stays bounded under hostile bodies. The bot runs as its own process (`kpi start`, HTTP mode)
 * so its peak resident memory (VmHWM) is its own. A flood of large bodies that are not signed, or not signed
 * right, must not be buffered: Slack bodies are refused before they are read, webhook bodies are read only
 * with their signature headers and only up to 1 MiB, and connections are capped.
 */

const cleanup: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function kb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? Number.NaN);
}

/** Sends raw bytes and resolves when the server closes the connection (answer or not). */
function blast(port: number, head: string, body: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
    socket.on('data', () => {});
    socket.on('connect', () => {
      socket.write(head);
      socket.write(body);
    });
  });
}

describe('memory under a flood of large bodies', () => {
  it('stays bounded (peak within 200 MB of its idle size) and keeps serving', {
    timeout: 300_000,
  }, async () => {
    const slack = await new FakeSlack().start();
    cleanup.push(() => slack.stop());
    const database = await createMigratedDatabase();
    cleanup.push(() => database.drop());
    const child: ChildProcess = spawn(process.execPath, [KPI_BIN, 'start'], {
      cwd: PROJECT_ROOT,
      env: cleanEnv({
        DATABASE_URL: database.url,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        SLACK_BOT_TOKEN: 'xoxb-memory-test-token',
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slack.apiUrl,
        KPI_JOBS: 'off',
        ...WEBHOOK_ENV,
      }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    cleanup.push(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    let stderr = '';
    const port = await new Promise<number>((resolve, reject) => {
      // Only a guard against a bot that never starts (a loaded machine starts it slowly).
      const deadline = setTimeout(() => reject(new Error(`bot did not start: ${stderr}`)), 150_000);
      child.on('exit', () => reject(new Error(`bot exited: ${stderr}`)));
      child.stderr?.on('data', (d) => {
        stderr += d;
        const m = /"port":(\d+).*KPI Bot is listening/.exec(stderr);
        if (m) {
          clearTimeout(deadline);
          resolve(Number(m[1]));
        }
      });
    });
    const pid = child.pid as number;
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const idle = kb(pid, 'VmRSS');

    const ts = Math.floor(Date.now() / 1000);
    const slackBody = Buffer.alloc(3_900_000, 'a');
    const webhookBody = Buffer.alloc(1_000_000, 'b');
    const floods: Promise<void>[] = [];
    for (let i = 0; i < 100; i++)
      floods.push(
        blast(
          port,
          `POST /slack/events HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${slackBody.length}\r\n\r\n`,
          slackBody,
        ),
      );
    for (let i = 0; i < 40; i++)
      floods.push(
        blast(
          port,
          `POST /webhooks/events HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${webhookBody.length}\r\nx-kpi-timestamp: ${ts}\r\nx-kpi-signature: v1=00\r\n\r\n`,
          webhookBody,
        ),
      );
    for (let i = 0; i < 40; i++)
      floods.push(
        blast(
          port,
          `POST /webhooks/events HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${slackBody.length}\r\n\r\n`,
          slackBody,
        ),
      );
    await Promise.all(floods);
    const peak = kb(pid, 'VmHWM');
    expect(child.exitCode).toBeNull();
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(
      (peak - idle) / 1024,
      `idle ${Math.round(idle / 1024)} MB, peak ${Math.round(peak / 1024)} MB`,
    ).toBeLessThan(200);
    child.kill('SIGTERM');
  });
});
