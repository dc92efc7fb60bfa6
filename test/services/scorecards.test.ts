import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import type { TActor, TServiceContext } from '../../src/services/context.js';
import { isServiceError } from '../../src/services/errors.js';
import { dashboard, rankReps, scorecard, teamScorecard } from '../../src/services/scorecards.js';
import type { TStore } from '../../src/store/store.js';
import type { Rep, Workspace } from '../../src/store/types.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';

/** Who may see whose numbers, enforced by the services whatever the transport. */
let store: TStore;
let cleanup: () => Promise<void>;
let ws: Workspace;
let mona: Rep;
let dana: Rep;
let eve: Rep;
const as = (rep: Rep, extra: Partial<TActor> = {}): TActor => ({
  repId: rep.id,
  slackUserId: rep.slackUserId ?? undefined,
  name: rep.name,
  ...extra,
});

beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
  ws = await store.db.workspace.create({ data: { slackTeamId: 'T0SC', timezone: 'UTC' } });
  mona = await store.db.rep.create({
    data: { workspaceId: ws.id, name: 'Mona Manager', slackUserId: 'U0MONA' },
  });
  dana = await store.db.rep.create({
    data: { workspaceId: ws.id, name: 'Dana Scott', slackUserId: 'U0DANA', managerId: mona.id },
  });
  eve = await store.db.rep.create({ data: { workspaceId: ws.id, name: 'Eve Other', slackUserId: 'U0EVE' } });
});
afterAll(async () => {
  await cleanup();
});

const ctx = (actor: TActor): TServiceContext => ({
  workspace: ws,
  actor,
  now: new Date('2026-11-30T12:00:00Z'),
  store,
  logger: createLogger('silent'),
});

async function codeOf(work: Promise<unknown>): Promise<string> {
  const e = await work.then(
    () => null,
    (error: unknown) => error,
  );
  if (!isServiceError(e)) throw new Error(`expected a ServiceError, got ${String(e)}`);
  return `${e.code}${e.field ? `:${e.field}` : ''}`;
}

describe(`scorecard services (${TEST_PROVIDER})`, () => {
  it("a rep sees their own scorecard; their manager sees theirs; nobody else's without being admin", async () => {
    expect((await scorecard(ctx(as(dana)), {})).rep.name).toBe('Dana Scott');
    expect((await scorecard(ctx(as(mona)), { who: '<@U0DANA>' })).rep.name).toBe('Dana Scott');
    expect(await codeOf(scorecard(ctx(as(eve)), { who: '<@U0DANA>' }))).toBe('forbidden');
    expect((await scorecard(ctx(as(eve, { workspaceAdmin: true })), { who: 'Dana Scott' })).rep.name).toBe(
      'Dana Scott',
    );
    expect(await codeOf(scorecard(ctx(as(mona)), { who: '<@U0NOBODY|ghost>' }))).toBe('not_found:who');
    expect(await codeOf(scorecard(ctx({ slackUserId: 'U0NEW', name: 'New' }), {}))).toBe('not_found');
  });

  it('team views: a manager their own team, nobody else another manager’s, an admin everyone', async () => {
    const team = await teamScorecard(ctx(as(mona)), { period: 'this month' });
    expect(team.team.reps.map((r) => r.name)).toEqual(['Dana Scott']);
    expect(await codeOf(teamScorecard(ctx(as(dana)), {}))).toBe('forbidden');
    expect(await codeOf(teamScorecard(ctx(as(eve)), { manager: '<@U0MONA>' }))).toBe('forbidden');
    const everyone = await teamScorecard(ctx(as(eve, { workspaceAdmin: true })), {});
    expect(everyone.team.reps.map((r) => r.name).sort()).toEqual(['Dana Scott', 'Eve Other', 'Mona Manager']);
  });

  it('anyone may rank everyone; a bad metric is refused', async () => {
    const board = await rankReps(ctx(as(eve)), { top: 2 });
    expect(board.metric).toBe('sales.won_total');
    expect(board.rows.length).toBeLessThanOrEqual(2);
    await expect(rankReps(ctx(as(eve)), { metric: 'nonsense.metric' })).rejects.toThrow(
      /not a metric|unknown/i,
    );
  });

  it('the App Home dashboard: own scorecard, the team only for someone with reports, admin from any source', async () => {
    const manager = await dashboard(ctx(as(mona)));
    expect(manager.own?.rep.name).toBe('Mona Manager');
    expect(manager.team?.team.reps.map((r) => r.name)).toEqual(['Dana Scott']);
    expect(manager.admin).toBe(false);
    const rep = await dashboard(ctx(as(dana)));
    expect([rep.own?.rep.name, rep.team, rep.admin]).toEqual(['Dana Scott', null, false]);
    // A Slack admin who is no rep: admin tools, no numbers. A stranger (or a forged rep id of another
    // workspace): nothing at all, never someone else's numbers.
    expect(await dashboard(ctx({ slackUserId: 'U0BOSS', name: 'Boss', workspaceAdmin: true }))).toEqual({
      own: null,
      team: null,
      admin: true,
    });
    const other = await store.db.workspace.create({ data: { slackTeamId: 'T0SC2', timezone: 'UTC' } });
    const elsewhere = await store.db.rep.create({ data: { workspaceId: other.id, name: 'Far Away' } });
    expect(await dashboard(ctx({ repId: elsewhere.id, name: 'Far Away' }))).toEqual({
      own: null,
      team: null,
      admin: false,
    });
  });
});
