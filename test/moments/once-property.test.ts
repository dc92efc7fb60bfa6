import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STALE_CLAIM_MS } from '../../src/jobs/ledger.js';
import { inQuietHours } from '../../src/jobs/schedule.js';
import { createLogger } from '../../src/logger.js';
import { runMoments } from '../../src/moments/task.js';
import { CELEBRATION_WINDOW_MS, FUTURE_SKEW_MS } from '../../src/moments/types.js';
import type { TStore } from '../../src/store/store.js';
import type { Workspace } from '../../src/store/types.js';
import type { TMessage } from '../../src/views/types.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';

/**
 * Exactly once, as a property (both stores): whatever the order of wins arriving (live or from a file, recent or
 * old), minutes passing, Slack refusing a post and two processes running the same minute together, every win
 * that was recent when a minute looked is posted in exactly one message, and no other win ever is.
 */

let store: TStore;
let cleanup: () => Promise<void>;
let ws: Workspace;
let repId: string;
const logger = createLogger('silent');
const rules = {
  inQuietHours,
  defaultQuietHours: { start: '20:00', end: '08:00' },
  staleClaimMs: STALE_CLAIM_MS,
};
const START = new Date('2026-11-20T09:00:00Z').getTime();

beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
  ws = await store.db.workspace.create({
    data: {
      slackTeamId: 'T0PROP',
      timezone: 'UTC',
      settings: JSON.stringify({ celebrationsChannel: 'C0WINS', quietHours: null }),
    },
  });
  repId = (
    await store.db.rep.create({ data: { workspaceId: ws.id, name: 'Dana Scott', slackUserId: 'U0DANA' } })
  ).id;
});
afterAll(async () => {
  await cleanup();
});

type TAction =
  | { kind: 'win'; live: boolean; ageMinutes: number }
  | { kind: 'tick'; minutes: number; pair: boolean }
  | { kind: 'refuse' };

const action: fc.Arbitrary<TAction> = fc.oneof(
  fc.record({
    kind: fc.constant('win' as const),
    live: fc.boolean(),
    ageMinutes: fc.integer({ min: -10, max: 240 }),
  }),
  fc.record({
    kind: fc.constant('tick' as const),
    minutes: fc.integer({ min: 0, max: 90 }),
    pair: fc.boolean(),
  }),
  fc.constant({ kind: 'refuse' as const }),
);

describe(`celebrations exactly once (${TEST_PROVIDER})`, () => {
  it('every win recent at some minute is posted once; no other win ever', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 14 }), async (actions) => {
        await store.db.moment.deleteMany({ where: { workspaceId: ws.id } });
        await store.db.deal.deleteMany({ where: { workspaceId: ws.id } });
        let now = START;
        let refusals = 0;
        let refused = 0;
        const posted: string[] = [];
        const outbox = {
          async post(_channel: string, message: TMessage) {
            if (refusals > 0) {
              refusals--;
              throw Object.assign(new Error('Slack refused the post: not_in_channel'), { delivered: 'no' });
            }
            posted.push(...(message.terminal.match(/Deal w\d+/g) ?? []));
            return {};
          },
          async dm() {
            return {};
          },
        };
        const deals: { title: string; live: boolean; closedAt: number }[] = [];
        /** The model: which wins a minute at `t` finds recent (live ones only), once each. */
        const expected = new Set<string>();
        const look = (t: number) => {
          for (const d of deals)
            if (d.live && d.closedAt >= t - CELEBRATION_WINDOW_MS && d.closedAt <= t + FUTURE_SKEW_MS)
              expected.add(d.title);
        };
        const tick = async (pair: boolean) => {
          const run = (by: string) =>
            runMoments(
              {
                db: store.db,
                logger,
                workspace: ws,
                now: new Date(now),
                outbox,
                by,
              },
              rules,
            );
          look(now);
          await (pair ? Promise.all([run('a'), run('b')]) : run('a'));
        };
        let n = 0;
        for (const a of actions) {
          if (a.kind === 'win') {
            const title = `Deal w${++n}`;
            const closedAt = now - a.ageMinutes * 60_000;
            deals.push({ title, live: a.live, closedAt });
            await store.db.deal.create({
              data: {
                workspaceId: ws.id,
                repId,
                source: a.live ? 'hubspot' : 'csv',
                externalId: title,
                title,
                stage: 'won',
                status: 'won',
                amountMinor: 100_000n,
                closedAt: new Date(closedAt),
              },
            });
          } else if (a.kind === 'refuse') {
            // Twice at most: a third refusal of the same rows would end them as failed (MAX_ATTEMPTS).
            if (refused < 2) refusals = 1;
            refused++;
          } else {
            now += a.minutes * 60_000;
            await tick(a.pair);
          }
        }
        // Minutes go by with Slack answering: everything recorded goes out.
        refusals = 0;
        for (let i = 0; i < 6; i++) {
          now += 60_000;
          await tick(false);
        }
        expect([...posted].sort()).toEqual([...expected].sort());
      }),
      { numRuns: 40 },
    );
  });
});

describe(`milestones once, highest only (${TEST_PROVIDER})`, () => {
  it('whatever the steps toward the target, each threshold once; several at once: only the highest is sent', async () => {
    const rep = await store.db.rep.create({
      data: { workspaceId: ws.id, name: 'Mo Milestone', slackUserId: 'U0MO' },
    });
    await store.db.target.create({
      data: {
        workspaceId: ws.id,
        scope: 'rep',
        repId: rep.id,
        metricId: 'sales.won_total',
        periodKind: 'month',
        amount: 1_000_000n,
        effectiveFrom: new Date('2026-01-01T00:00:00Z'),
      },
    });
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 0, max: 8_000 }), { minLength: 1, maxLength: 8 }),
          async (steps) => {
            await store.db.moment.deleteMany({ where: { workspaceId: ws.id } });
            await store.db.deal.deleteMany({ where: { workspaceId: ws.id } });
            const sent: string[] = [];
            const outbox = {
              async post(_c: string, m: TMessage) {
                sent.push(...(m.terminal.match(/reached 100%/g) ?? []).map(() => '100'));
                return {};
              },
              async dm(_u: string, m: TMessage) {
                sent.push(...(m.terminal.match(/passed (\d+)%/g) ?? []).map((x) => x.replace(/\D/g, '')));
                return {};
              },
            };
            let now = START;
            let total = 0;
            const expected: string[] = [];
            const done = new Set<number>();
            for (const [i, dollars] of steps.entries()) {
              total += dollars;
              await store.db.deal.create({
                data: {
                  workspaceId: ws.id,
                  repId: rep.id,
                  source: 'csv',
                  externalId: `s${i}`,
                  stage: 'won',
                  status: 'won',
                  amountMinor: BigInt(dollars * 100),
                  closedAt: new Date(START - 3_600_000),
                },
              });
              const crossed = [50, 90, 100].filter((p) => total * 100 >= p * 10_000 && !done.has(p));
              for (const p of crossed) done.add(p);
              if (crossed.length) expected.push(String(crossed[crossed.length - 1]));
              for (let k = 0; k < 2; k++) {
                now += 60_000;
                await runMoments(
                  { db: store.db, logger, workspace: ws, now: new Date(now), outbox, by: 'p' },
                  rules,
                );
              }
            }
            expect(sent).toEqual(expected);
            const rows = await store.db.moment.findMany({ where: { workspaceId: ws.id, repId: rep.id } });
            expect(rows.map((r) => r.key).sort()).toEqual(
              [...done].map((p) => `milestone:${rep.id}:sales.won_total:2026-11:${p}`).sort(),
            );
          },
        ),
        { numRuns: 30 },
      );
    } finally {
      await store.db.rep.update({ where: { id: rep.id }, data: { active: false } });
    }
  });
});
