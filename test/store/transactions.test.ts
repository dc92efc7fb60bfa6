import { describe, expect, it } from 'vitest';
import { useTestStore } from '../support/db.js';

/**
 * A write made outside a transaction while another request's transaction is open must not become part of that
 * transaction: on SQLite all queries share one connection, so without a lock a rolled-back transaction took
 * concurrent writes with it (acknowledged webhook events, `/kpi log` rows, replay records were lost).
 */
const store = useTestStore();

describe('transactions and concurrent writes', () => {
  it('keeps a write made beside a transaction that rolls back', async () => {
    const { db } = store();
    let inside: () => void = () => {};
    const opened = new Promise<void>((r) => {
      inside = r;
    });
    let release: () => void = () => {};
    const hold = new Promise<void>((r) => {
      release = r;
    });
    const tx = db
      .$transaction(async (t) => {
        await t.workspace.create({ data: { slackTeamId: 'T-ROLLED-BACK', timezone: 'UTC' } });
        inside();
        await hold;
        throw new Error('roll back');
      })
      .catch((e: Error) => e.message);
    await opened;
    // Beside it: single-statement writes, as the webhook batcher and the replay guard make them.
    const beside = Promise.all([
      db.workspace.create({ data: { slackTeamId: 'T-BESIDE-1', timezone: 'UTC' } }),
      db.$executeRaw`INSERT INTO "SlackRequestSeen" ("key", "expiresAt") VALUES (${'k-beside'}, ${new Date()})`,
    ]);
    release();
    expect(await tx).toBe('roll back');
    await beside;
    const teams = (await db.workspace.findMany({ select: { slackTeamId: true } })).map((w) => w.slackTeamId);
    expect(teams).toContain('T-BESIDE-1');
    expect(teams).not.toContain('T-ROLLED-BACK');
    expect(await db.slackRequestSeen.count({ where: { key: 'k-beside' } })).toBe(1);
  });

  it('does not let a transaction see a write made beside it before it commits', async () => {
    const { db } = store();
    let inside: () => void = () => {};
    const opened = new Promise<void>((r) => {
      inside = r;
    });
    let release: () => void = () => {};
    const hold = new Promise<void>((r) => {
      release = r;
    });
    const seen = db.$transaction(async (t) => {
      inside();
      await hold;
      return t.workspace.count({ where: { slackTeamId: 'T-LATE' } });
    });
    await opened;
    const late = db.workspace.create({ data: { slackTeamId: 'T-LATE', timezone: 'UTC' } });
    release();
    // Either order is a correct serial history; what must not happen is the write vanishing.
    expect([0, 1]).toContain(await seen);
    await late;
    expect(await db.workspace.count({ where: { slackTeamId: 'T-LATE' } })).toBe(1);
  });
});
