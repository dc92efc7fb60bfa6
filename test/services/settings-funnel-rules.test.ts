import type { KnownBlock } from '@slack/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandRouter } from '../../src/commands/execute.js';
import { COMMANDS } from '../../src/commands/index.js';
import type { TActor } from '../../src/commands/types.js';
import { parseWorkspaceSettings } from '../../src/domain/settings.js';
import { createLogger } from '../../src/logger.js';
import { ServiceError } from '../../src/services/errors.js';
import { changeSetting } from '../../src/services/settings.js';
import type { TStore } from '../../src/store/store.js';
import type { Workspace } from '../../src/store/types.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';
import { seedWorkspace } from '../support/seed.js';

/**
 * `/kpi settings funnel-stages`: the stages open deals move through. Refused: a stage where only closed deals sit
 * (Won, Lost), a name with control, format or text-direction characters or showing nothing. Pointed out: stages
 * with open deals the list leaves out (shown after the listed ones), a stage no deal has been in (with the
 * closest stage the deals use). The limits (30 stages of 100 characters) fit the overall length, and the
 * longest list accepted still shows in Slack.
 */
let store: TStore;
let cleanup: () => Promise<void>;
let ws: Workspace;
let admin: TActor;
const router = createCommandRouter(COMMANDS);
const now = new Date('2026-11-30T10:00:00Z');

beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
  const open = (stage: string, day: number) => ({
    rep: 'Ben Rep',
    amountMinor: 1000n,
    openedAt: `2026-11-${String(day).padStart(2, '0')}`,
    status: 'open' as const,
    stage,
  });
  const seeded = await seedWorkspace(store.db, {
    team: 'T0FUNRULES',
    timezone: 'UTC',
    reps: [
      { name: 'Ada Admin', slackUserId: 'U0ADA', role: 'admin' },
      { name: 'Ben Rep', slackUserId: 'U0BEN' },
    ],
    // As a CRM export has them (no stage histories): open deals in Prospecting and Engaging, closed ones in
    // Won and Lost, and one lost deal left in Demo, a stage an open deal moved through.
    deals: [
      open('Prospecting', 2),
      open('Prospecting', 3),
      open('Prospecting', 4),
      open('Engaging', 5),
      { rep: 'Ben Rep', amountMinor: 1000n, openedAt: '2026-11-06', closedAt: '2026-11-20', stage: 'Won' },
      { rep: 'Ben Rep', amountMinor: 1000n, openedAt: '2026-11-07', closedAt: '2026-11-21', stage: 'Won' },
      {
        rep: 'Ben Rep',
        amountMinor: 1000n,
        openedAt: '2026-11-08',
        closedAt: '2026-11-22',
        status: 'lost',
        stage: 'Lost',
      },
      {
        rep: 'Ben Rep',
        amountMinor: 1000n,
        openedAt: '2026-11-09',
        closedAt: '2026-11-23',
        status: 'lost',
        stage: 'Demo',
      },
    ],
  });
  ws = seeded.workspace;
  const engaging = await store.db.deal.findFirstOrThrow({ where: { workspaceId: ws.id, stage: 'Engaging' } });
  await store.db.dealStageChange.create({
    data: {
      workspaceId: ws.id,
      dealId: engaging.id,
      fromStage: null,
      toStage: 'Demo',
      changedAt: new Date('2026-11-06T00:00:00Z'),
    },
  });
  const a = seeded.reps['Ada Admin'];
  admin = { repId: a?.id, slackUserId: 'U0ADA', name: 'Ada Admin' };
});
afterAll(async () => {
  await cleanup();
});

const fresh = async () => store.db.workspace.findUniqueOrThrow({ where: { id: ws.id } });
const run = async (text: string) =>
  router.execute(text, {
    workspace: await fresh(),
    actor: admin,
    now,
    store,
    logger: createLogger('silent'),
  });
const stored = async () => parseWorkspaceSettings((await fresh()).settings).funnelStages;
const reset = () => run('settings funnel-stages reset');

/** Every mrkdwn text of the blocks within Slack's section limit, no entity cut. */
function expectSectionsWithinLimit(blocks: KnownBlock[] | undefined) {
  expect(blocks?.length).toBeGreaterThan(0);
  for (const block of blocks ?? []) {
    if (block.type !== 'section' || !block.text) continue;
    expect(block.text.text.length).toBeLessThanOrEqual(3000);
    expect(block.text.text.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
  }
}

describe(`/kpi settings funnel-stages rules (${TEST_PROVIDER})`, () => {
  it('refuses Won and Lost (only closed deals sit there), naming them, and stores nothing', async () => {
    await reset();
    const one = await run('settings funnel-stages Prospecting,Engaging,won');
    expect(one.refused).toBe(true);
    expect(one.text).toMatch(
      /^`Won` holds only closed deals: the funnel lists the stages open deals move through\. Leave it out\./,
    );
    const two = await run('settings funnel-stages Lost,Prospecting,Won');
    expect(two.text).toMatch(/^`Lost` and `Won` hold only closed deals: .* Leave them out\./);
    expect(await stored()).toBeUndefined();
  });

  it('takes a stage where only closed deals sit now but an open deal has moved through (Demo)', async () => {
    const saved = await run('settings funnel-stages Demo,Prospecting,Engaging');
    expect(saved.refused).toBeFalsy();
    expect(await stored()).toEqual(['Demo', 'Prospecting', 'Engaging']);
  });

  it('says which stages with open deals the list leaves out, and that they are shown after the listed ones', async () => {
    const saved = await run('settings funnel-stages Engaging');
    expect(saved.text).toBe(
      'Saved: funnel-stages are now `Engaging`. Not in the list: `Prospecting` (3 open deals): it will be shown after the listed stages.',
    );
    const none = await run('settings funnel-stages Prospecting,Engaging');
    expect(none.text).toBe('Saved: funnel-stages are now `Prospecting` → `Engaging`.');
  });

  it('suggests the closest stage the deals use for a stage no deal has been in', async () => {
    const saved = await run('settings funnel-stages Prospectng,Engaging');
    expect(saved.text).toContain(
      "No deal has been in `Prospectng` (did you mean `Prospecting`?) yet: check the spelling against your CRM's stages.",
    );
    expect(saved.text).toContain('Not in the list: `Prospecting` (3 open deals)');
    expect(await stored()).toEqual(['Prospectng', 'Engaging']);
  });

  it.each([
    [
      'a zero-width space alone',
      '\u200B',
      /^A stage name must show something: `\[U\+200B\]` is only invisible characters\.$/,
    ],
    ['a Hangul filler alone', 'Prospecting,\u3164', /`\[U\+3164\]` is only invisible characters/],
    [
      'a zero-width space after a stage (a duplicate in disguise)',
      'Prospecting,Prospecting\u200B',
      /^A stage name cannot hold control, invisible or text-direction characters: `Prospecting\[U\+200B\]` holds \[U\+200B\]\.$/,
    ],
    ['a right-to-left override', '\u202Egnitcepsorp,Engaging', /`\[U\+202E\]gnitcepsorp` holds \[U\+202E\]/],
    ['a bidi isolate', 'Pro\u2066spect\u2069ing', /holds \[U\+2066\], \[U\+2069\]/],
    ['a soft hyphen', 'Pro\u00ADspecting', /holds \[U\+00AD\]/],
  ])(
    'refuses %s, naming the stage with the character written out, and stores nothing',
    async (_, list, message) => {
      await reset();
      const reply = await run(`settings funnel-stages ${list}`);
      expect(reply.refused).toBe(true);
      expect(reply.text).toMatch(message);
      expect(reply.text).not.toMatch(/[\u200B\u202E\u2066\u2069\u2028\u3164\u00AD\t]/);
      expect(await stored()).toBeUndefined();
    },
  );

  it('refuses a line separator or a tab inside a name (typed in a form or the CLI, where they are not spaces)', async () => {
    await reset();
    const ctx = async () => ({
      workspace: await fresh(),
      actor: admin,
      now,
      store,
      logger: createLogger('silent'),
    });
    for (const [name, shown] of [
      ['Pro\u2028specting', '[U+2028]'],
      ['Pro\u2029specting', '[U+2029]'],
      ['Pro\tspecting', '[U+0009]'],
      ['Pro\u0085specting', '[U+0085]'],
    ] as const) {
      const refused = await changeSetting(await ctx(), {
        key: 'funnel-stages',
        value: `${name},Engaging`,
      }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ServiceError);
      expect((refused as ServiceError).message).toBe(
        `A stage name cannot hold control, invisible or text-direction characters: \`Pro${shown}specting\` holds ${shown}.`,
      );
    }
    expect(await stored()).toBeUndefined();
  });

  it('escapes a hostile name it refuses (a mention, emphasis) in Slack, and keeps the terminal free of controls', async () => {
    await reset();
    const reply = await run('settings funnel-stages <!channel>\u200B,*Bold*\u202E');
    expect(reply.refused).toBe(true);
    expect(reply.text).toMatch(/`&lt;!channel&gt; ?\[U\+200B\]` holds \[U\+200B\]/);
    expect(JSON.stringify(reply.blocks)).not.toContain('<!channel>');
    expect(reply.terminal).toMatch(/<!channel> ?\[U\+200B\]/);
    expect(reply.terminal).not.toMatch(/[\u200B\u202E]/);
    expect(await stored()).toBeUndefined();
  });

  it('without stages, answers with the usage and an example (no closed stage in it)', async () => {
    for (const text of ['settings funnel-stages', 'settings funnel-stages  ', 'settings funnel-stages , ,']) {
      const reply = await run(text);
      expect(reply.refused, text).toBe(true);
      expect(reply.text).toContain(
        'Say the stages open deals move through, in order, separated by commas, e.g. `/kpi settings funnel-stages Prospecting,Engaging`, or `/kpi settings funnel-stages reset`',
      );
      expect(reply.text).not.toMatch(/Say the new funnel-stages/);
    }
    const help = await run('help settings');
    expect(help.terminal).toContain('/kpi settings funnel-stages Prospecting,Engaging');
    expect(JSON.stringify(help)).not.toMatch(/funnel-stages Prospecting[^"]*Won/);
  });

  it('after reset, /kpi settings says the order is learned from the deals (true with no stage histories)', async () => {
    await run('settings funnel-stages Prospecting,Engaging');
    const reply = await reset();
    expect(reply.text).toBe('Saved: funnel-stages are now learned from the deals.');
    const shown = await run('settings');
    expect(shown.text).toContain('Funnel stages: (learned from the deals)');
    expect(shown.text).not.toContain('histories');
  });

  it('takes 30 stages of 100 characters (the limits the docs give), and names the limit it refuses', async () => {
    const longest = Array.from({ length: 30 }, (_, i) => `S${String(i).padStart(2, '0')}${'x'.repeat(97)}`);
    const saved = await run(`settings funnel-stages ${longest.join(', ')}`);
    expect(saved.refused).toBeFalsy();
    expect(await stored()).toEqual(longest);
    expectSectionsWithinLimit(saved.blocks);
    expectSectionsWithinLimit((await run('settings')).blocks);
    const tooMany = await run(`settings funnel-stages ${[...longest, 'S30'].join(',')}`);
    expect(tooMany.text).toMatch(/^A funnel has at most 30 stages; that list has 31\./);
    const tooLong = await run(`settings funnel-stages ${'y'.repeat(101)},Prospecting`);
    expect(tooLong.text).toMatch(/^A stage name is at most 100 characters; `y{40}…` has 101\./);
    expect(await stored()).toEqual(longest);
  });

  it('keeps /kpi settings and the confirmation within Slack’s section limit with 30 names full of & (escaped 5×)', async () => {
    const stages = Array.from({ length: 30 }, (_, i) => `S${String(i).padStart(2, '0')}${'&'.repeat(60)}`);
    const saved = await run(`settings funnel-stages ${stages.join(',')}`);
    expect(saved.refused).toBeFalsy();
    expect(await stored()).toEqual(stages);
    expectSectionsWithinLimit(saved.blocks);
    const shown = await run('settings');
    expectSectionsWithinLimit(shown.blocks);
    // Every setting still shows: the long line is shortened, the ones after it are whole.
    const texts = (shown.blocks ?? [])
      .map((b) => (b.type === 'section' ? (b.text?.text ?? '') : ''))
      .join('\n');
    expect(texts).toMatch(/^Funnel stages: S00&amp;/m);
    expect(texts).toMatch(/^Alert rules: sales_decline 20%/m);
    expect(shown.terminal).toContain(`S29${'&'.repeat(60)}`);
  });
});
