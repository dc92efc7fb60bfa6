import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TOutbox } from '../../src/jobs/outbox.js';
import { createLogger } from '../../src/logger.js';
import type { TActor } from '../../src/services/context.js';
import {
  jobsOverview,
  runJobSlot,
  type TJobsContext,
  type TRunJobSlotInput,
} from '../../src/services/jobs.js';
import type { TStore } from '../../src/store/store.js';
import type { Workspace } from '../../src/store/types.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';
import { refusal } from '../support/refusal.js';

/*
 * The job-slot service: which slot a hand run stands for, what it refuses (and on which field), and who may ask.
 * Runs go through the real ledger on SQLite or PostgreSQL; messages go to a recording outbox.
 */

let store: TStore;
let cleanup: () => Promise<void>;
let ws: Workspace;
/** Monday 30 November 2026, 13:00 in Berlin. */
const NOW = new Date('2026-11-30T12:00:00Z');
const admin: TActor = { slackUserId: 'U0ADMIN', name: 'Ann Admin', workspaceAdmin: true };
let rep: TActor;
const sent: { to: string; text: string }[] = [];

const outbox: TOutbox = {
  post: async (channel, message) => {
    sent.push({ to: channel, text: message.text });
    return { ts: '1.1' };
  },
  dm: async (user, message) => {
    sent.push({ to: user, text: message.text });
    return {};
  },
  chart: async () => undefined,
};
const deps = {
  outboxFor: async () => outbox,
  defaultChannel: 'C0BOARD',
  catchUpMs: 86_400_000,
  clock: { now: () => NOW },
};

beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
  ws = await store.db.workspace.create({ data: { slackTeamId: 'T0JOBS', timezone: 'Europe/Berlin' } });
  const r = await store.db.rep.create({
    data: { workspaceId: ws.id, name: 'Rory Rep', slackUserId: 'U0REP' },
  });
  rep = { slackUserId: 'U0REP', repId: r.id, name: 'Rory Rep' };
});
afterAll(async () => {
  await cleanup();
});

/** The operator's context (the `kpi` command: no actor), or a person's. */
const ctx = (actor?: TActor, now = NOW): TJobsContext => ({
  workspace: ws,
  ...(actor ? { actor } : {}),
  now,
  store,
  logger: createLogger('silent'),
});
const run = (input: TRunJobSlotInput, actor?: TActor) => runJobSlot(ctx(actor), input, deps);
const ledger = () => store.db.jobRun.findMany({ where: { workspaceId: ws.id }, orderBy: { slot: 'asc' } });

describe(`jobs service (${TEST_PROVIDER})`, () => {
  it('runs the latest due slot by default, once; a second run is reported; force runs it again', async () => {
    // Coaching alerts at 08:30 in Berlin: today's slot is 07:30 UTC. No reps with numbers: nothing to send.
    const first = await run({ job: 'coaching-alerts' });
    expect(first).toMatchObject({
      job: 'coaching-alerts',
      workspace: 'T0JOBS',
      outcome: 'ran',
      status: 'done',
      summary: '0 alerts sent',
    });
    expect(first.slot.toISOString()).toBe('2026-11-30T07:30:00.000Z');
    const again = await run({ job: 'coaching-alerts' });
    expect(again).toMatchObject({ outcome: 'already', status: 'done' });
    expect(again.summary).toMatch(/^already ran \(done at .*\); --force runs it again$/);
    expect(await run({ job: 'Coaching-Alerts', force: true })).toMatchObject({
      outcome: 'ran',
      status: 'done',
    });
    expect((await ledger()).map((r) => [r.job, r.slot.toISOString(), r.status])).toEqual([
      ['coaching-alerts', '2026-11-30T07:30:00.000Z', 'done'],
    ]);
  });

  it('a time stands for the latest slot at or before it; a slot must be one of the schedule', async () => {
    // Thursday 17:05 in Berlin: the week's leaderboard slot was Monday 09:00 (08:00 UTC).
    const week = await run({ job: 'leaderboard', at: '2026-11-26T17:05:00+01:00' });
    expect(week).toMatchObject({ outcome: 'ran', status: 'done' });
    expect(week.slot.toISOString()).toBe('2026-11-23T08:00:00.000Z');
    expect(sent.map((s) => s.to)).toEqual(['C0BOARD']);
    const exact = await run({ job: 'leaderboard', slot: '2026-11-16T09:00:00+01:00' });
    expect(exact.slot.toISOString()).toBe('2026-11-16T08:00:00.000Z');
    expect(exact.status).toBe('done');
    // The same instant written in UTC is the same slot, already run.
    expect(await run({ job: 'leaderboard', slot: '2026-11-16T08:00Z' })).toMatchObject({
      outcome: 'already',
    });

    const off = await refusal(run({ job: 'leaderboard', slot: '2026-11-16T08:01:00Z' }));
    expect([off.code, off.field]).toEqual(['bad_request', 'slot']);
    expect(off.message).toBe(
      '2026-11-16T08:01:00.000Z is not a slot of leaderboard ("0 9 * * 1" in Europe/Berlin). The latest before it is 2026-11-16T08:00:00.000Z.',
    );
    expect((await refusal(run({ job: 'leaderboard', slot: '2026-11-17T08:00:00Z' }))).field).toBe('slot');
  });

  it('refuses a slot or a time in the future, which the scheduler would then skip', async () => {
    const before = await ledger();
    const slot = await refusal(run({ job: 'leaderboard', slot: '2026-12-07T08:00:00Z' }));
    expect([slot.code, slot.field, slot.message]).toEqual([
      'bad_request',
      'slot',
      '2026-12-07T08:00:00.000Z is in the future: a slot runs when it is due.',
    ]);
    const at = await refusal(run({ job: 'coaching-alerts', at: '2026-11-30T12:01:00Z' }));
    expect([at.field, at.message]).toEqual([
      'at',
      '2026-11-30T12:01:00.000Z is in the future: a slot runs when it is due.',
    ]);
    // Now itself is not the future.
    expect((await run({ job: 'coaching-alerts', at: '2026-11-30T13:00:00+01:00' })).outcome).toBe('already');
    expect(await ledger()).toEqual(before);
  });

  it('refuses unknown jobs on the job field, with the jobs and the closest', async () => {
    const typo = await refusal(run({ job: 'leaderbord' }));
    expect([typo.code, typo.field, typo.message]).toEqual([
      'bad_request',
      'job',
      '"leaderbord" is not a job (leaderboard, coaching-alerts, stalled-deals). Did you mean leaderboard?',
    ]);
    expect((await refusal(run({ job: 'payroll' }))).message).toBe(
      '"payroll" is not a job (leaderboard, coaching-alerts, stalled-deals).',
    );
    expect((await refusal(run({ job: '   ' }))).field).toBe('job');
    expect((await refusal(run({ job: 42 } as never))).field).toBe('job');
    expect((await refusal(run({} as never))).field).toBe('job');
  });

  it('refuses hostile input on its field without echoing it raw, and runs nothing', async () => {
    const before = await ledger();
    const huge = '9'.repeat(10 * 1024 * 1024);
    const cases: [TRunJobSlotInput, string][] = [
      [{ job: 'leaderboard', slot: 'yesterday' }, 'slot'],
      [{ job: 'leaderboard', slot: '' }, 'slot'],
      [{ job: 'leaderboard', slot: huge }, 'slot'],
      [{ job: 'leaderboard', at: huge }, 'at'],
      [{ job: 'leaderboard', slot: '2026-11-23T08:00:00Z\u0000' }, 'slot'],
      [{ job: 'leaderboard', slot: '2026-11-23T08:00:00Z; DROP TABLE "JobRun"' }, 'slot'],
      [{ job: 'leaderboard', slot: '2026-11-23 08:00' }, 'slot'],
      [{ job: 'leaderboard', at: '2026-02-30T09:00:00Z' }, 'at'],
      [{ job: 'leaderboard', at: '2026-11-23T24:00:00Z' }, 'at'],
      [{ job: 'leaderboard', at: '2026-11-23T09:00:00+25:00' }, 'at'],
      [{ job: 'leaderboard', at: '0000-01-01T00:00Z' }, 'at'],
      [{ job: 'leaderboard', at: '1969-12-31T23:59:59Z' }, 'at'],
      [{ job: 'leaderboard', slot: '1900-01-01T09:00:00Z' }, 'slot'],
      [{ job: 'leaderboard', slot: '2026-11-23T08:00:00Z', at: '2026-11-23T08:00:00Z' }, 'at'],
      [{ job: 'leaderboard', slot: 1_700_000_000_000 } as never, 'slot'],
      [{ job: 'leaderboard', force: 'yes' } as never, 'force'],
      [{ job: huge }, 'job'],
      [{ job: 'leader\u0000board' }, 'job'],
    ];
    for (const [input, field] of cases) {
      const e = await refusal(run(input));
      expect([e.code, e.field], JSON.stringify(input).slice(0, 80)).toEqual(['bad_request', field]);
      expect(e.message.length).toBeLessThan(200);
      expect(e.message).not.toContain('\u0000');
    }
    expect((await refusal(run({ job: 'leader\u0000board' }))).message).toContain('"leader\\u0000board"');
    expect((await refusal(run({ job: 'leaderboard', at: '2026-02-30T09:00:00Z' }))).message).toBe(
      '"2026-02-30T09:00:00Z" is not a real time.',
    );
    expect(await ledger()).toEqual(before);
  });

  it('a person must be a KPI Bot admin, refused before anything is looked at; the operator may', async () => {
    const before = await ledger();
    const forbidden = await refusal(run({ job: 'leaderbord' }, rep));
    expect(forbidden.code).toBe('forbidden');
    expect((await refusal(jobsOverview(ctx(rep)))).code).toBe('forbidden');
    expect(await ledger()).toEqual(before);
    expect(await run({ job: 'leaderboard', slot: '2026-11-09T08:00:00Z' }, admin)).toMatchObject({
      outcome: 'ran',
      status: 'done',
    });
  });

  it('lists each job: schedule in the workspace zone, switch, next slots and last run', async () => {
    const rows = await jobsOverview(ctx());
    expect(rows.map((r) => [r.job, r.schedule, r.timezone, r.enabled])).toEqual([
      ['leaderboard', '0 9 * * 1', 'Europe/Berlin', true],
      ['coaching-alerts', '30 8 * * *', 'Europe/Berlin', true],
      ['stalled-deals', '0 9 * * 1', 'Europe/Berlin', true],
    ]);
    expect(rows[0]?.next.map((d) => d.toISOString())).toEqual([
      '2026-12-07T08:00:00.000Z',
      '2026-12-14T08:00:00.000Z',
      '2026-12-21T08:00:00.000Z',
    ]);
    expect(rows[0]?.last).toMatchObject({ status: 'done', error: null });
    expect(rows[0]?.last?.slot.toISOString()).toBe('2026-11-23T08:00:00.000Z');
    expect(rows[1]?.last?.result).toMatchObject({ summary: '0 alerts sent' });
    // The stalled-deals job was never run in this workspace: no last run.
    expect(rows[2]?.last).toBeNull();
    expect((await jobsOverview(ctx(admin))).length).toBe(3);
  });
});
