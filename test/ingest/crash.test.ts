import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.js';
import { cleanEnv, KPI_BIN, PROJECT_ROOT } from '../support/child.js';
import { createMigratedDatabase } from '../support/db.js';
import { GENERIC_SECRET, postEvents } from '../support/webhooks.js';

/**
 * The inbox's promise, tested with a real process and a real database: an acknowledged event survives
 * SIGKILL at any moment and is applied exactly once after a restart.
 */
const KPI = KPI_BIN;
const ROOT = PROJECT_ROOT;

const children: ChildProcess[] = [];
const drops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of drops.splice(0)) await d();
});

async function startBotProcess(databaseUrl: string, extra: Record<string, string> = {}) {
  const env = cleanEnv({
    DATABASE_URL: databaseUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    KPI_WEBHOOK_SECRET: GENERIC_SECRET,
    ...extra,
  });
  const child = spawn(process.execPath, [KPI, 'start'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line: ${stderr}`)), 30_000);
    child.stderr?.on('data', (d) => {
      stderr += d;
      const m = /"port":(\d+).*KPI Bot is listening/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return { child, baseUrl: `http://127.0.0.1:${port}`, exited, log: () => stderr };
}

const call = (n: number) => ({
  id: `evt-${n}`,
  type: 'activity.logged',
  activityId: `call-${n}`,
  owner: { email: 'dana@example.com' },
  kind: 'call',
  count: 2,
  occurredAt: '2026-11-03T10:00:00Z',
});

async function waitUntil(check: () => Promise<boolean>, ms = 30_000) {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a killed process loses no acknowledged event and applies none twice', () => {
  it('events stored but not yet applied when the process is killed are applied after a restart', async () => {
    const database = await createMigratedDatabase();
    drops.push(database.drop);
    // A receive-only process: it stores and acknowledges, it never applies.
    const first = await startBotProcess(database.url, { KPI_INBOX_WORKER: 'off' });
    for (let i = 0; i < 20; i++)
      expect((await postEvents(first.baseUrl, JSON.stringify(call(i)))).status).toBe(200);
    first.child.kill('SIGKILL');
    await first.exited;

    const store = await openStore(database.url);
    try {
      expect(await store.db.inboxEvent.count({ where: { appliedAt: null } })).toBe(20);
      await store.db.rep.create({
        data: { workspace: { connect: { slackTeamId: 'local' } }, name: 'Dana', email: 'dana@example.com' },
      });
      const second = await startBotProcess(database.url);
      await waitUntil(async () => (await store.db.inboxEvent.count({ where: { appliedAt: null } })) === 0);
      expect(await store.db.activity.count()).toBe(20);
      expect((await store.db.activity.aggregate({ _sum: { count: true } }))._sum.count).toBe(40);
      // A CRM redelivering everything after the crash changes nothing.
      for (let i = 0; i < 20; i++)
        expect((await postEvents(second.baseUrl, JSON.stringify(call(i)))).body.new).toBe(0);
      second.child.kill('SIGTERM');
      await second.exited;
      expect(await store.db.inboxEvent.count()).toBe(20);
      expect(await store.db.activity.count()).toBe(20);
    } finally {
      await store.close();
    }
  }, 90_000);

  it('a kill in the middle of applying a backlog leaves every acknowledged event applied exactly once', async () => {
    const database = await createMigratedDatabase();
    drops.push(database.drop);
    // A burst acknowledged by a receive-only process (killed while clients still send)...
    const receiver = await startBotProcess(database.url, { KPI_INBOX_WORKER: 'off' });
    const acked: number[] = [];
    let n = 0;
    const sender = async () => {
      for (;;) {
        const batch = Array.from({ length: 50 }, () => n++);
        try {
          const res = await postEvents(receiver.baseUrl, JSON.stringify({ events: batch.map(call) }));
          if (res.status === 200) acked.push(...batch);
        } catch {
          return; // the process is gone: an unacknowledged batch may or may not have been stored
        }
      }
    };
    const senders = Promise.all([sender(), sender(), sender()]);
    const store = await openStore(database.url);
    try {
      await waitUntil(async () => (await store.db.inboxEvent.count()) >= 1500, 60_000);
      receiver.child.kill('SIGKILL');
      await receiver.exited;
      await senders;
      expect(acked.length).toBeGreaterThanOrEqual(1500);

      // ...then a process that applies, killed in the middle of the backlog...
      const applier = await startBotProcess(database.url);
      await waitUntil(
        async () => (await store.db.inboxEvent.count({ where: { appliedAt: { not: null } } })) >= 100,
      );
      applier.child.kill('SIGKILL');
      await applier.exited;
      const pending = await store.db.inboxEvent.count({ where: { appliedAt: null } });
      expect(pending).toBeGreaterThan(0);
      const appliedBefore = await store.db.inboxEvent.count({ where: { appliedAt: { not: null } } });
      // Every event marked applied has its fact, and no fact exists without its event being marked.
      expect(await store.db.activity.count()).toBe(appliedBefore);

      // ...and a restart finishes the job.
      await startBotProcess(database.url);
      await waitUntil(
        async () => (await store.db.inboxEvent.count({ where: { appliedAt: null } })) === 0,
        60_000,
      );
      const rows = await store.db.inboxEvent.findMany({ select: { dedupeKey: true, error: true } });
      const stored = new Set(rows.map((r) => r.dedupeKey.split(':').pop()));
      for (const i of acked) expect(stored.has(`evt-${i}`)).toBe(true);
      expect(rows.every((r) => r.error === null)).toBe(true);
      const activities = await store.db.activity.findMany({ select: { externalId: true, count: true } });
      expect(new Set(activities.map((a) => a.externalId)).size).toBe(activities.length);
      expect(activities.length).toBe(rows.length);
      expect(activities.every((a) => a.count === 2)).toBe(true);
    } finally {
      await store.close();
    }
  }, 180_000);
});
