import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import type { TActor, TServiceContext } from '../../src/services/context.js';
import { logActivity, logLinkedin, logPost, recordQuiz } from '../../src/services/log.js';
import { setTarget } from '../../src/services/targets.js';
import type { TStore } from '../../src/store/store.js';
import type { Workspace } from '../../src/store/types.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';
import { refusal } from '../support/refusal.js';

/**
 * The services on their own, as every transport calls them: typed input in, a plain result out, and a refusal
 * as a ServiceError that names the input field it concerns (a form shows it there; a command adds its usage).
 */
let store: TStore;
let cleanup: () => Promise<void>;
let ws: Workspace;
let dana: TActor;
let admin: TActor;
// 11:00 in Tokyo on Monday 10 July 2017 (02:00 UTC): the local date is a day ahead of nothing in UTC.
const now = new Date('2017-07-10T02:00:00Z');

beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
  ws = await store.db.workspace.create({
    data: { slackTeamId: 'T0SVC', timezone: 'Asia/Tokyo', currency: 'JPY' },
  });
  const rep = await store.db.rep.create({
    data: { workspaceId: ws.id, name: 'Dana Scott', slackUserId: 'U0DANA' },
  });
  const boss = await store.db.rep.create({
    data: { workspaceId: ws.id, name: 'Ann Admin', slackUserId: 'U0ADMIN', role: 'admin' },
  });
  dana = { repId: rep.id, slackUserId: 'U0DANA', name: 'Dana Scott' };
  admin = { repId: boss.id, slackUserId: 'U0ADMIN', name: 'Ann Admin' };
});
afterAll(async () => {
  await cleanup();
});

const ctx = (actor: TActor = dana): TServiceContext => ({
  workspace: ws,
  actor,
  now,
  store,
  logger: createLogger('silent'),
});

describe(`services (${TEST_PROVIDER})`, () => {
  it('logActivity: a plain result, today in the workspace zone by default', async () => {
    expect(await logActivity(ctx(), { kind: 'call', count: 2, personalized: true })).toEqual({
      kind: 'call',
      count: 2,
      personalized: true,
      date: '2017-07-10',
    });
    expect(await logActivity(ctx(), { kind: 'email', count: 1, date: '2017-07-09' })).toMatchObject({
      personalized: null,
      date: '2017-07-09',
    });
  });

  it('logActivity refuses with the field at fault', async () => {
    const cases: [unknown, string, RegExp][] = [
      [{ kind: 'fax', count: 1 }, 'kind', /calls, emails or meetings/],
      [{ kind: 'call', count: 0 }, 'count', /whole number from 1 to 10,000, got 0/],
      [{ kind: 'call', count: 2.5 }, 'count', /whole number/],
      [{ kind: 'call', count: 1, date: '2017-07-11' }, 'date', /in the future/],
      [{ kind: 'call', count: 1, date: '2017-02-30' }, 'date', /not a valid date/],
      [{ kind: 'call', count: 1, date: '1969-12-31' }, 'date', /before 1970/],
    ];
    for (const [input, field, message] of cases) {
      const e = await refusal(logActivity(ctx(), input as never));
      expect([e.code, e.field], JSON.stringify(input)).toEqual(['bad_request', field]);
      expect(e.message).toMatch(message);
    }
  });

  it('someone who is not a rep is told so, whatever they log', async () => {
    const stranger: TActor = { slackUserId: 'U0NEW', name: 'New Person' };
    const e = await refusal(logActivity(ctx(stranger), { kind: 'call', count: 1 }));
    expect(e.code).toBe('not_found');
    expect(e.message).toMatch(/not set up as a rep/);
  });

  it('logLinkedin, logPost and recordQuiz return what they recorded', async () => {
    expect(await logLinkedin(ctx(), { values: [{ metric: 'followers', value: 812 }] })).toEqual({
      values: [{ metric: 'followers', value: 812 }],
    });
    expect(await logPost(ctx(), { network: 'LinkedIn', likes: 3 })).toEqual({
      network: 'linkedin',
      shares: 0,
      comments: 0,
      likes: 3,
    });
    expect(await recordQuiz(ctx(), { course: '  The "Pro"   course ', score: 42, maxScore: 50 })).toEqual({
      course: 'The "Pro" course',
      score: 42,
      maxScore: 50,
    });
    expect((await refusal(logLinkedin(ctx(), { values: [] }))).field).toBe('values');
    expect((await refusal(recordQuiz(ctx(), { course: 'X', score: 51, maxScore: 50 }))).field).toBe('score');
    expect((await refusal(recordQuiz(ctx(), { course: ' ', score: 1 }))).field).toBe('course');
    expect((await refusal(logPost(ctx(), { network: 'no spaces allowed' }))).field).toBe('network');
  });

  it('setTarget: admins only; money exact in the currency (JPY has no decimals); fields named', async () => {
    const forbidden = await refusal(
      setTarget(ctx(dana), { scope: 'workspace', metricId: 'sales.won_total', amount: '5000' }),
    );
    expect(forbidden.code).toBe('forbidden');
    const set = await setTarget(ctx(admin), {
      scope: 'rep',
      who: '<@U0DANA>',
      metricId: 'sales.won_total',
      amount: '1.5m',
      period: 'quarter',
    });
    expect(set).toMatchObject({
      scope: 'rep',
      who: { name: 'Dana Scott' },
      amount: 1_500_000,
      period: 'quarter',
    });
    expect(set.from.label).toMatch(/2017/);
    const stored = await store.db.target.findFirstOrThrow({ where: { workspaceId: ws.id } });
    expect(stored.amount).toBe(1_500_000n);
    const cases: [Parameters<typeof setTarget>[1], string, RegExp][] = [
      [{ scope: 'rep', metricId: 'sales.won_total', amount: '5' }, 'who', /Choose the rep/],
      [
        { scope: 'team', who: '@nobody', metricId: 'sales.won_total', amount: '5' },
        'who',
        /do not know @nobody/,
      ],
      [
        { scope: 'workspace', metricId: 'sales.won_totl', amount: '5' },
        'metricId',
        /did you mean sales\.won_total/,
      ],
      [
        { scope: 'workspace', metricId: 'sales.won_total', amount: '12.5' },
        'amount',
        /JPY has 0 decimal places/,
      ],
      [{ scope: 'workspace', metricId: 'sales.won_total', amount: '-3' }, 'amount', /positive number/],
      [
        { scope: 'workspace', metricId: 'sales.won_total', amount: '5', period: 'decade' as never },
        'period',
        /weekly/,
      ],
    ];
    for (const [input, field, message] of cases) {
      const e = await refusal(setTarget(ctx(admin), input));
      expect([e.code, e.field], JSON.stringify(input)).toEqual(['bad_request', field]);
      expect(e.message).toMatch(message);
    }
  });

  it('any input at all gets a result or a refusal with a message, never an internal error', async () => {
    const anything = fc.oneof(
      fc.anything(),
      fc.record(
        {
          kind: fc.oneof(fc.constantFrom('call', 'email', 'meeting'), fc.string()),
          count: fc.oneof(fc.integer({ min: -5, max: 20_000 }), fc.double(), fc.string()),
          personalized: fc.oneof(fc.boolean(), fc.constant(null), fc.string()),
          date: fc.oneof(fc.constant(undefined), fc.string(), fc.constantFrom('2017-07-10', '0000-00-00')),
        },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(anything, async (input) => {
        const outcome = await logActivity(ctx(), input as never).then(
          (r) => ({ ok: r }),
          (e: unknown) => ({ error: e }),
        );
        if ('error' in outcome) {
          expect(isAppError(outcome.error), String(outcome.error)).toBe(true);
          expect((outcome.error as Error).message.length).toBeGreaterThan(0);
        } else {
          expect(outcome.ok.count).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 60 },
    );
  });
});
