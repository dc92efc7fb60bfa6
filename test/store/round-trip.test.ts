import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TStore } from '../../src/store/store.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';

let store: TStore;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
});
afterAll(async () => {
  await cleanup();
});

const at = (iso: string) => new Date(iso);

describe(`store round-trip of every model (${TEST_PROVIDER})`, () => {
  it('writes and reads back each model with its values intact', async () => {
    const { db } = store;
    const ws = await db.workspace.create({
      data: {
        slackTeamId: 'T0ACME',
        name: 'Acme',
        timezone: 'Europe/Berlin',
        fiscalYearStartMonth: 4,
        weekStartsOn: 0,
        currency: 'EUR',
        leaderboardChannel: 'C0SALES',
        settings: JSON.stringify({ admins: ['U0ADMIN'] }),
      },
    });
    expect(await db.workspace.findUniqueOrThrow({ where: { slackTeamId: 'T0ACME' } })).toMatchObject({
      timezone: 'Europe/Berlin',
      fiscalYearStartMonth: 4,
      weekStartsOn: 0,
      currency: 'EUR',
      locale: 'en-US',
    });
    const workspaceId = ws.id;

    const install = await db.installation.create({
      data: {
        installKey: '-:T0ACME',
        workspaceId,
        teamId: 'T0ACME',
        encryptedData: 'v1:iv:tag:cipher',
        scopes: 'commands,chat:write',
      },
    });
    expect((await db.installation.findUniqueOrThrow({ where: { installKey: '-:T0ACME' } })).id).toBe(
      install.id,
    );

    const manager = await db.rep.create({
      data: {
        workspaceId,
        slackUserId: 'U0MGR',
        name: 'Morgan Manager',
        email: 'morgan@acme.test',
        role: 'manager',
      },
    });
    const rep = await db.rep.create({
      data: {
        workspaceId,
        slackUserId: 'U0DANA',
        name: 'Dana Scott',
        email: 'dana@acme.test',
        managerId: manager.id,
      },
    });
    const withReports = await db.rep.findUniqueOrThrow({
      where: { id: manager.id },
      include: { reports: true },
    });
    expect(withReports.reports.map((r) => r.name)).toEqual(['Dana Scott']);
    expect(rep.role).toBe('rep');
    expect(rep.active).toBe(true);

    await db.repIdentity.create({
      data: { workspaceId, repId: rep.id, source: 'hubspot', externalId: '12345', email: 'dana@acme.test' },
    });
    const identity = await db.repIdentity.findUniqueOrThrow({
      where: { workspaceId_source_externalId: { workspaceId, source: 'hubspot', externalId: '12345' } },
    });
    expect(identity.repId).toBe(rep.id);

    await db.target.create({
      data: {
        workspaceId,
        scope: 'rep',
        repId: rep.id,
        metricId: 'personalization.personalized',
        periodKind: 'month',
        amount: 50,
        effectiveFrom: at('2026-11-01T00:00:00Z'),
      },
    });
    expect((await db.target.findFirstOrThrow({ where: { workspaceId, repId: rep.id } })).amount).toBe(50n);

    // Money beyond 32 bits survives exactly: 30 million in minor units of a currency.
    const bigAmount = 3_000_000_000n;
    const deal = await db.deal.create({
      data: {
        workspaceId,
        source: 'pipedrive',
        externalId: 'D-1',
        repId: rep.id,
        title: 'Acme renewal',
        amountMinor: bigAmount,
        currency: 'EUR',
        stage: 'negotiation',
        status: 'won',
        openedAt: at('2026-10-02T09:00:00Z'),
        closedAt: at('2026-11-03T10:30:00.123Z'),
      },
    });
    const readDeal = await db.deal.findUniqueOrThrow({ where: { id: deal.id } });
    expect(readDeal.amountMinor).toBe(bigAmount);
    expect(readDeal.closedAt?.toISOString()).toBe('2026-11-03T10:30:00.123Z');
    expect(readDeal.lostReason).toBeNull();

    await db.dealStageChange.create({
      data: {
        workspaceId,
        dealId: deal.id,
        fromStage: 'qualified',
        toStage: 'negotiation',
        changedAt: at('2026-10-20T12:00:00Z'),
      },
    });
    expect(await db.dealStageChange.count({ where: { dealId: deal.id } })).toBe(1);

    await db.lead.create({
      data: {
        workspaceId,
        source: 'hubspot',
        externalId: 'C-9',
        repId: rep.id,
        mqlAt: at('2026-11-01T08:00:00Z'),
        convertedAt: at('2026-11-20T08:00:00Z'),
      },
    });
    expect(
      (await db.lead.findFirstOrThrow({ where: { externalId: 'C-9' } })).convertedAt?.toISOString(),
    ).toBe('2026-11-20T08:00:00.000Z');

    await db.customer.create({
      data: {
        workspaceId,
        source: 'pipedrive',
        externalId: 'O-1',
        repId: rep.id,
        name: 'Acme GmbH',
        wonAt: at('2026-01-10T00:00:00Z'),
        churnedAt: at('2026-09-01T00:00:00Z'),
      },
    });
    expect((await db.customer.findFirstOrThrow({ where: { externalId: 'O-1' } })).churnedAt).not.toBeNull();

    await db.activity.create({
      data: {
        workspaceId,
        source: 'slack',
        externalId: 'slack:abc',
        repId: rep.id,
        kind: 'call',
        personalized: true,
        count: 5,
        occurredAt: at('2026-11-25T15:00:00Z'),
        recordingUrl: 'https://calls.example/rec/1',
      },
    });
    const activity = await db.activity.findFirstOrThrow({ where: { externalId: 'slack:abc' } });
    expect(activity).toMatchObject({
      kind: 'call',
      personalized: true,
      count: 5,
      recordingUrl: 'https://calls.example/rec/1',
    });

    await db.socialSnapshot.create({
      data: {
        workspaceId,
        repId: rep.id,
        network: 'linkedin',
        metric: 'followers',
        value: 1520,
        at: at('2026-11-25T00:00:00Z'),
      },
    });
    expect((await db.socialSnapshot.findFirstOrThrow({ where: { repId: rep.id } })).value).toBe(1520);

    await db.socialPost.create({
      data: {
        workspaceId,
        repId: rep.id,
        network: 'linkedin',
        postId: 'p1',
        postedAt: at('2026-11-24T00:00:00Z'),
        shares: 3,
        comments: 7,
        likes: 41,
      },
    });
    expect((await db.socialPost.findFirstOrThrow({ where: { postId: 'p1' } })).likes).toBe(41);

    await db.trainingResult.create({
      data: {
        workspaceId,
        repId: rep.id,
        course: 'Product 101',
        kind: 'quiz',
        score: 8.5,
        maxScore: 10,
        at: at('2026-11-10T00:00:00Z'),
        externalId: 'q1',
      },
    });
    expect((await db.trainingResult.findFirstOrThrow({ where: { externalId: 'q1' } })).score).toBe(8.5);

    const payload = JSON.stringify({ emoji: '📈', quote: "O'Brien", nul: 'a\\u0000b' });
    await db.inboxEvent.create({
      data: {
        workspaceId,
        source: 'hubspot',
        dedupeKey: 'hubspot:1',
        eventType: 'deal.propertyChange',
        payload,
      },
    });
    const inbox = await db.inboxEvent.findUniqueOrThrow({ where: { dedupeKey: 'hubspot:1' } });
    expect(inbox).toMatchObject({ payload, attempts: 0, appliedAt: null, error: null });

    await db.jobRun.create({
      data: { job: 'leaderboard', workspaceId, slot: at('2026-11-23T08:00:00Z'), claimedBy: 'host-1' },
    });
    expect((await db.jobRun.findFirstOrThrow({ where: { job: 'leaderboard' } })).status).toBe('claimed');

    await db.alertLog.create({
      data: {
        workspaceId,
        repId: rep.id,
        rule: 'sales_declining',
        periodKey: '2026-11',
        message: 'Dana is down 30%',
      },
    });
    expect((await db.alertLog.findFirstOrThrow({ where: { rule: 'sales_declining' } })).status).toBe('sent');
  });

  it('enforces the unique keys that make ingestion and jobs exactly-once', async () => {
    const { db } = store;
    const ws = await db.workspace.create({ data: { slackTeamId: 'T0UNIQ' } });
    await db.inboxEvent.create({ data: { source: 'generic', dedupeKey: 'generic:evt-1', payload: '{}' } });
    await expect(
      db.inboxEvent.create({ data: { source: 'generic', dedupeKey: 'generic:evt-1', payload: '{}' } }),
    ).rejects.toMatchObject({
      code: 'P2002',
    });
    const slot = at('2026-11-30T08:00:00Z');
    await db.jobRun.create({ data: { job: 'leaderboard', workspaceId: ws.id, slot } });
    await expect(
      db.jobRun.create({ data: { job: 'leaderboard', workspaceId: ws.id, slot } }),
    ).rejects.toMatchObject({ code: 'P2002' });
    const deal = {
      workspaceId: ws.id,
      source: 'csv',
      externalId: 'X1',
      stage: 'Prospecting',
      openedAt: slot,
    };
    await db.deal.create({ data: deal });
    await expect(db.deal.create({ data: deal })).rejects.toMatchObject({ code: 'P2002' });
  });

  it('deleting a workspace removes everything it owns', async () => {
    const { db } = store;
    const ws = await db.workspace.create({ data: { slackTeamId: 'T0GONE' } });
    const rep = await db.rep.create({ data: { workspaceId: ws.id, name: 'Temp' } });
    await db.activity.create({
      data: {
        workspaceId: ws.id,
        repId: rep.id,
        source: 'slack',
        externalId: 'a1',
        kind: 'email',
        occurredAt: new Date(),
      },
    });
    await db.workspace.delete({ where: { id: ws.id } });
    expect(await db.rep.count({ where: { workspaceId: ws.id } })).toBe(0);
    expect(await db.activity.count({ where: { workspaceId: ws.id } })).toBe(0);
  });
});
