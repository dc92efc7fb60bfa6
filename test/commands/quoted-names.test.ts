import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandRouter } from '../../src/commands/execute.js';
import { COMMANDS } from '../../src/commands/index.js';
import type { TActor } from '../../src/commands/types.js';
import { createLogger } from '../../src/logger.js';
import type { TStore } from '../../src/store/store.js';
import type { Workspace } from '../../src/store/types.js';
import { blocksToText } from '../../src/views/text.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';

/**
 * Reps imported from a CRM export have neither a Slack id nor an email: a manager names them in quotes, and every
 * command that takes a person reads a quoted name of several words as that person, not as period words.
 */
let store: TStore;
let cleanup: () => Promise<void>;
let ws: Workspace;
let mona: TActor;
const router = createCommandRouter(COMMANDS);
const now = new Date('2017-07-10T15:00:00Z');

beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
  ws = await store.db.workspace.create({ data: { slackTeamId: 'T0QN', timezone: 'UTC' } });
  const manager = await store.db.rep.create({ data: { workspaceId: ws.id, name: 'Mona Manager' } });
  await store.db.rep.create({ data: { workspaceId: ws.id, name: 'Darcel Schlecht', managerId: manager.id } });
  mona = { repId: manager.id, name: 'Mona Manager' };
});
afterAll(async () => {
  await cleanup();
});

const run = async (text: string) => {
  const reply = await router.execute(text, {
    workspace: ws,
    actor: mona,
    now,
    store,
    logger: createLogger('silent'),
  });
  return blocksToText(reply.blocks, reply.text);
};

describe(`quoted names (${TEST_PROVIDER})`, () => {
  it('why, funnel and rep take a quoted name of several words, then the period', async () => {
    expect(await run('why "Darcel Schlecht" 2017-06')).toMatch(/^WHY · DARCEL SCHLECHT · JUNE 2017/);
    expect(await run('funnel "Darcel Schlecht" last month')).toMatch(/Darcel Schlecht/i);
    expect(await run('rep "Darcel Schlecht" 2017-06')).toMatch(/DARCEL SCHLECHT · JUNE 2017/);
  });

  it('team takes a quoted manager; period words alone are still a period', async () => {
    expect(await run('team "Mona Manager" 2017-06')).toMatch(/MONA MANAGER'S TEAM · JUNE 2017/);
    expect(await run('why last month')).toMatch(/is not set up as a rep|WHY · MONA MANAGER · JUNE 2017/);
    expect(await run('why "Nobody Here"')).toMatch(/I do not know "?Nobody Here"? as a rep here/);
  });
});
