import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { processInbox, storeInboxItems, type TInboxItem } from '../../src/ingest/inbox.js';
import type { TStore } from '../../src/store/store.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';

/**
 * The worker applies stored events many to a transaction. Whatever a batch holds (events of unknown owners,
 * payloads that no longer parse, owners to wait for, repeats of one deal), the outcome is the one of applying
 * each event alone: every good event applied once, every bad one recorded on its own row, nothing else touched.
 */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function freshStore() {
  const t = await createTestStore();
  cleanups.push(t.cleanup);
  const ws = await t.store.db.workspace.create({ data: { slackTeamId: 'TBATCH', timezone: 'UTC' } });
  await t.store.db.rep.create({ data: { workspaceId: ws.id, name: 'Dana', email: 'dana@example.com' } });
  return { store: t.store, workspaceId: ws.id };
}

type TKind = 'call' | 'stranger-call' | 'deal' | 'poison' | 'waiting';

function item(workspaceId: string, kind: TKind, n: number): TInboxItem {
  const at = new Date(Date.UTC(2026, 10, 2, 9, 0, n)).toISOString();
  const payloads: Record<TKind, Record<string, unknown>> = {
    call: {
      type: 'activity.logged',
      activityId: `a${n}`,
      owner: { email: 'dana@example.com' },
      kind: 'call',
      occurredAt: at,
    },
    // An owner nobody maps: the activity is kept under the owner's key until someone links them.
    'stranger-call': {
      type: 'activity.logged',
      activityId: `s${n}`,
      owner: { email: 'gone@example.com' },
      kind: 'call',
      occurredAt: at,
    },
    deal: {
      type: 'deal.upserted',
      dealId: `d${n % 3}`,
      stage: `Stage ${n}`,
      amount: 100 + n,
      owner: { email: 'dana@example.com' },
      occurredAt: at,
    },
    // Stored before a rule that now refuses it (a score above its maximum): it fails where it is applied.
    poison: {
      type: 'training.result',
      owner: { email: 'dana@example.com' },
      course: 'Pitch',
      score: 120,
      maxScore: 100,
      occurredAt: at,
    },
    // A reading of someone who is not a rep: it waits for them.
    waiting: {
      type: 'social.snapshot',
      owner: { email: 'nobody@example.com' },
      metric: 'followers',
      value: 10,
      occurredAt: at,
    },
  };
  return {
    workspaceId,
    source: 'generic',
    eventId: `e${n}`,
    eventType: String(payloads[kind].type),
    payload: payloads[kind],
  };
}

async function outcome(store: TStore) {
  const db = store.db;
  return {
    inbox: (await db.inboxEvent.findMany({ orderBy: { dedupeKey: 'asc' } })).map((r) => ({
      key: r.dedupeKey.split(':').pop(),
      applied: r.appliedAt !== null,
      failed: r.error !== null,
      waitingFor: r.waitingFor,
      attempts: r.attempts,
    })),
    activities: (await db.activity.findMany({ orderBy: { externalId: 'asc' } })).map((a) => [
      a.externalId,
      a.repId !== null,
      a.ownerExternalId,
    ]),
    deals: (await db.deal.findMany({ orderBy: { externalId: 'asc' } })).map((d) => [
      d.externalId,
      d.stage,
      String(d.amountMinor),
    ]),
    stages: await db.dealStageChange.count(),
    training: await db.trainingResult.count(),
    readings: await db.socialSnapshot.count(),
  };
}

describe('inbox worker: events applied in batches', () => {
  it('looks an unknown owner up once per batch, not once per event', async () => {
    const { store, workspaceId } = await freshStore();
    await storeInboxItems(
      store.db,
      Array.from({ length: 60 }, (_, n) => item(workspaceId, 'stranger-call', n)),
    );
    const asked: string[] = [];
    const report = await processInbox(store.db, {
      lookupSlackUser: async (_ws, email) => {
        asked.push(email);
        return null;
      },
    });
    expect(report.applied).toBe(60);
    expect(asked).toEqual(['gone@example.com']);
    expect(await store.db.activity.count({ where: { repId: null } })).toBe(60);
  });

  it('a bad event in the middle of a batch is recorded on its row; the others are applied once', async () => {
    const { store, workspaceId } = await freshStore();
    const kinds: TKind[] = ['call', 'deal', 'poison', 'call', 'waiting', 'deal', 'call'];
    await storeInboxItems(
      store.db,
      kinds.map((k, n) => item(workspaceId, k, n)),
    );
    const report = await processInbox(store.db);
    expect(report).toMatchObject({ applied: 5, failed: 1, waiting: 1 });
    const rows = await store.db.inboxEvent.findMany({ orderBy: { dedupeKey: 'asc' } });
    expect(rows.filter((r) => r.appliedAt === null).map((r) => r.dedupeKey.split(':').pop())).toEqual([
      'e2',
      'e4',
    ]);
    expect(rows.find((r) => r.dedupeKey.endsWith(':e2'))?.error).toMatch(/score/);
    expect(rows.find((r) => r.dedupeKey.endsWith(':e4'))?.waitingFor).toBeTruthy();
    expect(await store.db.activity.count()).toBe(3);
    expect(await store.db.deal.count()).toBe(2);
    // Nothing more happens on a second pass: the failures wait for their next attempt.
    expect(await processInbox(store.db)).toMatchObject({ applied: 0, failed: 0, waiting: 0 });
  });

  it('any mix of events, in any order, in batches of any size: the same as applying each alone', async () => {
    const kinds = fc.constantFrom<TKind>('call', 'stranger-call', 'deal', 'poison', 'waiting');
    await fc.assert(
      fc.asyncProperty(
        fc.array(kinds, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 2, max: 17 }),
        async (list, batchSize) => {
          const one = await freshStore();
          const many = await freshStore();
          const items = (workspaceId: string) => list.map((k, n) => item(workspaceId, k, n));
          await storeInboxItems(one.store.db, items(one.workspaceId));
          await storeInboxItems(many.store.db, items(many.workspaceId));
          const lookup = async () => null;
          const alone = await processInbox(one.store.db, { batchSize: 1, lookupSlackUser: lookup });
          const batched = await processInbox(many.store.db, { batchSize, lookupSlackUser: lookup });
          expect(batched).toEqual(alone);
          expect(await outcome(many.store)).toEqual(await outcome(one.store));
          for (const c of cleanups.splice(0)) await c();
        },
      ),
      { numRuns: TEST_PROVIDER === 'postgresql' ? 8 : 15 },
    );
  }, 300_000);
});
