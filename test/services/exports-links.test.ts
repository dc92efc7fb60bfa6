import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import type { TActor, TServiceContext } from '../../src/services/context.js';
import { exportMetrics } from '../../src/services/exports.js';
import { linkCrmOwner } from '../../src/services/links.js';
import type { TStore } from '../../src/store/store.js';
import type { Rep, Workspace } from '../../src/store/types.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';
import { refusal } from '../support/refusal.js';
import { seedWorkspace } from '../support/seed.js';

/** The export and CRM-owner link services: who gets which rows, who may link, and what is refused. */
let store: TStore;
let cleanup: () => Promise<void>;
let ws: Workspace;
let reps: Record<string, Rep>;
const as = (rep: Rep, extra: Partial<TActor> = {}): TActor => ({
  repId: rep.id,
  slackUserId: rep.slackUserId ?? undefined,
  name: rep.name,
  ...extra,
});
const ctx = (actor: TActor): TServiceContext => ({
  workspace: ws,
  actor,
  now: new Date('2026-11-20T12:00:00Z'),
  store,
  logger: createLogger('silent'),
});

beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
  ({ workspace: ws, reps } = await seedWorkspace(store.db, {
    team: 'T0EXLI',
    timezone: 'UTC',
    reps: [
      { name: 'Mona Manager', slackUserId: 'U0MONA' },
      { name: '=HYPERLINK("http://evil")', slackUserId: 'U0EVIL', manager: 'Mona Manager' },
      { name: 'Dana Scott', slackUserId: 'U0DANA', manager: 'Mona Manager', email: 'dana@example.com' },
      { name: 'Eve Other', slackUserId: 'U0EVE' },
    ],
    deals: [
      { rep: 'Dana Scott', amountMinor: 125_050n, openedAt: '2026-11-02', closedAt: '2026-11-03' },
      { rep: 'Eve Other', amountMinor: 99_900n, openedAt: '2026-11-02', closedAt: '2026-11-04' },
    ],
  }));
});
afterAll(async () => {
  await cleanup();
});

const rowsOf = (csv: string) => csv.trimEnd().split('\n');

describe(`export and link services (${TEST_PROVIDER})`, () => {
  it('a rep exports their own row, a manager their team, an admin everyone; money in major units', async () => {
    const dana = await exportMetrics(ctx(as(reps['Dana Scott'] as Rep)), {});
    expect([dana.scope, dana.rows, dana.period.key, dana.filename]).toEqual([
      'you',
      1,
      '2026-11',
      'kpi-2026-11.csv',
    ]);
    const header = (rowsOf(dana.csv)[0] ?? '').split(',');
    const won = header.indexOf('sales.won_total');
    expect(won).toBeGreaterThan(1);
    expect(rowsOf(dana.csv)[1]?.split(',')[won]).toBe('1250.5');

    const team = await exportMetrics(ctx(as(reps['Mona Manager'] as Rep)), { period: 'this month' });
    expect(team.scope).toBe('team');
    // A name that a spreadsheet would run as a formula is written as text.
    expect(rowsOf(team.csv).map((r) => r.split(',')[0])).toEqual(
      expect.arrayContaining(['rep', '"\'=HYPERLINK(""http://evil"")"', 'Dana Scott']),
    );
    expect(team.csv).not.toContain('Eve Other');

    const all = await exportMetrics(ctx(as(reps['Eve Other'] as Rep, { workspaceAdmin: true })), {});
    expect([all.scope, all.rows]).toEqual(['everyone', 4]);
  });

  it('refuses a stranger, an unknown period and a period too long, naming the field', async () => {
    expect(await refusal(exportMetrics(ctx({ slackUserId: 'U0NEW', name: 'New' }), {}))).toMatchObject({
      code: 'not_found',
    });
    const dana = ctx(as(reps['Dana Scott'] as Rep));
    expect(await refusal(exportMetrics(dana, { period: 'x'.repeat(10_000) }))).toMatchObject({
      code: 'bad_request',
      field: 'period',
    });
    await expect(exportMetrics(dana, { period: 'the year of the horse' })).rejects.toThrow();
  });

  it('links a CRM owner to a rep (admins only): the facts recorded under the owner move to the rep', async () => {
    await store.db.deal.create({
      data: {
        workspaceId: ws.id,
        repId: null,
        ownerExternalId: 'hubspot:501',
        source: 'hubspot',
        externalId: 'h1',
        stage: 'Won',
        status: 'won',
        amountMinor: 5_000n,
        openedAt: new Date('2026-11-05'),
        closedAt: new Date('2026-11-06'),
      },
    });
    const eve = ctx(as(reps['Eve Other'] as Rep));
    expect(
      await refusal(linkCrmOwner(eve, { who: 'Dana Scott', source: 'hubspot', owner: '501' })),
    ).toMatchObject({
      code: 'forbidden',
    });
    expect(await store.db.deal.count({ where: { workspaceId: ws.id, repId: null } })).toBe(1);

    const admin = ctx(as(reps['Eve Other'] as Rep, { workspaceAdmin: true }));
    const linked = await linkCrmOwner(admin, { who: '<@U0DANA>', source: 'HubSpot', owner: ' 501 ' });
    expect(linked).toEqual({
      source: 'hubspot',
      owner: '501',
      rep: { id: reps['Dana Scott']?.id, name: 'Dana Scott' },
      moved: 1,
    });
    expect(await store.db.deal.count({ where: { workspaceId: ws.id, repId: null } })).toBe(0);
    // Slack's mailto wrapping of a typed email is undone.
    const byEmail = await linkCrmOwner(admin, {
      who: 'Dana Scott',
      source: 'pipedrive',
      owner: '<mailto:dana.s@crm.example|dana.s@crm.example>',
    });
    expect(byEmail.owner).toBe('dana.s@crm.example');
  });

  it('refuses bad and hostile link input on its field, and changes nothing', async () => {
    const admin = ctx(as(reps['Eve Other'] as Rep, { workspaceAdmin: true }));
    const cases: [Record<string, string>, string][] = [
      [{ source: 'hubspot', owner: '1' }, 'who'],
      [{ who: 'Dana Scott', owner: '1' }, 'source'],
      [{ who: 'Dana Scott', source: 'hub spot', owner: '1' }, 'source'],
      [{ who: 'Dana Scott', source: '../../etc', owner: '1' }, 'source'],
      [{ who: 'Dana Scott', source: 'h'.repeat(41), owner: '1' }, 'source'],
      [{ who: 'Dana Scott', source: 'hubspot', owner: '   ' }, 'owner'],
      [{ who: 'Dana Scott', source: 'hubspot', owner: '9'.repeat(10_000) }, 'owner'],
      [{ who: 'x'.repeat(10_000), source: 'hubspot', owner: '1' }, 'who'],
      [{ who: '<@U0NOBODY|ghost>', source: 'hubspot', owner: '1' }, 'who'],
    ];
    const before = await store.db.repIdentity.count({ where: { workspaceId: ws.id } });
    for (const [input, field] of cases)
      expect({ input, refusal: await refusal(linkCrmOwner(admin, input)) }).toMatchObject({
        refusal: { field },
      });
    expect(await store.db.repIdentity.count({ where: { workspaceId: ws.id } })).toBe(before);
  });
});
