import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import type { TServiceContext } from '../../src/services/context.js';
import { isServiceError } from '../../src/services/errors.js';
import { recordQuiz } from '../../src/services/log.js';
import type { TStore } from '../../src/store/store.js';
import type { Workspace } from '../../src/store/types.js';
import { blockForField } from '../../src/views/modals.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';

/** What the event rules refuse after the service's own checks still names the field a person typed. */
let store: TStore;
let cleanup: () => Promise<void>;
let ws: Workspace;
let ctx: TServiceContext;

beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
  ws = await store.db.workspace.create({ data: { slackTeamId: 'T0LF', timezone: 'UTC' } });
  const rep = await store.db.rep.create({
    data: { workspaceId: ws.id, name: 'Dana Scott', slackUserId: 'U0D' },
  });
  ctx = {
    workspace: ws,
    actor: { repId: rep.id, slackUserId: 'U0D', name: 'Dana Scott' },
    now: new Date('2026-11-30T12:00:00Z'),
    store,
    logger: createLogger('silent'),
  };
});
afterAll(async () => {
  await cleanup();
});

describe(`refusals by the event rules (${TEST_PROVIDER})`, () => {
  it('a course name with a NUL is refused on the course field, and the form shows it there', async () => {
    const error = await recordQuiz(ctx, { course: 'GTX\u0000Pro', score: 1 }).then(
      () => null,
      (e: unknown) => e,
    );
    if (!isServiceError(error)) throw new Error(`expected a refusal, got ${String(error)}`);
    expect([error.code, error.field]).toEqual(['bad_request', 'course']);
    expect(blockForField('quiz', error.field)).toBe('course');
    expect(await store.db.trainingResult.count({ where: { workspaceId: ws.id } })).toBe(0);
  });
});
