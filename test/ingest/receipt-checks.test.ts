import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { checkAtReceipt } from '../../src/ingest/receipt-checks.js';
import type { TStore } from '../../src/store/store.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';

/**
 * The webhook route's receipt check (src/ingest/receipt-checks.ts) against a real store: the clock's window for
 * instants, and amounts checked in the currency they will be stored in (named in the request, else the stored
 * deal's, else the workspace's), with the route's field names.
 */

let t: Awaited<ReturnType<typeof createTestStore>>;
let store: TStore;
let workspaceId: string;
const now = new Date('2026-11-15T12:00:00Z');

beforeAll(async () => {
  t = await createTestStore();
  store = t.store;
  const ws = await store.db.workspace.create({
    data: { slackTeamId: 'T0RCPT', timezone: 'Asia/Tokyo', currency: 'EUR' },
  });
  workspaceId = ws.id;
  await store.db.deal.create({
    data: { workspaceId, source: 'hubspot', externalId: '77', stage: 'open', currency: 'JPY' },
  });
  await store.db.deal.create({
    data: { workspaceId, source: 'generic', externalId: 'k1', stage: 'open', currency: 'KWD' },
  });
});
afterAll(async () => t?.cleanup());

const generic = (payload: unknown) => ({ source: 'generic', payload });
const hubspot = (payload: Record<string, unknown>) => ({
  source: 'hubspot',
  payload: { eventId: 1, subscriptionType: 'deal.propertyChange', occurredAt: now.getTime(), ...payload },
});

async function problem(items: { source: string; payload: unknown }[]): Promise<string | null> {
  try {
    await checkAtReceipt(store.db, workspaceId, items, now);
    return null;
  } catch (error) {
    if (isAppError(error) && error.code === 'bad_request') return error.message;
    throw error;
  }
}

describe(`receipt checks with the clock and the workspace (${TEST_PROVIDER})`, () => {
  it('checks an amount without a currency in the workspace currency, or its stored deal’s', async () => {
    expect(await problem([generic({ type: 'deal.upserted', dealId: 'new', amount: '10.125' })])).toBe(
      'amount: EUR has 2 decimal places; 10.125 has 3',
    );
    expect(await problem([generic({ type: 'deal.upserted', dealId: 'new', amount: '10.12' })])).toBeNull();
    // k1 is a KWD deal (3 decimals) of the generic source; 77 is a JPY deal of HubSpot's.
    expect(await problem([generic({ type: 'deal.won', dealId: 'k1', amount: '10.125' })])).toBeNull();
    expect(await problem([generic({ type: 'deal.won', dealId: 'k1', amount: 10.1255 })])).toBe(
      'amount: KWD has 3 decimal places; 10.1255 has 4',
    );
    expect(await problem([hubspot({ objectId: 77, propertyName: 'amount', propertyValue: '1250.5' })])).toBe(
      '[0].amount: JPY has 0 decimal places; 1250.5 has 1',
    );
    // Another source's deal 77 is another deal: the workspace's EUR.
    expect(await problem([generic({ type: 'deal.upserted', dealId: '77', amount: '1250.5' })])).toBeNull();
  });

  it('uses a currency named in the same request, whatever the order of the events', async () => {
    const amount = hubspot({ objectId: 91, propertyName: 'amount', propertyValue: '5.5' });
    const currency = hubspot({ objectId: 91, propertyName: 'deal_currency_code', propertyValue: 'jpy' });
    expect(await problem([amount, currency])).toBe('[0].amount: JPY has 0 decimal places; 5.5 has 1');
    expect(await problem([currency, amount])).toBe('[1].amount: JPY has 0 decimal places; 5.5 has 1');
    // A USD currency for the JPY deal 77 makes 1250.5 fine.
    expect(
      await problem([
        hubspot({ objectId: 77, propertyName: 'deal_currency_code', propertyValue: 'USD' }),
        hubspot({ objectId: 77, propertyName: 'amount', propertyValue: '1250.5' }),
      ]),
    ).toBeNull();
  });

  it('refuses instants more than 100 years after the clock, naming the item and field as the route does', async () => {
    expect(
      await problem([generic({ type: 'deal.deleted', dealId: 'x', occurredAt: '2126-11-15T23:00:00' })]),
    ).toBeNull();
    expect(await problem([generic({ type: 'deal.deleted', dealId: 'x', occurredAt: '2126-11-16' })])).toBe(
      'occurredAt: 2126-11-16 is more than 100 years from now, after 2126-11-15 (dates from 1970-01-01 to 100 years after today are accepted)',
    );
    expect(
      await problem([
        generic({ type: 'lead.upserted', leadId: 'l', mqlAt: '2027-01-01' }),
        generic({ type: 'lead.upserted', leadId: 'l', convertedAt: Date.parse('2200-01-01T00:00:00Z') }),
      ]),
    ).toMatch(/^events\[1\]\.convertedAt: 7258118400000 is more than 100 years from now/);
    expect(
      await problem([
        {
          source: 'pipedrive',
          payload: {
            meta: {
              action: 'create',
              entity: 'activity',
              entity_id: 3,
              id: 'a3',
              timestamp: 1_790_000_000,
              version: '2.0',
            },
            data: { id: 3, done: true, type: 'call', due_date: '2999-01-01' },
          },
        },
      ]),
    ).toMatch(/^data\.at: 2999-01-01 is more than 100 years from now/);
  });

  it('lists up to five problems of a batch', async () => {
    const bad = Array.from({ length: 8 }, (_, i) =>
      generic({ type: 'deal.upserted', dealId: `b${i}`, amount: '0.001' }),
    );
    const message = (await problem(bad)) ?? '';
    const named = [
      ...message.matchAll(/events\[(\d)\]\.amount: EUR has 2 decimal places; 0\.001 has 3/g),
    ].map((m) => m[1]);
    expect(named).toEqual(['0', '1', '2', '3', '4']);
  });

  it('answers 503, not 400, when the store cannot be read', async () => {
    const down = () => Promise.reject(new Error('connection refused'));
    const db = { workspace: { findUnique: down }, deal: { findMany: down } } as unknown as TStore['db'];
    await expect(
      checkAtReceipt(db, workspaceId, [generic({ type: 'deal.upserted', dealId: 'z', amount: '1' })], now),
    ).rejects.toMatchObject({ code: 'store_unavailable' });
  });
});
