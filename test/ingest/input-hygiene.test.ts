import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBot } from '../support/bot.js';
import { TEST_PROVIDER } from '../support/env.js';
import { slashCommands } from '../support/slack-request.js';
import {
  PIPEDRIVE_UPDATE_DEAL,
  postEvents,
  postHubSpot,
  postPipedrive,
  WEBHOOK_ENV,
} from '../support/webhooks.js';

/** Valid Unicode: survives UTF-8 (a lone surrogate would come back as U+FFFD). */
const wellFormed = (s: string) => new TextDecoder().decode(new TextEncoder().encode(s)) === s;

/**
 * Issue 13, parts 4 and 5, end to end on the real bot and on both stores: text a store cannot hold (NUL, lone
 * surrogates), amounts with more decimals than their currency and instants outside 1970..now+100y are refused
 * at receipt with a 400 naming the field, storing nothing; what is accepted applies without an error.
 */

let t: Awaited<ReturnType<typeof startTestBot>>;
let workspaceId: string;
let seq = 0;

beforeAll(async () => {
  t = await startTestBot({ env: WEBHOOK_ENV });
  const ws = await t.bot.store.db.workspace.findUniqueOrThrow({ where: { slackTeamId: 'T0ACME' } });
  workspaceId = ws.id;
  await t.bot.store.db.rep.create({
    data: { workspaceId, name: 'Dana Scott', slackUserId: 'U0DANA', email: 'dana@example.com' },
  });
});
afterAll(async () => {
  await t?.close();
});

const db = () => t.bot.store.db;
const inboxCount = () => db().inboxEvent.count();
const settle = () => t.bot.inbox.idle();
const hs = (over: Record<string, unknown>) => ({
  eventId: ++seq,
  subscriptionType: 'deal.propertyChange',
  objectId: 7000 + seq,
  occurredAt: Date.parse('2026-11-02T09:00:00Z'),
  ...over,
});
const pd = (data: Record<string, unknown>, meta: Record<string, unknown> = {}) => ({
  ...PIPEDRIVE_UPDATE_DEAL,
  data: { ...PIPEDRIVE_UPDATE_DEAL.data, id: 8000 + ++seq, ...data },
  meta: { ...PIPEDRIVE_UPDATE_DEAL.meta, id: `pd-${seq}`, entity_id: String(8000 + seq), ...meta },
});

/** Posts and expects a 400 whose message matches, with nothing stored. */
async function refused(post: Promise<{ status: number; body: { message?: string } }>, message: RegExp) {
  const before = await inboxCount();
  const res = await post;
  expect(res.status).toBe(400);
  expect(res.body.message).toMatch(message);
  expect(await inboxCount()).toBe(before);
}

describe(`text a store cannot hold is refused at receipt, naming the field (${TEST_PROVIDER})`, () => {
  it('generic events: NUL or a lone surrogate in any text field, in one event or a batch', async () => {
    await refused(
      postEvents(t.baseUrl, JSON.stringify({ type: 'deal.upserted', dealId: 'n1', title: 'Big\u0000deal' })),
      /^title: contains a NUL character \(U\+0000\) at character 4/,
    );
    await refused(
      postEvents(
        t.baseUrl,
        JSON.stringify({ type: 'deal.upserted', dealId: 'n1', owner: { name: 'Da\u0000na' } }),
      ),
      /^owner\.name: contains a NUL/,
    );
    await refused(
      postEvents(t.baseUrl, JSON.stringify({ type: 'deal.deleted', dealId: 'n1', id: 'evt\u0000' })),
      /^id: contains a NUL/,
    );
    // JSON's "\ud800" escape: a lone surrogate, which the drivers would silently store as U+FFFD.
    await refused(
      postEvents(t.baseUrl, '{"type":"lead.upserted","leadId":"l1","name":"Ann \\ud800"}'),
      /^name: contains a lone surrogate \(U\+D800\) at character 5/,
    );
    await refused(
      postEvents(
        t.baseUrl,
        JSON.stringify({
          events: [
            { type: 'rep.upserted', name: 'Fine Name' },
            { type: 'rep.upserted', name: 'Bad', team: 'Sales\uDC00' },
          ],
        }),
      ),
      /^events\[1\]\.team: contains a lone surrogate \(U\+DC00\)/,
    );
    expect(await db().rep.count({ where: { name: 'Fine Name' } })).toBe(0);
  });

  it('a whole surrogate pair is text like any other, stored as sent', async () => {
    const res = await postEvents(
      t.baseUrl,
      JSON.stringify({
        type: 'deal.upserted',
        dealId: 'emoji',
        title: 'Deal 😀 ✓',
        owner: { name: 'Dana Scott' },
      }),
    );
    expect(res.status).toBe(200);
    await settle();
    expect((await db().deal.findFirstOrThrow({ where: { externalId: 'emoji' } })).title).toBe('Deal 😀 ✓');
  });

  it('HubSpot: a carried value (deal name, stage) or a key field with NUL or a lone surrogate', async () => {
    await refused(
      postHubSpot(
        t.baseUrl,
        JSON.stringify([hs({ propertyName: 'dealname', propertyValue: 'Big\u0000deal' })]),
      ),
      /^\[0\]\.title: contains a NUL/,
    );
    await refused(
      postHubSpot(
        t.baseUrl,
        JSON.stringify([hs({}), hs({ propertyName: 'dealstage', propertyValue: 'closed\uD800won' })]),
      ),
      /^\[1\]\.stage: contains a lone surrogate/,
    );
    // The property name is part of the inbox row's key: PostgreSQL could not store it (22021, a 503 forever).
    await refused(
      postHubSpot(t.baseUrl, JSON.stringify([hs({ propertyName: 'deal\u0000name', propertyValue: 'x' })])),
      /^\[0\]\.propertyName: contains a NUL/,
    );
    await refused(
      postHubSpot(t.baseUrl, JSON.stringify([hs({ subscriptionType: 'deal.creation\u0000' })])),
      /^\[0\]\.subscriptionType: contains a NUL/,
    );
  });

  it('Pipedrive: a carried field or a key field with NUL or a lone surrogate', async () => {
    await refused(
      postPipedrive(t.baseUrl, JSON.stringify(pd({ title: 'Org\u0000deal' }))),
      /^data\.title: contains a NUL/,
    );
    await refused(
      postPipedrive(t.baseUrl, JSON.stringify(pd({ lost_reason: '\uDFFF', status: 'lost' }))),
      /^data\.lostReason: contains a lone surrogate/,
    );
    await refused(
      postPipedrive(t.baseUrl, JSON.stringify(pd({}, { id: 'pd\u0000x' }))),
      /^meta\.id: contains a NUL/,
    );
  });

  it('a NUL or lone surrogate in a field that is not carried into facts is stored (escaped JSON) and applies', async () => {
    const hub = hs({
      subscriptionType: 'deal.creation',
      changeSource: 'AC\u0000ADEMY',
      sourceId: 'x\uD800',
    });
    expect((await postHubSpot(t.baseUrl, JSON.stringify([hub]))).status).toBe(200);
    const pipe = pd({ origin: 'Manually\u0000', label_ids: ['\uDC00'] });
    expect((await postPipedrive(t.baseUrl, JSON.stringify(pipe))).status).toBe(200);
    await settle();
    // Read back in JS: the escape text has a backslash, which PostgreSQL's LIKE would read as an escape.
    const rows = (await db().inboxEvent.findMany()).filter(
      (r) => r.payload.includes('AC\\u0000ADEMY') || r.payload.includes('Manually\\u0000'),
    );
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row).toMatchObject({ error: null, attempts: 0 });
      expect(row.appliedAt).not.toBeNull();
      // The payload column holds the escape text, not the character: nothing a text column cannot hold.
      expect(row.payload.includes('\u0000')).toBe(false);
      expect(wellFormed(row.payload)).toBe(true);
    }
    expect(
      await db().deal.count({ where: { externalId: { in: [String(hub.objectId), String(pipe.data.id)] } } }),
    ).toBe(2);
  });

  it('a deal title cut to 500 characters keeps an emoji at the cut whole rather than half', async () => {
    const title = `${'a'.repeat(499)}😀 and more`;
    const hub = hs({ propertyName: 'dealname', propertyValue: title });
    expect((await postHubSpot(t.baseUrl, JSON.stringify([hub]))).status).toBe(200);
    const pipe = pd({ title });
    expect((await postPipedrive(t.baseUrl, JSON.stringify(pipe))).status).toBe(200);
    await settle();
    for (const id of [String(hub.objectId), String(pipe.data.id)])
      expect((await db().deal.findFirstOrThrow({ where: { externalId: id } })).title).toBe('a'.repeat(499));
  });

  it('any text with a NUL or lone surrogate is refused and any other is stored as sent (property)', async () => {
    const unit = fc.oneof(
      { weight: 8, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
      { weight: 1, arbitrary: fc.constantFrom('\u0000', '\uD800', '\uDFFF', '\uDBFF\uDBFF') },
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ unit, minLength: 1, maxLength: 20 }), async (title) => {
        const dealId = `p${++seq}`;
        const res = await postEvents(t.baseUrl, JSON.stringify({ type: 'deal.upserted', dealId, title }));
        if (title.includes('\u0000') || !wellFormed(title)) {
          expect(res.status).toBe(400);
          expect(res.body.message).toMatch(/^title: contains a (NUL character|lone surrogate)/);
        } else {
          expect(res.status).toBe(200);
          await settle();
          expect((await db().deal.findFirstOrThrow({ where: { externalId: dealId } })).title).toBe(title);
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe(`amounts and dates refused at receipt by the schema (${TEST_PROVIDER})`, () => {
  it('an amount with more decimals than the currency named with it: string or JSON number, every source', async () => {
    await refused(
      postEvents(
        t.baseUrl,
        JSON.stringify({ type: 'deal.upserted', dealId: 'a1', amount: '1.005', currency: 'USD' }),
      ),
      /^amount: USD has 2 decimal places; 1\.005 has 3$/,
    );
    await refused(
      postEvents(t.baseUrl, '{"type":"deal.won","dealId":"a1","amount":1.005,"currency":"USD"}'),
      /^amount: USD has 2 decimal places; 1\.005 has 3$/,
    );
    await refused(
      postEvents(
        t.baseUrl,
        JSON.stringify({ type: 'deal.upserted', dealId: 'a2', amount: '12.5', currency: 'JPY' }),
      ),
      /^amount: JPY has 0 decimal places; 12\.5 has 1$/,
    );
    await refused(
      postPipedrive(t.baseUrl, JSON.stringify(pd({ value: 100.005, currency: 'EUR' }))),
      /^data\.amount: EUR has 2 decimal places; 100\.005 has 3$/,
    );
    // BHD has three: 1.234 is exact.
    const ok = await postEvents(
      t.baseUrl,
      JSON.stringify({
        type: 'deal.upserted',
        dealId: 'a3',
        amount: '1.234',
        currency: 'BHD',
        owner: { name: 'Dana Scott' },
      }),
    );
    expect(ok.status).toBe(200);
    await settle();
    expect(await db().deal.findFirstOrThrow({ where: { externalId: 'a3' } })).toMatchObject({
      currency: 'BHD',
      amountMinor: 1234n,
    });
  });

  it('an instant before 1970, in every form and field', async () => {
    await refused(
      postEvents(t.baseUrl, JSON.stringify({ type: 'deal.deleted', dealId: 'd1', occurredAt: '0000-01-01' })),
      /^occurredAt: 0000-01-01 is before 1970-01-01/,
    );
    await refused(
      postEvents(t.baseUrl, JSON.stringify({ type: 'deal.upserted', dealId: 'd1', openedAt: -86_400_000 })),
      /^openedAt: -86400000 is before 1970-01-01/,
    );
    await refused(
      postPipedrive(t.baseUrl, JSON.stringify(pd({ add_time: '1969-07-20T20:17:00Z' }))),
      /^data\.openedAt: 1969-07-20T20:17:00Z is before 1970-01-01/,
    );
  });
});

// The checks that need the clock and the workspace run in the route once the workspace is resolved.
describe(`amounts and dates refused at receipt with the clock and the workspace (${TEST_PROVIDER})`, () => {
  it('an amount without a currency, in the workspace currency or its deal’s', async () => {
    await refused(
      postEvents(t.baseUrl, JSON.stringify({ type: 'deal.upserted', dealId: 'w1', amount: '1.005' })),
      /^amount: USD has 2 decimal places; 1\.005 has 3$/,
    );
    await refused(
      postHubSpot(t.baseUrl, JSON.stringify([hs({ propertyName: 'amount', propertyValue: '1250.505' })])),
      /^\[0\]\.amount: USD has 2 decimal places; 1250\.505 has 3$/,
    );
    // A JPY deal: its amounts are checked in yen, also when the currency comes in the same request.
    const jpy = hs({ propertyName: 'deal_currency_code', propertyValue: 'JPY' });
    await refused(
      postHubSpot(
        t.baseUrl,
        JSON.stringify([
          jpy,
          hs({ objectId: jpy.objectId, propertyName: 'amount', propertyValue: '1250.5' }),
        ]),
      ),
      /^\[1\]\.amount: JPY has 0 decimal places; 1250\.5 has 1$/,
    );
    expect((await postHubSpot(t.baseUrl, JSON.stringify([jpy]))).status).toBe(200);
    await settle();
    await refused(
      postHubSpot(
        t.baseUrl,
        JSON.stringify([hs({ objectId: jpy.objectId, propertyName: 'amount', propertyValue: '99.5' })]),
      ),
      /^\[0\]\.amount: JPY has 0 decimal places; 99\.5 has 1$/,
    );
    expect(
      (
        await postHubSpot(
          t.baseUrl,
          JSON.stringify([hs({ objectId: jpy.objectId, propertyName: 'amount', propertyValue: '99' })]),
        )
      ).status,
    ).toBe(200);
  });

  it('an instant more than 100 years after now, in every source', async () => {
    await refused(
      postEvents(
        t.baseUrl,
        JSON.stringify({
          events: [
            { type: 'deal.deleted', dealId: 'f0' },
            { type: 'deal.upserted', dealId: 'f1', closedAt: '2300-01-01' },
          ],
        }),
      ),
      /^events\[1\]\.closedAt: 2300-01-01 is more than 100 years from now/,
    );
    await refused(
      postHubSpot(
        t.baseUrl,
        JSON.stringify([
          hs({ propertyName: 'closedate', propertyValue: String(Date.parse('2999-01-01T00:00:00Z')) }),
        ]),
      ),
      /^\[0\]\.closedAt: \d+ is more than 100 years from now/,
    );
    await refused(
      postPipedrive(t.baseUrl, JSON.stringify(pd({ add_time: '2206-11-24T13:18:55Z' }))),
      /^data\.openedAt: 2206-11-24T13:18:55Z is more than 100 years from now/,
    );
    const soon = new Date(Date.now() + 90 * 365 * 86_400_000).toISOString().slice(0, 10);
    expect(
      (await postEvents(t.baseUrl, JSON.stringify({ type: 'deal.upserted', dealId: 'f2', closedAt: soon })))
        .status,
    ).toBe(200);
  });
});

describe(`a /kpi command with text that cannot be stored (${TEST_PROVIDER})`, () => {
  it('is refused with a clear reply, and nothing is stored', async () => {
    const { slash } = slashCommands(() => t, { user: 'U0DANA' });
    const before = await db().activity.count();
    // Acknowledged (200), then refused in the reply.
    const reply = await slash('log call 2 personalized\u0000');
    expect(reply.text).toMatch(
      /^That command contains a NUL character \(U\+0000\) at character 24, which cannot be stored\. Nothing was done or saved/,
    );
    expect(await db().activity.count()).toBe(before);
    // The same command without it is logged.
    expect((await slash('log call 2 personalized')).text).toMatch(/^Logged/);
    expect(await db().activity.count()).toBe(before + 1);
  });
});
