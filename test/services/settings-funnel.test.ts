import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandRouter } from '../../src/commands/execute.js';
import { COMMANDS } from '../../src/commands/index.js';
import type { TActor } from '../../src/commands/types.js';
import { parseWorkspaceSettings } from '../../src/domain/settings.js';
import { createLogger } from '../../src/logger.js';
import type { TStore } from '../../src/store/store.js';
import type { Workspace } from '../../src/store/types.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';
import { seedWorkspace } from '../support/seed.js';

/**
 * `/kpi settings funnel-stages A,B,C` (admins): the funnel's stage order, shown by `/kpi settings`; `reset` goes
 * back to the order learned from the deals.
 */
let store: TStore;
let cleanup: () => Promise<void>;
let ws: Workspace;
let admin: TActor;
let rep: TActor;
const router = createCommandRouter(COMMANDS);
const now = new Date('2026-11-30T10:00:00Z');

beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
  const seeded = await seedWorkspace(store.db, {
    team: 'T0FUNNEL',
    timezone: 'UTC',
    reps: [
      { name: 'Ada Admin', slackUserId: 'U0ADA', role: 'admin' },
      { name: 'Ben Rep', slackUserId: 'U0BEN' },
    ],
    // The deals spell their stages as the CRM does.
    deals: [
      { rep: 'Ben Rep', amountMinor: 1000n, openedAt: '2026-11-02', status: 'open', stage: 'Prospecting' },
      { rep: 'Ben Rep', amountMinor: 1000n, openedAt: '2026-11-03', status: 'open', stage: 'Needs Analysis' },
      { rep: 'Ben Rep', amountMinor: 1000n, openedAt: '2026-11-04', closedAt: '2026-11-20', stage: 'Won' },
    ],
  });
  ws = seeded.workspace;
  const a = seeded.reps['Ada Admin'];
  const b = seeded.reps['Ben Rep'];
  admin = { repId: a?.id, slackUserId: 'U0ADA', name: 'Ada Admin' };
  rep = { repId: b?.id, slackUserId: 'U0BEN', name: 'Ben Rep' };
});
afterAll(async () => {
  await cleanup();
});

const fresh = async () => store.db.workspace.findUniqueOrThrow({ where: { id: ws.id } });
const run = async (text: string, actor: TActor = admin) =>
  router.execute(text, { workspace: await fresh(), actor, now, store, logger: createLogger('silent') });
const stored = async () => parseWorkspaceSettings((await fresh()).settings).funnelStages;

describe(`/kpi settings funnel-stages (${TEST_PROVIDER})`, () => {
  it('until set, /kpi settings says the order is learned from the deals', async () => {
    const shown = await run('settings');
    expect(shown.text).toContain('Funnel stages: (learned from the deals)');
    expect(shown.terminal).toMatch(/^Funnel stages +\(learned from the deals\)$/m);
    expect(shown.data).toMatchObject({ funnelStages: { stages: [], learned: true } });
  });

  it('saves the stages in order: trimmed, each once, in the deals’ own spelling; shown by /kpi settings', async () => {
    const saved = await run('settings funnel-stages  prospecting , NEEDS ANALYSIS,Prospecting,, Proposal ');
    expect(saved.refused).toBeFalsy();
    expect(saved.text).toBe(
      'Saved: funnel-stages are now `Prospecting` → `Needs Analysis` → `Proposal`. No deal has been in `Proposal` yet: check the spelling against your CRM’s stages.'.replace(
        '’',
        "'",
      ),
    );
    expect(await stored()).toEqual(['Prospecting', 'Needs Analysis', 'Proposal']);
    const shown = await run('settings');
    expect(shown.text).toContain('Funnel stages: Prospecting → Needs Analysis → Proposal');
    expect(shown.data).toMatchObject({
      funnelStages: { stages: ['Prospecting', 'Needs Analysis', 'Proposal'], learned: false },
    });
    // Other settings are kept.
    await run('settings quiet-hours 21:00-07:00');
    expect(await stored()).toEqual(['Prospecting', 'Needs Analysis', 'Proposal']);
  });

  it('reset (or clear) goes back to the learned order', async () => {
    for (const word of ['reset', 'CLEAR']) {
      await run('settings funnel-stages Prospecting,Needs Analysis');
      const reply = await run(`settings funnel-stages ${word}`);
      expect(reply.text).toBe('Saved: funnel-stages are now learned from the deals.');
      expect(await stored()).toBeUndefined();
      expect(parseWorkspaceSettings((await fresh()).settings).quietHours).toEqual({
        start: '21:00',
        end: '07:00',
      });
    }
  });

  it('is for admins: a rep is refused and nothing changes', async () => {
    const reply = await run('settings funnel-stages Needs Analysis,Prospecting', rep);
    expect(reply.refused).toBe(true);
    expect(reply.text).toMatch(/is for KPI Bot admins/);
    expect(await stored()).toBeUndefined();
  });

  it('refuses empty, too many, too long and hostile lists, and names in Slack are escaped', async () => {
    const cases: [string, RegExp][] = [
      ['settings funnel-stages , ,', /Say the stages open deals move through, in order, separated by commas/],
      [
        `settings funnel-stages ${Array.from({ length: 31 }, (_, i) => `S${i}`).join(',')}`,
        /at most 30 stages; that list has 31/,
      ],
      [`settings funnel-stages ${'x'.repeat(101)},Won`, /at most 100 characters/],
      [
        `settings funnel-stages ${'a,'.repeat(2001)}`,
        /^That list is too long: 4,002 characters, and a funnel-stages list is at most 4,000 \(at most 30 stages of at most 100 characters each\)/,
      ],
      [
        `settings quiet-hours ${'2'.repeat(300)}`,
        /^That value is too long: 300 characters, and a setting's value is at most 200\./,
      ],
    ];
    for (const [text, message] of cases) {
      const reply = await run(text);
      expect(reply.refused, text.slice(0, 60)).toBe(true);
      expect(reply.text).toMatch(message);
    }
    expect(await stored()).toBeUndefined();
    await run('settings funnel-stages *Bold*,<!channel>,Prospecting');
    expect(await stored()).toEqual(['*Bold*', '<!channel>', 'Prospecting']);
    const shown = await run('settings');
    expect(shown.text).not.toContain('<!channel>');
    expect(shown.text).not.toContain('*Bold*');
    expect(shown.terminal).toMatch(/^Funnel stages +\*Bold\* → <!channel> → Prospecting$/m);
  });
});
