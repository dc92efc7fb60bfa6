import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type TStore } from '../../src/store/store.js';
import { botProcesses, type TBotProcess, waitFor } from '../support/bot-process.js';
import { createMigratedDatabase } from '../support/db.js';
import { postEvents } from '../support/webhooks.js';

/**
 * The inbox's promise, tested with a real process and a real database: an acknowledged event survives
 * SIGKILL at any moment and is applied exactly once after a restart.
 *
 * Nothing here is timed. Every kill happens on a condition (so many requests acknowledged, so many events
 * applied), every wait polls the database for a condition, and the only clocks are failure guards: deadlines
 * of minutes that end a stuck test with a message instead of deciding whether it passes. Each `kpi start` costs
 * seconds of CPU through node + tsx, many more on a loaded 2-core machine; the guards are sized for that.
 */
/** Failure guard of a whole test (its deadline); vitest's own time-out is a little longer. */
const GUARD_MS = 10 * 60_000;
const TEST_TIMEOUT_MS = GUARD_MS + 60_000;

const { startBotProcess, killAll } = botProcesses();
const drops: (() => Promise<void>)[] = [];
afterEach(async () => {
  killAll();
  for (const d of drops.splice(0)) await d();
});

async function killHard(p: TBotProcess) {
  p.child.kill('SIGKILL');
  await p.exited;
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

/** The event numbers stored in the inbox (the dedupe key ends with the event's id). */
async function storedEventIds(store: TStore): Promise<Set<string>> {
  const rows = await store.db.inboxEvent.findMany({ select: { dedupeKey: true } });
  return new Set(rows.map((r) => r.dedupeKey.split(':').pop() ?? ''));
}

/** Events acknowledged before the receive-only process is killed; the kill comes while requests are in flight. */
const ACKED_BEFORE_KILL = 3_000;
const SENDERS = 3;
const BATCH = 50;

/**
 * A burst at a receive-only process (it stores and acknowledges, it never applies), killed with SIGKILL as
 * soon as ACKED_BEFORE_KILL events are acknowledged: the other senders' requests are then in flight (received,
 * being stored, or answered but not yet read), so the kill lands in the middle of the receiver's work.
 */
async function burstUntilKilled(databaseUrl: string, deadline: number, next: { n: number }) {
  const receiver = await startBotProcess(databaseUrl, deadline, { KPI_INBOX_WORKER: 'off' });
  const acked: number[] = [];
  const refused: number[] = [];
  let inFlight = 0;
  let inFlightAtKill: number | null = null;
  const sender = async () => {
    while (inFlightAtKill === null && Date.now() < deadline) {
      const batch = Array.from({ length: BATCH }, () => next.n++);
      inFlight += 1;
      let status: number;
      try {
        status = (await postEvents(receiver.baseUrl, JSON.stringify({ events: batch.map(call) }))).status;
      } catch {
        // Not acknowledged: it may or may not have been stored. Once the process is gone, this sender is done;
        // before that (a connection closed under it), it sends on, as a CRM would.
        if (inFlightAtKill !== null || receiver.child.exitCode !== null || receiver.child.signalCode !== null)
          return;
        continue;
      } finally {
        inFlight -= 1;
      }
      if (status === 200) acked.push(...batch);
      else refused.push(status); // not acknowledged: a CRM sends it again later
      if (acked.length >= ACKED_BEFORE_KILL && inFlightAtKill === null) {
        inFlightAtKill = inFlight;
        receiver.child.kill('SIGKILL');
      }
    }
  };
  await Promise.all(Array.from({ length: SENDERS }, sender));
  if (inFlightAtKill === null) {
    receiver.child.kill('SIGKILL');
    throw new Error(
      `${acked.length} events acknowledged when the senders stopped (refused: ${refused.join(', ') || 'none'}): ${receiver.log()}`,
    );
  }
  await receiver.exited;
  return { acked, refused, inFlightAtKill };
}

describe('a killed process loses no acknowledged event and applies none twice', () => {
  it(
    'events stored but not yet applied when the process is killed are applied after a restart',
    async () => {
      const deadline = Date.now() + GUARD_MS;
      const database = await createMigratedDatabase();
      drops.push(database.drop);
      // A receive-only process: it stores and acknowledges, it never applies.
      const first = await startBotProcess(database.url, deadline, { KPI_INBOX_WORKER: 'off' });
      for (let i = 0; i < 20; i++)
        expect((await postEvents(first.baseUrl, JSON.stringify(call(i)))).status).toBe(200);
      await killHard(first);

      const store = await openStore(database.url);
      try {
        expect(await store.db.inboxEvent.count({ where: { appliedAt: null } })).toBe(20);
        await store.db.rep.create({
          data: { workspace: { connect: { slackTeamId: 'local' } }, name: 'Dana', email: 'dana@example.com' },
        });
        const second = await startBotProcess(database.url, deadline);
        await waitFor(
          'the restarted process to apply the 20 stored events',
          async () => (await store.db.inboxEvent.count({ where: { appliedAt: null } })) === 0,
          deadline,
          { alive: second },
        );
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
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a kill in the middle of applying a backlog leaves every acknowledged event applied exactly once',
    async () => {
      const deadline = Date.now() + GUARD_MS;
      const database = await createMigratedDatabase();
      drops.push(database.drop);
      const store = await openStore(database.url);
      const appliedCount = () => store.db.inboxEvent.count({ where: { appliedAt: { not: null } } });
      const pendingCount = () => store.db.inboxEvent.count({ where: { appliedAt: null } });
      const factCount = () => store.db.activity.count();
      try {
        const next = { n: 0 };
        const acked: number[] = [];
        let killedMidBacklog = false;
        // A round: a burst acknowledged by a receive-only process killed while clients still send, then
        // processes that apply, each killed once it has applied part of the backlog. A round whose appliers
        // got through the whole backlog before the last kill landed proves nothing about a kill in the middle,
        // so another round (a new burst, new kills) follows; in practice the first round does it.
        for (let round = 1; !killedMidBacklog; round++) {
          if (Date.now() > deadline)
            throw new Error(`no kill landed in the middle of a backlog in ${round} rounds`);
          const burst = await burstUntilKilled(database.url, deadline, next);
          expect(burst.acked.length).toBeGreaterThanOrEqual(ACKED_BEFORE_KILL);
          expect(burst.inFlightAtKill).toBeGreaterThan(0);
          acked.push(...burst.acked);
          // Every acknowledged event survived the kill.
          const stored = await storedEventIds(store);
          expect(burst.acked.filter((i) => !stored.has(`evt-${i}`))).toEqual([]);

          // Two appliers, each killed once it has applied 100 more events: one when 100 more events are
          // marked applied, one when 100 more facts exist. Marks and facts are committed together, so either
          // count would do; the two kill points catch an applier that commits one before the other, whichever
          // it is, right after the first of the two commits (a fact without its mark, or a mark without its fact).
          for (const [progress, count] of [
            ['events marked applied', appliedCount],
            ['facts', factCount],
          ] as const) {
            if ((await pendingCount()) === 0) break;
            const before = await count();
            const applier = await startBotProcess(database.url, deadline);
            await waitFor(
              `the applier to apply 100 more events (${progress})`,
              async () => (await count()) >= before + 100 || (await pendingCount()) === 0,
              deadline,
              { pollMs: 10, alive: applier },
            );
            await killHard(applier);
            // Every event marked applied has its fact, and no fact exists without its event being marked.
            expect(await factCount(), `killed after 100 more ${progress}`).toBe(await appliedCount());
          }
          // Pending events after the last kill: every kill of the round landed in the middle of the backlog.
          killedMidBacklog = (await pendingCount()) > 0;
        }

        // ...and a restart finishes the job.
        const last = await startBotProcess(database.url, deadline);
        await waitFor(
          'every stored event to be applied',
          async () => (await pendingCount()) === 0,
          deadline,
          { alive: last },
        );
        const rows = await store.db.inboxEvent.findMany({ select: { dedupeKey: true, error: true } });
        const stored = new Set(rows.map((r) => r.dedupeKey.split(':').pop()));
        expect(acked.filter((i) => !stored.has(`evt-${i}`))).toEqual([]);
        expect(rows.filter((r) => r.error !== null)).toEqual([]);
        const activities = await store.db.activity.findMany({ select: { externalId: true, count: true } });
        expect(new Set(activities.map((a) => a.externalId)).size).toBe(activities.length);
        expect(activities.length).toBe(rows.length);
        expect(activities.every((a) => a.count === 2)).toBe(true);
      } finally {
        await store.close();
      }
    },
    TEST_TIMEOUT_MS,
  );
});
