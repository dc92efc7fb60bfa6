import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import type { TServiceContext } from '../../src/services/context.js';
import { linkCrmOwner } from '../../src/services/links.js';
import type { TStore } from '../../src/store/store.js';
import type { Workspace } from '../../src/store/types.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';
import { refusal } from '../support/refusal.js';
import { seedWorkspace } from '../support/seed.js';

/** `kpi link` / `/kpi link` accept only a source KPI Bot reads, or one the workspace already holds data from. */
let store: TStore;
let cleanup: () => Promise<void>;
let ws: Workspace;
let other: Workspace;
const admin = (w: Workspace): TServiceContext => ({
  workspace: w,
  actor: { name: 'operator', workspaceAdmin: true },
  now: new Date('2026-11-20T12:00:00Z'),
  store,
  logger: createLogger('silent'),
});

beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
  ({ workspace: ws } = await seedWorkspace(store.db, {
    team: 'T0SRC1',
    timezone: 'UTC',
    reps: [{ name: 'Dana Scott', slackUserId: 'U0DANA' }],
  }));
  ({ workspace: other } = await seedWorkspace(store.db, {
    team: 'T0SRC2',
    timezone: 'UTC',
    reps: [{ name: 'Dana Scott', slackUserId: 'U0DANA' }],
  }));
  // A CSV import with --source salesforce left a deal under an unmapped Salesforce owner in the first workspace;
  // the JSON API recorded an activity whose owner id is a Zoho one.
  await store.db.deal.create({
    data: {
      workspaceId: ws.id,
      repId: null,
      ownerExternalId: 'salesforce:0051',
      source: 'salesforce',
      externalId: 'sf-1',
      stage: 'Won',
      status: 'won',
      amountMinor: 5_000n,
      openedAt: new Date('2026-11-05'),
      closedAt: new Date('2026-11-06'),
    },
  });
  await store.db.activity.create({
    data: {
      workspaceId: ws.id,
      repId: null,
      ownerExternalId: 'zoho:77',
      source: 'generic',
      externalId: 'a-1',
      kind: 'call',
      occurredAt: new Date('2026-11-05'),
    },
  });
});
afterAll(async () => {
  await cleanup();
});

describe(`link sources (${TEST_PROVIDER})`, () => {
  it('refuses a source KPI Bot does not read, naming the sources and the closest one; nothing is linked', async () => {
    const before = await store.db.repIdentity.count();
    for (const [source, near] of [
      ['hubsopt', 'hubspot'],
      ['pipdrive', 'pipedrive'],
      ['salesforce', null],
      ['zzz', null],
    ] as const) {
      const r = await refusal(linkCrmOwner(admin(other), { who: 'Dana Scott', source, owner: '1' }));
      expect(r.field).toBe('source');
      expect(r.message).toContain(`\`${source}\` is not a source KPI Bot knows here`);
      expect(r.message).toContain('`hubspot`, `pipedrive`, `generic`, `csv`');
      if (near) expect(r.message).toContain(`did you mean \`${near}\``);
      else expect(r.message).not.toContain('did you mean');
    }
    expect(await store.db.repIdentity.count()).toBe(before);
  });

  it('accepts the built-in sources, and a source the workspace holds data from (by fact or by owner id)', async () => {
    for (const source of ['hubspot', 'pipedrive', 'generic', 'CSV'])
      expect((await linkCrmOwner(admin(other), { who: 'Dana Scott', source, owner: '9' })).source).toBe(
        source.toLowerCase(),
      );
    const sf = await linkCrmOwner(admin(ws), { who: 'Dana Scott', source: 'salesforce', owner: '0051' });
    expect(sf.moved).toBe(1);
    const zoho = await linkCrmOwner(admin(ws), { who: 'Dana Scott', source: 'zoho', owner: '77' });
    expect(zoho.moved).toBe(1);
  });
});
