import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCsv } from '../../src/ingest/csv/import.js';
import { createInboxBatcher } from '../../src/ingest/inbox.js';
import { startTestBot } from '../support/bot.js';
import { slashCommands } from '../support/slack-request.js';
import { postEvents, WEBHOOK_ENV } from '../support/webhooks.js';

/**
 * Issue 13, part 2: the generic webhook's secret is an integration key. It may feed the org chart (names,
 * emails, managers, a new person's Slack account) but never grant KPI Bot rights in Slack.
 */

let t: Awaited<ReturnType<typeof startTestBot>>;
const { slash } = slashCommands(() => t);
const db = () => t.bot.store.db;
const settle = () => t.bot.inbox.idle();
/** Posts signed events and waits until the inbox has applied (or failed) them. */
async function deliver(body: string) {
  const res = await postEvents(t.baseUrl, body);
  t.bot.inbox.kick();
  await settle();
  return res;
}

beforeAll(async () => {
  t = await startTestBot({ env: { ...WEBHOOK_ENV, KPI_SLACK_ADMINS: 'off' } });
  // The operator's own file makes Ada an admin, linked to her Slack account.
  const dir = mkdtempSync(join(tmpdir(), 'kpi-roles-'));
  const file = join(dir, 'team.csv');
  writeFileSync(file, 'name,email,slack_user_id,role\nAda Admin,ada@example.com,U0ADA,admin\n');
  const workspace = await db().workspace.findUniqueOrThrow({ where: { slackTeamId: 'T0ACME' } });
  await importCsv(db(), { kind: 'reps', file, workspace, provider: t.bot.store.provider });
});
afterAll(async () => {
  await t?.close();
});

describe('roles and webhooks', () => {
  it('a CSV import by the operator grants the admin role', async () => {
    const ada = await db().rep.findFirstOrThrow({ where: { slackUserId: 'U0ADA' } });
    expect(ada.role).toBe('admin');
    expect((await slash('target set sales.won_total 1000', { user: 'U0ADA' })).text).not.toMatch(
      /set by KPI Bot admins/,
    );
  });

  it('refuses a signed rep.upserted that carries a role (400 naming the field) and stores nothing', async () => {
    const before = await db().inboxEvent.count();
    const one = await postEvents(
      t.baseUrl,
      JSON.stringify({ type: 'rep.upserted', name: 'Mallory', slackUserId: 'U0MAL', role: 'admin' }),
    );
    expect(one.status).toBe(400);
    expect(one.body.message).toMatch(/^role: roles are not set through webhooks/);
    const batch = await postEvents(
      t.baseUrl,
      JSON.stringify({
        events: [
          { type: 'rep.upserted', name: 'Sam Lee', email: 'sam@example.com' },
          { type: 'rep.upserted', name: 'Mallory', slackUserId: 'U0MAL', role: 'rep' },
        ],
      }),
    );
    expect(batch.status).toBe(400);
    expect(batch.body.message).toMatch(/^events\[1\]\.role: /);
    expect(await db().inboxEvent.count()).toBe(before);
    expect(await db().rep.count({ where: { slackUserId: 'U0MAL' } })).toBe(0);
    expect((await slash('target set sales.won_total 1', { user: 'U0MAL' })).text).toMatch(
      /set by KPI Bot admins/,
    );
  });

  it('ignores a role on an event already in the inbox (stored before this rule)', async () => {
    const workspace = await db().workspace.findUniqueOrThrow({ where: { slackTeamId: 'T0ACME' } });
    await createInboxBatcher(db()).store(
      [
        {
          workspaceId: workspace.id,
          source: 'generic',
          eventId: 'old-1',
          eventType: 'rep.upserted',
          payload: {
            id: 'old-1',
            type: 'rep.upserted',
            name: 'Olga Old',
            slackUserId: 'U0OLD',
            role: 'admin',
          },
        },
      ],
      new Date(),
    );
    t.bot.inbox.kick();
    await settle();
    const olga = await db().rep.findFirstOrThrow({ where: { slackUserId: 'U0OLD' } });
    expect(olga.role).toBe('rep');
    expect((await slash('target set sales.won_total 1', { user: 'U0OLD' })).text).toMatch(
      /set by KPI Bot admins/,
    );
  });

  it("never moves a linked Slack account or links an admin's (an admin takeover by name)", async () => {
    const res = await deliver(
      JSON.stringify({ id: 'take-1', type: 'rep.upserted', name: 'Ada Admin', slackUserId: 'U0MAL' }),
    );
    expect(res.status).toBe(200);
    const ada = await db().rep.findFirstOrThrow({ where: { email: 'ada@example.com' } });
    expect(ada.slackUserId).toBe('U0ADA');
    const row = await db().inboxEvent.findFirstOrThrow({ where: { dedupeKey: { endsWith: ':take-1' } } });
    expect(row.appliedAt).toBeNull();
    expect(row.error).toMatch(/^slackUserId: Ada Admin is already linked/);
    expect((await slash('target set sales.won_total 1', { user: 'U0MAL' })).text).toMatch(
      /set by KPI Bot admins/,
    );

    // An admin without a Slack account yet is not linked by a webhook either.
    const workspace = await db().workspace.findUniqueOrThrow({ where: { slackTeamId: 'T0ACME' } });
    await db().rep.create({ data: { workspaceId: workspace.id, name: 'Abe Boss', role: 'admin' } });
    await deliver(
      JSON.stringify({ id: 'take-2', type: 'rep.upserted', name: 'Abe Boss', slackUserId: 'U0MAL' }),
    );
    expect((await db().rep.findFirstOrThrow({ where: { name: 'Abe Boss' } })).slackUserId).toBeNull();
    expect((await slash('target set sales.won_total 1', { user: 'U0MAL' })).text).toMatch(
      /set by KPI Bot admins/,
    );

    // Nor is an admin's record rewritten through their Slack id or email (a rename, a new email).
    await deliver(
      JSON.stringify({
        events: [
          { id: 'take-3', type: 'rep.upserted', name: 'Mallory', slackUserId: 'U0ADA' },
          {
            id: 'take-4',
            type: 'rep.upserted',
            name: 'Ada Admin',
            email: 'ada@example.com',
            manager: 'Mallory',
          },
        ],
      }),
    );
    const still = await db().rep.findFirstOrThrow({ where: { slackUserId: 'U0ADA' } });
    expect({ name: still.name, email: still.email, managerId: still.managerId }).toEqual({
      name: 'Ada Admin',
      email: 'ada@example.com',
      managerId: null,
    });
    const refused = await db().inboxEvent.findFirstOrThrow({ where: { dedupeKey: { endsWith: ':take-3' } } });
    expect(refused.error).toMatch(
      /^slackUserId: U0ADA belongs to Ada Admin \(ada@example.com\), not Mallory/,
    );
    const moved = await db().inboxEvent.findFirstOrThrow({ where: { dedupeKey: { endsWith: ':take-4' } } });
    expect(moved.error).toMatch(
      /Ada Admin is a KPI Bot admin; an admin's record is changed only by the operator/,
    );

    // A rep's Slack account is not handed to another person's record, nor an email to someone else.
    await deliver(
      JSON.stringify({
        events: [
          {
            id: 'dana-1',
            type: 'rep.upserted',
            name: 'Dana Scott',
            email: 'dana@example.com',
            slackUserId: 'U0DANA',
          },
          { id: 'bob-1', type: 'rep.upserted', name: 'Bob Jones', slackUserId: 'U0BOB' },
        ],
      }),
    );
    await deliver(
      JSON.stringify({
        events: [
          {
            id: 'swap-1',
            type: 'rep.upserted',
            name: 'Bob Jones',
            email: 'bob@example.com',
            slackUserId: 'U0DANA',
          },
          {
            id: 'swap-2',
            type: 'rep.upserted',
            name: 'Bob Jones',
            slackUserId: 'U0BOB',
            email: 'dana@example.com',
          },
        ],
      }),
    );
    const dana = await db().rep.findFirstOrThrow({ where: { slackUserId: 'U0DANA' } });
    expect({ name: dana.name, email: dana.email }).toEqual({ name: 'Dana Scott', email: 'dana@example.com' });
    expect((await db().rep.findFirstOrThrow({ where: { name: 'Bob Jones' } })).email).toBeNull();
    const swap = await db().inboxEvent.findMany({
      where: { dedupeKey: { contains: ':swap-' } },
      orderBy: { dedupeKey: 'asc' },
    });
    expect(swap.map((r) => r.error)).toEqual([
      expect.stringMatching(
        /^slackUserId: U0DANA belongs to Dana Scott \(dana@example.com\), not Bob Jones \(bob@example.com\)/,
      ),
      expect.stringMatching(/^email: dana@example.com belongs to Dana Scott, not Bob Jones/),
    ]);

    // Found by name, a record with another email is another person: not given this one's Slack account.
    await deliver(
      JSON.stringify({ id: 'john-1', type: 'rep.upserted', name: 'John Smith', email: 'john1@example.com' }),
    );
    await deliver(
      JSON.stringify({
        id: 'john-2',
        type: 'rep.upserted',
        name: 'John Smith',
        email: 'john2@example.com',
        slackUserId: 'U0J2',
      }),
    );
    const john = await db().rep.findFirstOrThrow({ where: { email: 'john1@example.com' } });
    expect(john.slackUserId).toBeNull();
    const john2 = await db().inboxEvent.findFirstOrThrow({ where: { dedupeKey: { endsWith: ':john-2' } } });
    expect(john2.error).toMatch(/^email: John Smith is john1@example.com, not john2@example.com/);

    // A new person's Slack account, and one for a rep who had none, are fine.
    await deliver(
      JSON.stringify({
        events: [
          { id: 'new-1', type: 'rep.upserted', name: 'Nia New', slackUserId: 'U0NIA' },
          {
            id: 'new-2',
            type: 'rep.upserted',
            name: 'Sam Lee',
            email: 'sam@example.com',
            slackUserId: 'U0SAM',
          },
        ],
      }),
    );
    expect((await db().rep.findFirstOrThrow({ where: { slackUserId: 'U0NIA' } })).role).toBe('rep');
    expect((await db().rep.findFirstOrThrow({ where: { slackUserId: 'U0SAM' } })).name).toBe('Sam Lee');
  });
});
