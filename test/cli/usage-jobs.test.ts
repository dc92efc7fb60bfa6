import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { JOB_NAMES } from '../../src/jobs/runner.js';
import { cleanEnv, KPI_BIN, PROJECT_ROOT } from '../support/child.js';

describe('kpi help', () => {
  it('names every job `kpi jobs run` takes, stalled-deals included', () => {
    const r = spawnSync(process.execPath, [KPI_BIN, 'help'], {
      cwd: PROJECT_ROOT,
      env: cleanEnv(),
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    const line = r.stdout.split('\n').find((l) => l.trim().startsWith('jobs run '));
    expect(line).toBeDefined();
    const choices = /<([^>]+)>/.exec(line ?? '')?.[1]?.split('|') ?? [];
    expect(JOB_NAMES).toContain('stalled-deals');
    expect([...choices].sort()).toEqual([...JOB_NAMES].sort());
  });
});
