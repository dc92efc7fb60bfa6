import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TCanonicalEvent } from '../../src/ingest/events.js';
import { occurrenceOrder } from '../../src/ingest/receipt-checks.js';
import { repMetricsReport } from '../../src/reports/rep-metrics.js';
import { startTestBot } from '../support/bot.js';
import { TEST_PROVIDER } from '../support/env.js';
import { postEvents, WEBHOOK_ENV } from '../support/webhooks.js';

/**
 * Issue 14: the result is a function of the events alone. The same generated events (deals created, moved
 * between stages, won or lost, amounts changed; activities logged and deleted) go through the signed generic
 * webhook into the real bot in several deliveries: one event per request in a random order, all in one request
 * shuffled, shuffled batches, and with duplicates re-sent. Each delivery goes to a workspace of its own (zone
 * Europe/Berlin, with the October DST change and month edges inside the months read); every rep's metrics
 * report (what `kpi metrics --json` prints) for every month must come out identical.
 */

const STAGES = ['Prospecting', 'Qualified', 'Demo', 'Proposal', 'Negotiation'];
const REPS = [
  { name: 'Dana Scott', email: 'dana@example.com' },
  { name: 'Eli Moreno', email: 'eli@example.com' },
];
const MONTHS = ['2026-09', '2026-10', '2026-11', '2026-12'];
/** Events happen from 2026-09-20 in steps of 6 hours (so several fall on one instant), over about 11 weeks. */
const START = Date.parse('2026-09-20T00:00:00Z');
const STEP = 6 * 3_600_000;
const NOW = new Date('2026-12-20T12:00:00Z');

type TEvent = Record<string, unknown> & { id: string };

const arbDeal = (index: number) =>
  fc
    .record({
      rep: fc.integer({ min: 0, max: REPS.length - 1 }),
      created: fc.integer({ min: 0, max: 250 }),
      stage: fc.integer({ min: 0, max: 2 }),
      amount: fc.integer({ min: 1, max: 5_000_000 }),
      moves: fc.array(
        fc.record({ gap: fc.integer({ min: 0, max: 40 }), stage: fc.integer({ min: 0, max: 4 }) }),
        {
          maxLength: 4,
        },
      ),
      reprice: fc.option(
        fc.record({ gap: fc.integer({ min: 0, max: 60 }), amount: fc.integer({ min: 1, max: 5_000_000 }) }),
      ),
      end: fc.option(
        fc.record({
          gap: fc.integer({ min: 0, max: 60 }),
          won: fc.boolean(),
          amount: fc.integer({ min: 1, max: 5_000_000 }),
        }),
      ),
    })
    .map((d): TEvent[] => {
      const at = (step: number) => new Date(START + step * STEP).toISOString();
      const dealId = `deal-${index}`;
      const events: TEvent[] = [
        {
          id: `${dealId}-created`,
          type: 'deal.upserted',
          dealId,
          title: `Deal ${index}`,
          owner: { email: REPS[d.rep]?.email },
          amount: (d.amount / 100).toFixed(2),
          stage: STAGES[d.stage],
          openedAt: at(d.created),
          occurredAt: at(d.created),
        },
      ];
      let t = d.created;
      d.moves.forEach((m, i) => {
        t += m.gap;
        events.push({
          id: `${dealId}-move-${i}`,
          type: 'deal.stage_changed',
          dealId,
          stage: STAGES[m.stage],
          occurredAt: at(t),
        });
      });
      if (d.reprice)
        events.push({
          id: `${dealId}-reprice`,
          type: 'deal.upserted',
          dealId,
          amount: (d.reprice.amount / 100).toFixed(2),
          occurredAt: at(d.created + d.reprice.gap),
        });
      if (d.end) {
        const when = at(t + d.end.gap);
        events.push(
          d.end.won
            ? {
                id: `${dealId}-won`,
                type: 'deal.won',
                dealId,
                amount: (d.end.amount / 100).toFixed(2),
                occurredAt: when,
              }
            : { id: `${dealId}-lost`, type: 'deal.lost', dealId, lostReason: 'price', occurredAt: when },
        );
      }
      return events;
    });

const arbActivity = (index: number) =>
  fc
    .record({
      rep: fc.integer({ min: 0, max: REPS.length - 1 }),
      at: fc.integer({ min: 0, max: 300 }),
      kind: fc.constantFrom('call', 'email', 'meeting', 'linkedin_message'),
      personalized: fc.boolean(),
      deleted: fc.option(fc.integer({ min: 0, max: 20 })),
    })
    .map((a): TEvent[] => {
      const activityId = `act-${index}`;
      const at = new Date(START + a.at * STEP).toISOString();
      const events: TEvent[] = [
        {
          id: `${activityId}-logged`,
          type: 'activity.logged',
          activityId,
          owner: { email: REPS[a.rep]?.email },
          kind: a.kind,
          personalized: a.personalized,
          at,
          occurredAt: at,
        },
      ];
      if (a.deleted !== null)
        events.push({
          id: `${activityId}-deleted`,
          type: 'activity.deleted',
          activityId,
          occurredAt: new Date(START + (a.at + a.deleted) * STEP).toISOString(),
        });
      return events;
    });

const arbEvents = fc
  .tuple(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 0, max: 6 }))
  .chain(([deals, activities]) =>
    fc.tuple(
      fc.tuple(...Array.from({ length: deals }, (_, i) => arbDeal(i))),
      activities
        ? fc.tuple(...Array.from({ length: activities }, (_, i) => arbActivity(i)))
        : fc.constant([]),
    ),
  )
  .map(([d, a]) => [...d.flat(), ...(a as TEvent[][]).flat()]);

/** How the events are delivered: a list of requests, each a list of events. */
const arbDeliveries = (events: TEvent[]) =>
  fc.record({
    onePerRequest: fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
    oneRequest: fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
    batches: fc
      .tuple(
        fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: events.length, maxLength: events.length }),
      )
      .map(([order, sizes]) => {
        const out: TEvent[][] = [];
        for (let i = 0, k = 0; i < order.length; k += 1) {
          const n = sizes[k] ?? 1;
          out.push(order.slice(i, i + n));
          i += n;
        }
        return out;
      }),
    duplicates: fc.array(fc.integer({ min: 0, max: Math.max(0, events.length - 1) }), { maxLength: 6 }),
  });

let t: Awaited<ReturnType<typeof startTestBot>>;
let workspaceNo = 0;

beforeAll(async () => {
  t = await startTestBot({ env: WEBHOOK_ENV });
});
afterAll(async () => {
  await t?.close();
});

/** Delivers requests into a new workspace, waits until every event is applied, and returns every report. */
async function deliver(requests: TEvent[][]): Promise<string> {
  workspaceNo += 1;
  const teamId = `T0ORDER${workspaceNo}`;
  const db = t.bot.store.db;
  const workspace = await db.workspace.create({ data: { slackTeamId: teamId, timezone: 'Europe/Berlin' } });
  const reps = [];
  for (const r of REPS) reps.push(await db.rep.create({ data: { workspaceId: workspace.id, ...r } }));
  for (const events of requests) {
    const res = await postEvents(t.baseUrl, JSON.stringify({ events }), { query: `?workspace=${teamId}` });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }
  await t.bot.inbox.idle();
  const problems = await db.inboxEvent.findMany({
    where: { workspaceId: workspace.id, appliedAt: null },
    select: { dedupeKey: true, error: true },
  });
  expect(problems).toEqual([]);
  const reports: Record<string, unknown> = {};
  for (const rep of reps)
    for (const month of MONTHS) {
      const report = await repMetricsReport(db, workspace, rep, month, NOW);
      // The rep's row id differs per workspace; everything else must not.
      reports[`${rep.name} ${month}`] = { ...report, rep: rep.name };
    }
  return JSON.stringify(reports);
}

describe(`any arrival order gives the same metrics (${TEST_PROVIDER})`, () => {
  it('one per request, one request, shuffled batches and duplicates agree for every rep and month', async () => {
    let conversions = 0;
    await fc.assert(
      fc.asyncProperty(
        arbEvents.chain((events) => fc.tuple(fc.constant(events), arbDeliveries(events))),
        async ([events, d]) => {
          const inOrder = await deliver([events]);
          expect(await deliver(d.onePerRequest.map((e) => [e]))).toBe(inOrder);
          expect(await deliver([d.oneRequest])).toBe(inOrder);
          const resent = d.duplicates.map((i) => [events[i] as TEvent]);
          expect(await deliver([...d.batches, ...resent, ...d.batches.slice(0, 1)])).toBe(inOrder);
          if (inOrder.includes('went further') || /"funnel\.stage_conversion":\{[^}]*\d/.test(inOrder))
            conversions += 1;
        },
      ),
      { numRuns: TEST_PROVIDER === 'postgresql' ? 12 : 20 },
    );
    // The generated data exercises the funnel: some runs have stage conversions to compare.
    expect(conversions).toBeGreaterThan(0);
  }, 600_000);
});

describe('a request is stored and applied in the order its events happened', () => {
  it('occurrenceOrder: by earliest occurredAt, ties and untimed items in request order', () => {
    const ev = (occurredAt?: string): TCanonicalEvent[] =>
      occurredAt === undefined
        ? [{ type: 'deal.deleted', dealId: 'x' } as TCanonicalEvent]
        : [{ type: 'deal.deleted', dealId: 'x', occurredAt } as TCanonicalEvent];
    expect(
      occurrenceOrder(
        [
          ev('2026-11-03T00:00:00Z'),
          ev(),
          ev('2026-11-01T00:00:00Z'),
          ev('2026-11-03T00:00:00Z'),
          ev('2026-11-02'),
        ],
        'Europe/Berlin',
      ),
    ).toEqual([2, 4, 0, 3, 1]);
    fc.assert(
      fc.property(fc.array(fc.option(fc.integer({ min: 0, max: 5 })), { maxLength: 30 }), (times) => {
        const order = occurrenceOrder(
          times.map((t) => (t === null ? ev() : ev(new Date(Date.UTC(2026, 0, 1 + t)).toISOString()))),
          'UTC',
        );
        expect([...order].sort((a, b) => a - b)).toEqual(times.map((_, i) => i));
        const key = (i: number) => times[i] ?? Number.POSITIVE_INFINITY;
        for (let k = 1; k < order.length; k++) {
          const a = order[k - 1] as number;
          const b = order[k] as number;
          expect(key(a) < key(b) || (key(a) === key(b) && a < b)).toBe(true);
        }
      }),
    );
  });

  it("the inbox holds a request's events in occurredAt order, so the worker applies them so", async () => {
    const teamId = 'T0ORDERROWS';
    await t.bot.store.db.workspace.create({ data: { slackTeamId: teamId, timezone: 'Europe/Berlin' } });
    const at = (day: number) => `2026-11-${String(day).padStart(2, '0')}T09:00:00Z`;
    const events = [
      { id: 'late', type: 'deal.stage_changed', dealId: 'd', stage: 'Proposal', occurredAt: at(9) },
      { id: 'untimed', type: 'deal.upserted', dealId: 'd', title: 'No time' },
      { id: 'first', type: 'deal.upserted', dealId: 'd', stage: 'Prospecting', occurredAt: at(1) },
      { id: 'middle', type: 'deal.stage_changed', dealId: 'd', stage: 'Demo', occurredAt: at(5) },
    ];
    const res = await postEvents(t.baseUrl, JSON.stringify({ events }), { query: `?workspace=${teamId}` });
    expect(res.status).toBe(200);
    const rows = await t.bot.store.db.inboxEvent.findMany({
      where: { workspace: { slackTeamId: teamId } },
      orderBy: [{ receivedAt: 'asc' }, { id: 'asc' }],
      select: { dedupeKey: true },
    });
    expect(rows.map((r) => r.dedupeKey.split(':').pop())).toEqual(['first', 'middle', 'late', 'untimed']);
  });
});
