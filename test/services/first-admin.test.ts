import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import type { TServiceContext } from '../../src/services/context.js';
import { changeSetting } from '../../src/services/settings.js';
import type { TStore } from '../../src/store/store.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';
import { refusal } from '../support/refusal.js';
import { seedWorkspace } from '../support/seed.js';

/** A refusal for want of an admin says how to get one when nobody is (a new user was stuck there). */
let store: TStore;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
});
afterAll(async () => {
  await cleanup();
});

const ctxOf = async (team: string, name: string): Promise<TServiceContext> => {
  const workspace = await store.db.workspace.findUniqueOrThrow({ where: { slackTeamId: team } });
  const rep = await store.db.rep.findFirstOrThrow({ where: { workspaceId: workspace.id, name } });
  return {
    workspace,
    actor: { repId: rep.id, name },
    now: new Date(),
    store,
    logger: createLogger('silent'),
  };
};

describe(`refusals for want of an admin (${TEST_PROVIDER})`, () => {
  it('with no admin at all, says how the operator makes one; with one, to ask them', async () => {
    await seedWorkspace(store.db, { team: 'T0NOADM', reps: [{ name: 'Ada Byrne' }, { name: 'Ben Okafor' }] });
    const none = await refusal(
      changeSetting(await ctxOf('T0NOADM', 'Ada Byrne'), { key: 'week-start', value: 'sunday' }),
    );
    expect(none.code).toBe('forbidden');
    expect(none.message).toMatch(/this workspace has none named yet/);
    expect(none.message).toContain('`kpi import reps <file.csv>`');

    await seedWorkspace(store.db, {
      team: 'T0ADM',
      reps: [{ name: 'Ada Byrne' }, { name: 'Priya Natarajan', role: 'admin' }],
    });
    const some = await refusal(
      changeSetting(await ctxOf('T0ADM', 'Ada Byrne'), { key: 'week-start', value: 'sunday' }),
    );
    expect(some.message).toBe('Sorry, changing settings is for KPI Bot admins. Ask one of them.');
  });
});
