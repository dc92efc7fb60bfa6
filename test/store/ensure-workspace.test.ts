import { describe, expect, it } from 'vitest';
import { ensureWorkspace } from '../../src/store/workspaces.js';
import { useTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';

/**
 * A workspace is created on first contact, and first contacts come together: two bot processes starting at once
 * on one database (single-workspace mode), two requests of a new team. Every caller gets the one workspace; none
 * fails because another's insert won (a PostgreSQL replica once exited at start with a unique-key error).
 */
const store = useTestStore();

describe(`ensureWorkspace at once (${TEST_PROVIDER})`, () => {
  it('gives every simultaneous first contact the same workspace', async () => {
    for (let round = 0; round < 5; round++) {
      const team = `TRACE${round}`;
      const got = await Promise.all(
        Array.from({ length: 12 }, () => ensureWorkspace(store().db, team, { timezone: 'UTC' })),
      );
      expect(new Set(got.map((w) => w.id)).size).toBe(1);
      expect(await store().db.workspace.count({ where: { slackTeamId: team } })).toBe(1);
    }
  });

  it('keeps an existing workspace as it is', async () => {
    const first = await ensureWorkspace(store().db, 'TKEEP', { timezone: 'Europe/Berlin', name: 'Acme' });
    const again = await ensureWorkspace(store().db, 'TKEEP', { timezone: 'UTC', name: 'Other' });
    expect(again).toMatchObject({ id: first.id, timezone: 'Europe/Berlin', name: 'Acme' });
  });
});
