import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runShell } from '../../src/cli/shell.js';
import { createCommandRouter } from '../../src/commands/execute.js';
import { COMMANDS } from '../../src/commands/index.js';
import { DEFAULT_QUIET_HOURS } from '../../src/jobs/coaching-job.js';
import { createLocalOutbox } from '../../src/jobs/outbox.js';
import { inQuietHours } from '../../src/jobs/schedule.js';
import { createLogger } from '../../src/logger.js';
import { runMoments } from '../../src/moments/task.js';
import type { TStore } from '../../src/store/store.js';
import type { Rep, Workspace } from '../../src/store/types.js';
import { LOCAL_TEAM_ID } from '../../src/store/workspaces.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';
import { seedWorkspace } from '../support/seed.js';

/**
 * Local mode (the terminal): the shell takes a plain #name for both channel settings in the local-mode workspace,
 * and the moments task, with the terminal outbox, prints the celebration under that name. Both stores.
 */

let store: TStore;
let cleanup: () => Promise<void>;
let ws: Workspace;
let reps: Record<string, Rep>;
const now = new Date('2026-11-20T14:00:00Z');

beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
  ({ workspace: ws, reps } = await seedWorkspace(store.db, {
    team: LOCAL_TEAM_ID,
    timezone: 'UTC',
    reps: [{ name: 'Mona Manager', role: 'admin' }, { name: 'Dana Scott' }],
  }));
});
afterAll(async () => {
  await cleanup();
});

async function shell(lines: string[], as = 'Mona Manager', workspace = ws): Promise<string> {
  const input = new PassThrough();
  const output = new PassThrough();
  let out = '';
  output.on('data', (d) => {
    out += d;
  });
  const rep = reps[as] as Rep;
  const done = runShell({
    store,
    router: createCommandRouter(COMMANDS),
    logger: createLogger('silent'),
    clock: { now: () => now },
    workspace,
    actor: { repId: rep.id, name: rep.name },
    input,
    output,
    interactive: false,
    json: false,
    charts: false,
  });
  input.end(`${lines.join('\n')}\n`);
  await done;
  return out;
}

describe(`channel settings in the local shell (${TEST_PROVIDER})`, () => {
  it('takes #wins and #sales for both channel settings and shows them', async () => {
    const out = await shell([
      '/kpi settings celebrations-channel #wins',
      '/kpi settings leaderboard-channel #sales',
      '/kpi settings celebrate-min 500',
      '/kpi settings',
    ]);
    expect(out).toContain('Saved: celebrations-channel is now #wins.');
    expect(out).toContain('Saved: leaderboard-channel is now #sales.');
    expect(out).toContain("Saved: celebrate-min is now 500 in each deal's currency.");
    expect(out).toMatch(/Celebrations channel +#wins/);
    expect(out).toMatch(/Leaderboard channel +#sales/);
    expect(out).toMatch(/Celebrate wins from +500 in each deal's currency/);
  });

  it('the terminal prints a win under #wins', async () => {
    await shell(['/kpi settings celebrations-channel #wins']);
    await store.db.deal.create({
      data: {
        workspaceId: ws.id,
        repId: (reps['Dana Scott'] as Rep).id,
        source: 'generic',
        externalId: 'local-1',
        title: 'Local win',
        stage: 'Won',
        status: 'won',
        amountMinor: 120_000n,
        closedAt: new Date(now.getTime() - 60_000),
      },
    });
    let printed = '';
    const outbox = createLocalOutbox((s) => {
      printed += s;
    });
    const rules = { inQuietHours, defaultQuietHours: DEFAULT_QUIET_HOURS, staleClaimMs: 10 * 60_000 };
    const workspace = await store.db.workspace.findUniqueOrThrow({ where: { id: ws.id } });
    const run = (at: Date) =>
      runMoments(
        { db: store.db, logger: createLogger('silent'), workspace, now: at, outbox, by: 'local:1' },
        rules,
      );
    await run(now);
    expect((await run(new Date(now.getTime() + 60_000))).sent).toBe(1);
    expect(printed).toContain('── to #wins ──');
    expect(printed).toContain('Dana Scott won Local win for $1,200');
  });

  it('a name that is not a channel name is refused with what to type', async () => {
    const out = await shell([
      '/kpi settings celebrations-channel #<b>wins</b>',
      '/kpi settings leaderboard-channel wins',
    ]);
    expect(out).toContain('In local mode, type the channel as #name');
    expect(out).toContain('leaderboard-channel #sales');
  });
});
