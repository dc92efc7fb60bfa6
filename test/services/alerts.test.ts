import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWorkspaceSettings } from '../../src/domain/settings.js';
import { createLogger } from '../../src/logger.js';
import { setRankOptIn, settleCoachingAlert } from '../../src/services/alerts.js';
import type { TActor, TServiceContext } from '../../src/services/context.js';
import type { TStore } from '../../src/store/store.js';
import type { Rep, Workspace } from '../../src/store/types.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';
import { refusal } from '../support/refusal.js';
import { seedWorkspace } from '../support/seed.js';

/** The alerts service: who may snooze or settle a coaching alert, and the weekly rank opt-in. */
let store: TStore;
let cleanup: () => Promise<void>;
let ws: Workspace;
let other: Workspace;
let reps: Record<string, Rep>;
let alertId: string;
let foreignAlertId: string;
const now = new Date('2026-11-20T12:00:00Z');
const as = (name: string, extra: Partial<TActor> = {}): TActor => {
  const rep = reps[name] as Rep;
  return { repId: rep.id, slackUserId: rep.slackUserId ?? undefined, name, ...extra };
};
const ctx = (actor: TActor, workspace = ws): TServiceContext => ({
  workspace,
  actor,
  now,
  store,
  logger: createLogger('silent'),
});

beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
  ({ workspace: ws, reps } = await seedWorkspace(store.db, {
    team: 'T0ALRT',
    reps: [
      { name: 'Mia Manager', slackUserId: 'U0MIA', role: 'manager' },
      { name: 'Ray Refused', slackUserId: 'U0RAY', role: 'manager' },
      { name: 'Dana Scott', slackUserId: 'U0DANA', manager: 'Mia Manager' },
      { name: 'Ada Admin', slackUserId: 'U0ADA', role: 'admin' },
    ],
  }));
  const alert = await store.db.alertLog.create({
    data: {
      workspaceId: ws.id,
      repId: (reps['Dana Scott'] as Rep).id,
      rule: 'sales_decline',
      periodKey: '2026-10',
      recipients: {
        create: [
          { slackUserId: 'U0MIA', delivery: 'delivered' },
          { slackUserId: 'U0RAY', delivery: 'refused' },
        ],
      },
    },
  });
  alertId = alert.id;
  const elsewhere = await seedWorkspace(store.db, { team: 'T0ELSE', reps: [{ name: 'Far Rep' }] });
  other = elsewhere.workspace;
  foreignAlertId = (
    await store.db.alertLog.create({
      data: {
        workspaceId: other.id,
        repId: (elsewhere.reps['Far Rep'] as Rep).id,
        rule: 'sales_decline',
        periodKey: '2026-10',
        recipients: { create: [{ slackUserId: 'U0MIA', delivery: 'delivered' }] },
      },
    })
  ).id;
});
afterAll(async () => {
  await cleanup();
});

const statusOf = async (id: string) => (await store.db.alertLog.findUniqueOrThrow({ where: { id } })).status;

describe(`alerts service (${TEST_PROVIDER})`, () => {
  it('refuses the rep it is about, a recipient Slack refused, and bad or foreign ids, changing nothing', async () => {
    expect(
      await refusal(settleCoachingAlert(ctx(as('Dana Scott')), { alertId, action: 'snooze' })),
    ).toMatchObject({ code: 'forbidden' });
    expect(
      await refusal(settleCoachingAlert(ctx(as('Ray Refused')), { alertId, action: 'handled' })),
    ).toMatchObject({ code: 'forbidden' });
    // The same Slack id was a recipient of an alert in another workspace: unknown here.
    expect(
      await refusal(
        settleCoachingAlert(ctx(as('Mia Manager')), { alertId: foreignAlertId, action: 'snooze' }),
      ),
    ).toMatchObject({ code: 'not_found', field: 'alertId' });
    for (const bad of ['', 'x'.repeat(10_000), "' OR 1=1 --"])
      expect(
        (await refusal(settleCoachingAlert(ctx(as('Mia Manager')), { alertId: bad, action: 'snooze' })))
          .field,
      ).toBe('alertId');
    expect(
      await refusal(settleCoachingAlert(ctx(as('Mia Manager')), { alertId, action: 'delete' as never })),
    ).toMatchObject({ code: 'bad_request', field: 'action' });
    expect([await statusOf(alertId), await statusOf(foreignAlertId)]).toEqual(['sent', 'sent']);
  });

  it('the manager it reached snoozes it for a week; an admin marks it handled', async () => {
    const snoozed = await settleCoachingAlert(ctx(as('Mia Manager')), { alertId, action: 'snooze' });
    expect(snoozed).toEqual({
      action: 'snooze',
      rep: { id: reps['Dana Scott']?.id, name: 'Dana Scott' },
      until: new Date('2026-11-27T12:00:00Z'),
    });
    expect(await statusOf(alertId)).toBe('snoozed');
    const handled = await settleCoachingAlert(ctx(as('Ada Admin')), { alertId, action: 'handled' });
    expect(handled.action).toBe('handled');
    const row = await store.db.alertLog.findUniqueOrThrow({ where: { id: alertId } });
    expect([row.status, row.handledBySlackId, row.handledAt?.toISOString()]).toEqual([
      'handled',
      'U0ADA',
      now.toISOString(),
    ]);
  });

  it('rank messages: reps join and leave; managers, admins and strangers are told why not', async () => {
    const optIns = async () =>
      parseWorkspaceSettings((await store.db.workspace.findUniqueOrThrow({ where: { id: ws.id } })).settings)
        .rankOptIn ?? [];
    await setRankOptIn(ctx(as('Dana Scott')), { join: true });
    await setRankOptIn(ctx(as('Dana Scott')), { join: true });
    expect(await optIns()).toEqual(['U0DANA']);
    expect((await refusal(setRankOptIn(ctx(as('Mia Manager')), { join: true }))).message).toMatch(
      /ranks reps; as a manager or admin/,
    );
    expect(
      (await refusal(setRankOptIn(ctx({ slackUserId: 'U0NEW', name: 'New' }), { join: true }))).message,
    ).toMatch(/^Ranks are for reps/);
    // Leaving needs no rep record (someone removed later can still stop the messages).
    await setRankOptIn(ctx({ slackUserId: 'U0DANA', name: 'Dana' }), { join: false });
    expect(await optIns()).toEqual([]);
  });
});
