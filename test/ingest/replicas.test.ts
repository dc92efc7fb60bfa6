import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.js';
import { botProcesses, type TBotProcess, waitFor } from '../support/bot-process.js';
import { createMigratedDatabase } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';
import { postEvents } from '../support/webhooks.js';

/**
 * Scale-out on PostgreSQL: two bot processes on one database, webhooks spread over both (some delivered to
 * both, as a CRM retrying through a load balancer does), each process's inbox worker applying. Every event is
 * stored once and applied exactly once, both workers apply, and events about the same deal applied by
 * different processes end in the same state as in one (the newest stage and amount, the whole stage history).
 *
 * Nothing is timed: the waits poll the database for a condition; the deadline is a failure guard only.
 */
const GUARD_MS = 10 * 60_000;
const { startBotProcess, killAll } = botProcesses();
const drops: (() => Promise<void>)[] = [];
afterEach(async () => {
  killAll();
  for (const d of drops.splice(0)) await d();
});

/** A small seeded PRNG (mulberry32), so the spread of events over the processes is the same every run. */
function prng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ACTIVITIES = 3_000;
const DEALS = 40;
const MOVES = 5;
const PER_REQUEST = 25;
const at = (deal: number, move: number) => new Date(Date.UTC(2026, 10, 2, 9, deal, move)).toISOString();

function events(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let n = 0; n < ACTIVITIES; n++)
    out.push({
      id: `act-${n}`,
      type: 'activity.logged',
      activityId: `call-${n}`,
      owner: { email: 'dana@example.com' },
      kind: 'call',
      count: (n % 3) + 1,
      occurredAt: '2026-11-03T10:00:00Z',
    });
  for (let d = 0; d < DEALS; d++)
    for (let m = 1; m <= MOVES; m++)
      out.push({
        id: `deal-${d}-${m}`,
        type: 'deal.upserted',
        dealId: `deal-${d}`,
        title: `Deal ${d}`,
        owner: { email: 'dana@example.com' },
        stage: `Stage ${m}`,
        amount: 1_000 * m + d,
        occurredAt: at(d, m),
      });
  // Shuffled, so moves of one deal arrive out of order and at different processes.
  const random = prng(20261130);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as Record<string, unknown>, out[i] as Record<string, unknown>];
  }
  return out;
}

/** How many events a process's inbox worker applied, from its debug log ("inbox pass applied events"). */
function appliedBy(p: TBotProcess): number {
  let sum = 0;
  for (const line of p.log().split('\n')) {
    if (!line.includes('inbox pass applied events')) continue;
    sum += Number(JSON.parse(line).applied ?? 0);
  }
  return sum;
}

describe.runIf(TEST_PROVIDER === 'postgresql')('two bot processes on one PostgreSQL', () => {
  it(
    'apply every event exactly once, both applying, and agree on each deal',
    async () => {
      const deadline = Date.now() + GUARD_MS;
      const database = await createMigratedDatabase();
      drops.push(database.drop);
      const env = { LOG_LEVEL: 'debug', KPI_TIMEZONE: 'UTC' };
      const [a, b] = await Promise.all([
        startBotProcess(database.url, deadline, env),
        startBotProcess(database.url, deadline, env),
      ]);
      const store = await openStore(database.url);
      try {
        await store.db.rep.create({
          data: { workspace: { connect: { slackTeamId: 'local' } }, name: 'Dana', email: 'dana@example.com' },
        });
        const all = events();
        const requests: { to: TBotProcess[]; body: string }[] = [];
        for (let i = 0; i < all.length; i += PER_REQUEST) {
          const n = i / PER_REQUEST;
          // Every seventh request reaches both processes (a retry through the load balancer); a third of the
          // rest go to the second process only: the spread is uneven, as it is in life.
          const to = n % 7 === 0 ? [a, b] : n % 3 === 0 ? [b] : [a];
          requests.push({ to, body: JSON.stringify({ events: all.slice(i, i + PER_REQUEST) }) });
        }
        // Four senders at once, as a CRM's deliveries arrive.
        let next = 0;
        const sender = async () => {
          for (let r = requests[next++]; r; r = requests[next++])
            for (const p of r.to) expect((await postEvents(p.baseUrl, r.body)).status).toBe(200);
        };
        await Promise.all([sender(), sender(), sender(), sender()]);

        const total = all.length;
        await waitFor(
          'both processes to apply every stored event',
          async () => (await store.db.inboxEvent.count({ where: { appliedAt: null } })) === 0,
          deadline,
          { alive: a },
        );
        await waitFor(
          'the workers to log their last pass',
          async () => appliedBy(a) + appliedBy(b) >= total,
          deadline,
          {
            alive: b,
          },
        );

        // Stored once each (the requests that reached both processes included), none failed.
        expect(await store.db.inboxEvent.count()).toBe(total);
        expect(await store.db.inboxEvent.count({ where: { error: { not: null } } })).toBe(0);
        // Applied exactly once: the workers' own counts add up to the events, and each fact exists once.
        expect(appliedBy(a) + appliedBy(b)).toBe(total);
        expect(appliedBy(a)).toBeGreaterThan(0);
        expect(appliedBy(b)).toBeGreaterThan(0);
        const activities = await store.db.activity.findMany({ select: { externalId: true, count: true } });
        expect(activities.length).toBe(ACTIVITIES);
        expect(new Set(activities.map((x) => x.externalId)).size).toBe(ACTIVITIES);
        const expectedCalls = Array.from({ length: ACTIVITIES }, (_, n) => (n % 3) + 1).reduce(
          (s, c) => s + c,
          0,
        );
        expect(activities.reduce((s, x) => s + x.count, 0)).toBe(expectedCalls);

        // Each deal: the newest move's stage and amount, whichever process applied which move, and its whole
        // stage history once.
        const deals = await store.db.deal.findMany({
          select: { externalId: true, stage: true, amountMinor: true, id: true },
          orderBy: { externalId: 'asc' },
        });
        expect(deals.length).toBe(DEALS);
        for (const deal of deals) {
          const d = Number(deal.externalId.replace('deal-', ''));
          expect(deal.stage, deal.externalId).toBe(`Stage ${MOVES}`);
          expect(Number(deal.amountMinor), deal.externalId).toBe((1_000 * MOVES + d) * 100);
          const history = await store.db.dealStageChange.findMany({
            where: { dealId: deal.id },
            select: { toStage: true, changedAt: true },
            orderBy: { changedAt: 'asc' },
          });
          expect(history.map((h) => h.toStage)).toEqual(
            Array.from({ length: MOVES }, (_, m) => `Stage ${m + 1}`),
          );
        }

        // Hostile: a delivery repeated to both processes after the fact changes nothing.
        const again = JSON.stringify({ events: all.slice(0, PER_REQUEST) });
        expect((await postEvents(a.baseUrl, again)).body.new).toBe(0);
        expect((await postEvents(b.baseUrl, again)).body.new).toBe(0);
        expect(await store.db.inboxEvent.count()).toBe(total);
      } finally {
        await store.close();
      }
    },
    GUARD_MS + 60_000,
  );
});
