import { describe, expect, it } from 'vitest';
import { chooseWorkspace } from '../../src/cli/workspace-choice.js';

/** Which workspace a `kpi` command works on, from the store's workspaces and --workspace (pure). */
const acme = { slackTeamId: 'T0ACME', name: 'Acme Sales' };
const beta = { slackTeamId: 'T0BETA', name: '' };
const local = { slackTeamId: 'local', name: '' };

describe('chooseWorkspace', () => {
  it('without --workspace: none → local mode created; one → that one (whatever its id); several → refused, listed', () => {
    expect(chooseWorkspace([], undefined, 'local')).toEqual({ create: 'local' });
    expect(chooseWorkspace([acme], undefined, 'local')).toEqual({ use: 'T0ACME' });
    expect(chooseWorkspace([local], undefined, 'local')).toEqual({ use: 'local' });
    for (const known of [
      [acme, beta, local],
      [local, beta, acme],
    ]) {
      expect(chooseWorkspace(known, undefined, 'local')).toEqual({
        refuse:
          'this database holds 3 workspaces; say which with --workspace <Slack team id>: local (local mode), T0ACME (Acme Sales), T0BETA.',
      });
    }
  });

  it('with --workspace: an existing one is used; an unknown one is refused naming the known ones, never created', () => {
    expect(chooseWorkspace([acme, beta], 'T0BETA', 'local')).toEqual({ use: 'T0BETA' });
    expect(chooseWorkspace([acme, beta], ' T0BETA ', 'local')).toEqual({ use: 'T0BETA' });
    expect(chooseWorkspace([acme, beta], 'T0ACNE', 'local')).toEqual({
      refuse:
        'no workspace "T0ACNE" in this database (did you mean T0ACME?). It holds: T0ACME (Acme Sales), T0BETA.',
    });
    const hostile = chooseWorkspace([acme], "'; DROP TABLE x; --", 'local');
    expect('refuse' in hostile && hostile.refuse).toMatch(
      /^no workspace .* It holds: T0ACME \(Acme Sales\)\.$/,
    );
    // local mode's own workspace is created only in an empty store; beside others it must exist.
    expect(chooseWorkspace([], 'local', 'local')).toEqual({ create: 'local' });
    expect(chooseWorkspace([acme], 'local', 'local')).toEqual({
      refuse: 'no workspace "local" in this database. It holds: T0ACME (Acme Sales).',
    });
    expect('refuse' in chooseWorkspace([], 'T0ACME', 'local')).toBe(true);
  });
});
