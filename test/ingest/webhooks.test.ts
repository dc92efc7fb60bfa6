import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retryFailed } from '../../src/ingest/inbox.js';
import { startTestBot } from '../support/bot.js';
import {
  HUBSPOT_DOCS_EXAMPLE,
  PIPEDRIVE_UPDATE_ACTIVITY,
  PIPEDRIVE_UPDATE_DEAL,
  postEvents,
  postHubSpot,
  postPipedrive,
  WEBHOOK_ENV,
} from '../support/webhooks.js';

let t: Awaited<ReturnType<typeof startTestBot>>;
let workspaceId: string;
let danaId: string;

beforeAll(async () => {
  t = await startTestBot({ env: WEBHOOK_ENV });
  // The bot's own workspace (the token's team) exists from start-up.
  const ws = await t.bot.store.db.workspace.update({
    where: { slackTeamId: 'T0ACME' },
    data: { timezone: 'Europe/Berlin' },
  });
  workspaceId = ws.id;
  const dana = await t.bot.store.db.rep.create({
    data: { workspaceId, name: 'Dana Scott', email: 'dana@example.com', slackUserId: 'U0DANA' },
  });
  danaId = dana.id;
  await t.bot.store.db.repIdentity.create({
    data: { workspaceId, repId: danaId, source: 'hubspot', externalId: '501' },
  });
});
afterAll(async () => {
  await t?.close();
});

const db = () => t.bot.store.db;
const inboxCount = (source: string) => db().inboxEvent.count({ where: { source } });
const settle = () => t.bot.inbox.idle();

describe('POST /webhooks/hubspot', () => {
  it("accepts HubSpot's documented example, stores each event and applies it", async () => {
    const body = JSON.stringify(HUBSPOT_DOCS_EXAMPLE);
    const res = await postHubSpot(t.baseUrl, body);
    expect(res).toMatchObject({ status: 200, body: { ok: true, new: 2 } });
    await settle();
    const rows = await db().inboxEvent.findMany({ where: { source: 'hubspot' } });
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.appliedAt && !r.error && r.workspaceId === workspaceId)).toBe(true);
  });

  it('counts the same delivery three times once', async () => {
    const body = JSON.stringify([
      {
        eventId: 9001,
        subscriptionType: 'deal.creation',
        objectId: 77,
        occurredAt: Date.parse('2026-11-02T09:00:00Z'),
        attemptNumber: 0,
      },
      {
        eventId: 9002,
        subscriptionType: 'deal.propertyChange',
        objectId: 77,
        propertyName: 'amount',
        propertyValue: '1250.50',
        occurredAt: Date.parse('2026-11-02T09:00:01Z'),
      },
      {
        eventId: 9003,
        subscriptionType: 'deal.propertyChange',
        objectId: 77,
        propertyName: 'hubspot_owner_id',
        propertyValue: '501',
        occurredAt: Date.parse('2026-11-02T09:00:01Z'),
      },
      {
        eventId: 9004,
        subscriptionType: 'deal.propertyChange',
        objectId: 77,
        propertyName: 'dealstage',
        propertyValue: 'closedwon',
        occurredAt: Date.parse('2026-11-20T10:00:00Z'),
      },
    ]);
    const before = await inboxCount('hubspot');
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await postHubSpot(t.baseUrl, body));
    expect(results.map((r) => r.body.new)).toEqual([4, 0, 0]);
    await settle();
    expect(await inboxCount('hubspot')).toBe(before + 4);
    const deal = await db().deal.findUniqueOrThrow({
      where: { workspaceId_source_externalId: { workspaceId, source: 'hubspot', externalId: '77' } },
    });
    expect(deal).toMatchObject({ repId: danaId, status: 'won', stage: 'closedwon', amountMinor: 125050n });
    expect(deal.openedAt?.toISOString()).toBe('2026-11-02T09:00:00.000Z');
    expect(deal.closedAt?.toISOString()).toBe('2026-11-20T10:00:00.000Z');
    expect(await db().deal.count({ where: { workspaceId, externalId: '77' } })).toBe(1);
  });

  it('ends out-of-order stage changes in the latest state, with the whole history', async () => {
    const at = (iso: string) => Date.parse(iso);
    const ev = (eventId: number, stage: string, iso: string) =>
      JSON.stringify([
        {
          eventId,
          subscriptionType: 'deal.propertyChange',
          objectId: 88,
          propertyName: 'dealstage',
          propertyValue: stage,
          occurredAt: at(iso),
        },
      ]);
    // Delivered newest first.
    for (const [id, stage, iso] of [
      [3, 'closedlost', '2026-11-10T00:00:00Z'],
      [1, 'appointmentscheduled', '2026-11-01T00:00:00Z'],
      [2, 'qualifiedtobuy', '2026-11-05T00:00:00Z'],
    ] as const) {
      expect((await postHubSpot(t.baseUrl, ev(id, stage, iso))).status).toBe(200);
      await settle();
    }
    const deal = await db().deal.findFirstOrThrow({
      where: { workspaceId, externalId: '88' },
      include: { stageChanges: true },
    });
    expect(deal.stage).toBe('closedlost');
    expect(deal.status).toBe('lost');
    expect(deal.closedAt?.toISOString()).toBe('2026-11-10T00:00:00.000Z');
    const history = deal.stageChanges
      .sort((a, b) => a.changedAt.getTime() - b.changedAt.getTime())
      .map((c) => c.toStage);
    expect(history).toEqual(['appointmentscheduled', 'qualifiedtobuy', 'closedlost']);
  });

  it('refuses a tampered body, a wrong secret, a stale timestamp and a missing signature with 401, storing nothing', async () => {
    const body = JSON.stringify([
      { eventId: 5, subscriptionType: 'deal.creation', objectId: 5, occurredAt: 1 },
    ]);
    const before = await inboxCount('hubspot');
    const signed = async (opts: Parameters<typeof postHubSpot>[2], sent = body) => {
      // Sign `body` but send `sent`.
      if (sent === body) return postHubSpot(t.baseUrl, body, opts);
      const ts = Date.now();
      const { hubspotSignatureV3 } = await import('../../src/ingest/auth.js');
      const sig = hubspotSignatureV3(
        WEBHOOK_ENV.HUBSPOT_CLIENT_SECRET,
        'POST',
        `${t.baseUrl}/webhooks/hubspot`,
        body,
        String(ts),
      );
      const res = await fetch(`${t.baseUrl}/webhooks/hubspot`, {
        method: 'POST',
        headers: {
          'x-hubspot-signature-v3': sig,
          'x-hubspot-request-timestamp': String(ts),
          'content-type': 'application/json',
        },
        body: sent,
      });
      return { status: res.status, body: (await res.json()) as { message?: string } };
    };
    const cases = [
      await signed({}, body.replace('"objectId":5', '"objectId":6')),
      await signed({ secret: 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz' }),
      await signed({ timestamp: Date.now() - 6 * 60_000 }),
      await signed({ timestamp: Date.now() + 6 * 60_000 }),
      await signed({ sign: false }),
    ];
    expect(cases.map((c) => c.status)).toEqual([401, 401, 401, 401, 401]);
    expect(cases[0]?.body.message).toMatch(/does not match/);
    expect(cases[2]?.body.message).toMatch(/5 minutes/);
    expect(cases[4]?.body.message).toMatch(/missing/);
    expect(await inboxCount('hubspot')).toBe(before);
  });

  it('answers malformed JSON and wrong types with 400 naming the field, and oversized bodies with 413', async () => {
    const bad = await postHubSpot(t.baseUrl, '[{"eventId": 1,');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/not valid JSON/);
    const wrong = await postHubSpot(
      t.baseUrl,
      JSON.stringify([
        { eventId: 1, subscriptionType: 'deal.creation', objectId: { x: 1 }, occurredAt: 'yesterday' },
      ]),
    );
    expect(wrong.status).toBe(400);
    expect(wrong.body.message).toContain('[0].objectId');
    expect(wrong.body.message).toContain('[0].occurredAt');
    expect((await postHubSpot(t.baseUrl, '{"not":"an array"}')).status).toBe(400);
    expect((await postHubSpot(t.baseUrl, '[]')).status).toBe(400);
    const huge = JSON.stringify([
      { eventId: 1, subscriptionType: 'x.y', objectId: 1, occurredAt: 1, pad: 'x'.repeat(1_100_000) },
    ]);
    expect((await postHubSpot(t.baseUrl, huge)).status).toBe(413);
  });

  it('sends events to the workspace named in ?workspace=, and 404s an unknown one', async () => {
    const body = JSON.stringify([
      { eventId: 42, subscriptionType: 'deal.creation', objectId: 4242, occurredAt: 1 },
    ]);
    expect((await postHubSpot(t.baseUrl, body, { query: '?workspace=T0NOPE' })).status).toBe(404);
    expect((await postHubSpot(t.baseUrl, body, { query: '?workspace=T0ACME' })).status).toBe(200);
  });
});

describe('POST /webhooks/pipedrive', () => {
  it("applies the documented v2 deal update; an unmapped owner's deal waits for a mapping, then moves to the rep", async () => {
    const res = await postPipedrive(t.baseUrl, JSON.stringify(PIPEDRIVE_UPDATE_DEAL));
    expect(res).toMatchObject({ status: 200, body: { new: 1 } });
    await settle();
    const where = { workspaceId_source_externalId: { workspaceId, source: 'pipedrive', externalId: '8' } };
    const deal = await db().deal.findUniqueOrThrow({ where });
    expect(deal).toMatchObject({
      title: 'Sample Org deal',
      amountMinor: 10000n,
      currency: 'EUR',
      stage: '2',
      status: 'open',
      repId: null,
      ownerExternalId: 'pipedrive:12415231',
    });
    expect(deal.openedAt?.toISOString()).toBe('2022-11-24T13:18:55.000Z');
    const { linkOwner } = await import('../../src/ingest/identities.js');
    await db().$transaction((tx) => linkOwner(tx, workspaceId, 'pipedrive', '12415231', danaId));
    expect((await db().deal.findUniqueOrThrow({ where })).repId).toBe(danaId);
  });

  it('counts an activity once it is done (the documented update is not done yet)', async () => {
    await postPipedrive(t.baseUrl, JSON.stringify(PIPEDRIVE_UPDATE_ACTIVITY));
    await settle();
    const where = { workspaceId, source: 'pipedrive', externalId: '2', deletedAt: null };
    expect(await db().activity.count({ where })).toBe(0);
    const done = structuredClone(PIPEDRIVE_UPDATE_ACTIVITY);
    done.data.done = true;
    done.meta.id = 'a-later-event';
    done.meta.timestamp = '2022-11-24T16:00:00.000Z';
    await postPipedrive(t.baseUrl, JSON.stringify(done));
    await settle();
    const activity = await db().activity.findFirstOrThrow({ where });
    expect(activity).toMatchObject({ kind: 'meeting', repId: danaId, dealExternalId: '10' });
    expect(activity.occurredAt.toISOString()).toBe('2022-11-23T23:00:00.000Z'); // the due date, in Berlin
  });

  it('accepts v1 bodies (current/previous) and maps their UTC times', async () => {
    const v1 = {
      v: 1,
      event: 'added.deal',
      retry: 0,
      meta: {
        v: 1,
        action: 'added',
        object: 'deal',
        id: 31,
        timestamp: 1764000000,
        timestamp_micro: 1764000000123456,
      },
      current: {
        id: 31,
        title: 'V1 deal',
        value: 250,
        currency: 'USD',
        status: 'won',
        stage_id: 5,
        user_id: 12415231,
        add_time: '2025-11-01 10:00:00',
        won_time: '2025-11-20 12:30:00',
      },
      previous: null,
    };
    expect((await postPipedrive(t.baseUrl, JSON.stringify(v1))).status).toBe(200);
    expect((await postPipedrive(t.baseUrl, JSON.stringify({ ...v1, retry: 1 }))).body.new).toBe(0);
    await settle();
    const deal = await db().deal.findFirstOrThrow({
      where: { workspaceId, source: 'pipedrive', externalId: '31' },
    });
    expect(deal).toMatchObject({ status: 'won', amountMinor: 25000n, repId: danaId });
    expect(deal.closedAt?.toISOString()).toBe('2025-11-20T12:30:00.000Z');
  });

  it('refuses wrong or missing basic auth with 401 and bad bodies with 400 naming the field', async () => {
    const before = await inboxCount('pipedrive');
    const body = JSON.stringify({
      ...PIPEDRIVE_UPDATE_DEAL,
      meta: { ...PIPEDRIVE_UPDATE_DEAL.meta, id: 'x1' },
    });
    expect((await postPipedrive(t.baseUrl, body, 'kpibot:wrong-password')).status).toBe(401);
    expect((await postPipedrive(t.baseUrl, body, '')).status).toBe(401);
    expect(await inboxCount('pipedrive')).toBe(before);
    const bad = await postPipedrive(
      t.baseUrl,
      JSON.stringify({
        ...PIPEDRIVE_UPDATE_DEAL,
        meta: { ...PIPEDRIVE_UPDATE_DEAL.meta, action: 'explode' },
      }),
    );
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('meta.action');
    expect((await postPipedrive(t.baseUrl, 'null')).status).toBe(400);
  });
});

describe('POST /webhooks/events (generic API)', () => {
  it('applies one event or a batch, and names the field of a bad event', async () => {
    const one = {
      id: 'g-1',
      type: 'activity.logged',
      activityId: 'call-1',
      owner: { email: 'DANA@example.com' },
      kind: 'call',
      count: 3,
      personalized: true,
      occurredAt: '2026-11-03T10:00:00Z',
    };
    expect((await postEvents(t.baseUrl, JSON.stringify(one))).status).toBe(200);
    const batch = {
      events: [
        {
          id: 'g-2',
          type: 'deal.upserted',
          dealId: 'sf-1',
          owner: { email: 'dana@example.com' },
          amount: '900',
          stage: 'Negotiation',
          openedAt: '2026-11-01',
        },
        { id: 'g-3', type: 'deal.won', dealId: 'sf-1', occurredAt: '2026-11-12T15:00:00+01:00' },
      ],
    };
    expect((await postEvents(t.baseUrl, JSON.stringify(batch))).body.new).toBe(2);
    await settle();
    const call = await db().activity.findFirstOrThrow({
      where: { workspaceId, source: 'generic', externalId: 'call-1' },
    });
    expect(call).toMatchObject({ repId: danaId, count: 3, personalized: true, kind: 'call' });
    const deal = await db().deal.findFirstOrThrow({
      where: { workspaceId, source: 'generic', externalId: 'sf-1' },
    });
    expect(deal).toMatchObject({ status: 'won', amountMinor: 90000n, repId: danaId });
    expect(deal.openedAt?.toISOString()).toBe('2026-10-31T23:00:00.000Z');
    expect(deal.closedAt?.toISOString()).toBe('2026-11-12T14:00:00.000Z');

    const bad = await postEvents(
      t.baseUrl,
      JSON.stringify({ events: [batch.events[0], { type: 'deal.upserted', dealId: 'x', amount: '-5' }] }),
    );
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('events[1].amount');
    const unknown = await postEvents(t.baseUrl, JSON.stringify({ type: 'deal.exploded', dealId: 'x' }));
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toContain('type');
  });

  it('refuses unsigned, mis-signed and stale requests with 401', async () => {
    const body = JSON.stringify({ type: 'deal.deleted', dealId: 'sf-1' });
    expect((await postEvents(t.baseUrl, body, { sign: false })).status).toBe(401);
    expect((await postEvents(t.baseUrl, body, { secret: 'another-secret-of-length' })).status).toBe(401);
    expect((await postEvents(t.baseUrl, body, { timestamp: Date.now() - 10 * 60_000 })).status).toBe(401);
  });

  it('retries an event that cannot be applied yet, and applies it once it can', async () => {
    const churn = { id: 'c-2', type: 'customer.churned', customerId: 'acme', occurredAt: '2026-11-20' };
    await postEvents(t.baseUrl, JSON.stringify(churn));
    await settle();
    const row = await db().inboxEvent.findFirstOrThrow({
      where: { source: 'generic', eventType: 'customer.churned' },
    });
    expect(row).toMatchObject({ appliedAt: null, attempts: 1 });
    expect(row.error).toMatch(/not known yet/);
    expect(row.nextAttemptAt?.getTime()).toBeGreaterThan(Date.now());

    const won = {
      id: 'c-1',
      type: 'customer.won',
      customerId: 'acme',
      owner: { email: 'dana@example.com' },
      name: 'Acme',
      occurredAt: '2026-03-01',
    };
    await postEvents(t.baseUrl, JSON.stringify(won));
    await settle();
    expect(await retryFailed(db())).toBe(1);
    t.bot.inbox.kick();
    await settle();
    const after = await db().inboxEvent.findUniqueOrThrow({ where: { id: row.id } });
    expect(after.appliedAt).not.toBeNull();
    const customer = await db().customer.findFirstOrThrow({ where: { workspaceId, externalId: 'acme' } });
    expect(customer.churnedAt?.toISOString()).toBe('2026-11-19T23:00:00.000Z');
    expect(customer.repId).toBe(danaId);
  });

  it('keeps a LinkedIn reading of an unknown person waiting, and applies it when they join as a rep', async () => {
    const reading = {
      id: 's-1',
      type: 'social.snapshot',
      owner: { email: 'sam@example.com' },
      metric: 'followers',
      value: 812,
      occurredAt: '2026-11-02',
    };
    await postEvents(t.baseUrl, JSON.stringify(reading));
    await settle();
    const row = await db().inboxEvent.findFirstOrThrow({ where: { dedupeKey: { endsWith: ':s-1' } } });
    expect(row.waitingFor).toBe('email:sam@example.com');
    expect(await db().socialSnapshot.count({ where: { workspaceId } })).toBe(0);

    await postEvents(
      t.baseUrl,
      JSON.stringify({
        id: 'r-1',
        type: 'rep.upserted',
        name: 'Sam Lee',
        email: 'Sam@Example.com',
        manager: 'Dana Scott',
      }),
    );
    await settle();
    t.bot.inbox.kick();
    await settle();
    const sam = await db().rep.findFirstOrThrow({ where: { workspaceId, email: 'sam@example.com' } });
    expect(sam.managerId).toBe(danaId);
    expect((await db().rep.findUniqueOrThrow({ where: { id: danaId } })).role).toBe('manager');
    const snap = await db().socialSnapshot.findFirstOrThrow({ where: { workspaceId } });
    expect(snap).toMatchObject({ repId: sam.id, value: 812, metric: 'followers', network: 'linkedin' });
  });
});

describe('review fixes: ordering, owners across sources, validation at receipt', () => {
  const hs = (
    eventId: number,
    objectId: number,
    type: string,
    iso: string,
    prop?: string,
    value?: string,
  ) => ({
    eventId,
    subscriptionType: type,
    objectId,
    occurredAt: Date.parse(iso),
    ...(prop ? { propertyName: prop, propertyValue: value } : {}),
  });

  it('HubSpot amount and currency delivered in any order end right, in the right currency', async () => {
    // Currency (newer) first, then the amount (older), then a newer amount.
    await postHubSpot(
      t.baseUrl,
      JSON.stringify([
        hs(11, 901, 'deal.propertyChange', '2026-11-02T10:00:06Z', 'deal_currency_code', 'JPY'),
      ]),
    );
    await postHubSpot(
      t.baseUrl,
      JSON.stringify([hs(12, 901, 'deal.propertyChange', '2026-11-02T10:00:05Z', 'amount', '5000')]),
    );
    await settle();
    const first = await db().deal.findFirstOrThrow({
      where: { workspaceId, source: 'hubspot', externalId: '901' },
    });
    expect(first).toMatchObject({ currency: 'JPY', amountMinor: 5000n });
    await postHubSpot(
      t.baseUrl,
      JSON.stringify([hs(13, 901, 'deal.propertyChange', '2026-11-02T09:00:00Z', 'amount', '1')]),
    );
    await settle();
    expect((await db().deal.findFirstOrThrow({ where: { externalId: '901' } })).amountMinor).toBe(5000n);
  });

  it('a HubSpot call deleted before its creation arrives never counts', async () => {
    await postHubSpot(
      t.baseUrl,
      JSON.stringify([{ ...hs(21, 555, 'object.deletion', '2026-11-03T10:00:00Z'), objectTypeId: '0-48' }]),
    );
    await postHubSpot(
      t.baseUrl,
      JSON.stringify([{ ...hs(20, 555, 'object.creation', '2026-11-03T09:00:00Z'), objectTypeId: '0-48' }]),
    );
    await settle();
    const call = await db().activity.findFirstOrThrow({
      where: { workspaceId, source: 'hubspot', externalId: '555' },
    });
    expect(call.deletedAt).not.toBeNull();
  });

  it("a generic event naming another source's owner id follows that source's mapping", async () => {
    await postEvents(
      t.baseUrl,
      JSON.stringify({
        id: 'x-src-1',
        type: 'activity.logged',
        activityId: 'x-src-1',
        owner: { source: 'hubspot', id: '777' },
        kind: 'call',
        occurredAt: '2026-11-05T10:00:00Z',
      }),
    );
    await settle();
    const before = await db().activity.findFirstOrThrow({ where: { externalId: 'x-src-1' } });
    expect(before).toMatchObject({ repId: null, ownerExternalId: 'hubspot:777' });
    const { linkOwner } = await import('../../src/ingest/identities.js');
    await db().$transaction((tx) => linkOwner(tx, workspaceId, 'hubspot', '777', danaId));
    expect((await db().activity.findFirstOrThrow({ where: { externalId: 'x-src-1' } })).repId).toBe(danaId);
  });

  it('refuses at receipt what could never be applied: impossible dates, unreadable Pipedrive objects', async () => {
    const before = await db().inboxEvent.count();
    const badDate = await postEvents(
      t.baseUrl,
      JSON.stringify({ type: 'deal.upserted', dealId: 'q', openedAt: '2026-02-31' }),
    );
    expect(badDate.status).toBe(400);
    expect(badDate.body.message).toContain('openedAt');
    const badHour = await postEvents(
      t.baseUrl,
      JSON.stringify({ type: 'deal.won', dealId: 'q', occurredAt: '2026-11-02T25:00:00Z' }),
    );
    expect(badHour.status).toBe(400);
    const pd = structuredClone(PIPEDRIVE_UPDATE_DEAL) as unknown as {
      data: Record<string, unknown>;
      meta: Record<string, unknown>;
    };
    pd.data.status = 'exploded';
    pd.meta.id = 'bad-status';
    const badPd = await postPipedrive(t.baseUrl, JSON.stringify(pd));
    expect(badPd.status).toBe(400);
    expect(badPd.body.message).toContain('data.status');
    expect(await db().inboxEvent.count()).toBe(before);
  });
});

describe('every endpoint', () => {
  type TSender = (body: string) => Promise<{ status: number; body: { new?: number; message?: string } }>;
  const endpoints: [string, string, TSender, () => string][] = [
    [
      'hubspot',
      'hubspot',
      (b) => postHubSpot(t.baseUrl, b),
      () =>
        JSON.stringify([
          { eventId: 777, subscriptionType: 'deal.creation', objectId: 7777, occurredAt: Date.now() },
        ]),
    ],
    [
      'pipedrive',
      'pipedrive',
      (b) => postPipedrive(t.baseUrl, b),
      () =>
        JSON.stringify({ ...PIPEDRIVE_UPDATE_DEAL, meta: { ...PIPEDRIVE_UPDATE_DEAL.meta, id: 'every-1' } }),
    ],
    [
      'generic',
      'generic',
      (b) => postEvents(t.baseUrl, b),
      () => JSON.stringify({ id: 'every-1', type: 'deal.deleted', dealId: 'zz' }),
    ],
  ];

  it.each(endpoints)(
    '%s: the same delivery three times is stored and applied once',
    async (_name, source, send, body) => {
      const before = await inboxCount(source);
      const payload = body();
      const answers = [await send(payload), await send(payload), await send(payload)];
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
      expect(answers.map((a) => a.body.new)).toEqual([1, 0, 0]);
      await settle();
      expect(await inboxCount(source)).toBe(before + 1);
      expect(await db().inboxEvent.count({ where: { source, appliedAt: null } })).toBe(0);
    },
  );

  it.each(endpoints)(
    '%s: malformed JSON is 400, an oversized body 413, and neither is stored',
    async (_name, source, send) => {
      const before = await inboxCount(source);
      const broken = await send('{"oops": ');
      expect(broken.status).toBe(400);
      expect(broken.body.message).toMatch(/JSON/);
      expect((await send(`{"pad":"${'x'.repeat(1_100_000)}"}`)).status).toBe(413);
      expect((await send('"just a string"')).status).toBe(400);
      expect(await inboxCount(source)).toBe(before);
    },
  );

  it('generic: a body changed after signing is 401 and not stored', async () => {
    const before = await inboxCount('generic');
    const { genericSignature } = await import('../../src/ingest/auth.js');
    const ts = String(Math.floor(Date.now() / 1000));
    const signed = JSON.stringify({ type: 'deal.deleted', dealId: 'a' });
    const res = await fetch(`${t.baseUrl}/webhooks/events`, {
      method: 'POST',
      headers: {
        'x-kpi-timestamp': ts,
        'x-kpi-signature': genericSignature(WEBHOOK_ENV.KPI_WEBHOOK_SECRET, ts, signed),
      },
      body: signed.replace('"a"', '"b"'),
    });
    expect(res.status).toBe(401);
    expect(await inboxCount('generic')).toBe(before);
  });
});

describe('the generic API as documented', () => {
  it('accepts the example in docs/ingestion.md and applies it', async () => {
    const doc = await readFile(new URL('../../docs/ingestion.md', import.meta.url), 'utf8');
    const example = /```json\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(example).toBeTruthy();
    const res = await postEvents(t.baseUrl, example ?? '');
    expect(res).toMatchObject({ status: 200, body: { new: 3 } });
    await settle();
    const deal = await db().deal.findFirstOrThrow({
      where: { workspaceId, source: 'generic', externalId: '006Hs00001' },
    });
    expect(deal).toMatchObject({ status: 'won', amountMinor: 1250000n, repId: danaId, stage: 'Negotiation' });
    expect(await db().activity.count({ where: { workspaceId, externalId: 'call-88', repId: danaId } })).toBe(
      1,
    );
  });

  it("finds an unknown owner's Slack account by email (users.lookupByEmail) and makes them a rep", async () => {
    t.slack.on('users.lookupByEmail', (call) =>
      call.body.email === 'kim@example.com'
        ? { ok: true, user: { id: 'U0KIM', name: 'kim', real_name: 'Kim Park' } }
        : { ok: false, error: 'users_not_found' },
    );
    const ev = (id: string, email: string) => ({
      id,
      type: 'activity.logged',
      activityId: id,
      owner: { email },
      kind: 'email',
      occurredAt: '2026-11-04T10:00:00Z',
    });
    await postEvents(
      t.baseUrl,
      JSON.stringify([ev('e-kim', 'kim@example.com'), ev('e-nobody', 'nobody@example.com')]),
    );
    await settle();
    const kim = await db().rep.findFirstOrThrow({ where: { workspaceId, slackUserId: 'U0KIM' } });
    expect(kim).toMatchObject({ name: 'Kim Park', email: 'kim@example.com' });
    expect((await db().activity.findFirstOrThrow({ where: { externalId: 'e-kim' } })).repId).toBe(kim.id);
    const nobody = await db().activity.findFirstOrThrow({ where: { externalId: 'e-nobody' } });
    expect(nobody).toMatchObject({ repId: null, ownerExternalId: 'email:nobody@example.com' });
  });
});

describe('webhook endpoints without secrets, and rate limits', () => {
  let other: Awaited<ReturnType<typeof startTestBot>>;
  beforeAll(async () => {
    other = await startTestBot({
      env: { KPI_WEBHOOK_SECRET: WEBHOOK_ENV.KPI_WEBHOOK_SECRET, KPI_WEBHOOK_RATE_LIMIT: '1' },
    });
  });
  afterAll(async () => {
    await other?.close();
  });

  it('answers 404 for a source whose secret is not configured, whatever is sent', async () => {
    const res = await postHubSpot(other.baseUrl, JSON.stringify(HUBSPOT_DOCS_EXAMPLE));
    expect(res.status).toBe(404);
    expect((await postPipedrive(other.baseUrl, JSON.stringify(PIPEDRIVE_UPDATE_DEAL))).status).toBe(404);
    expect(await other.bot.store.db.inboxEvent.count()).toBe(0);
  });

  it('answers 429 with Retry-After once a source exceeds its rate', async () => {
    const body = JSON.stringify({ type: 'deal.deleted', dealId: 'nothing' });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await postEvents(other.baseUrl, body)).status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses).toContain(429);
  });
});
