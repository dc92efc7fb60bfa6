import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandRouter } from '../../src/commands/execute.js';
import { COMMANDS } from '../../src/commands/index.js';
import type { TActor } from '../../src/commands/types.js';
import type { Workspace } from '../../src/generated/sqlite/client.js';
import { createLogger } from '../../src/logger.js';
import { repMetricsReport } from '../../src/reports/rep-metrics.js';
import type { TStore } from '../../src/store/store.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';

let store: TStore;
let cleanup: () => Promise<void>;
let ws: Workspace;
let dana: TActor;
const router = createCommandRouter(COMMANDS);
// 11:00 in New York on Monday 10 July 2017.
const now = new Date('2017-07-10T15:00:00Z');

beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
  ws = await store.db.workspace.create({ data: { slackTeamId: 'T0ACME', timezone: 'America/New_York' } });
  const rep = await store.db.rep.create({
    data: { workspaceId: ws.id, name: 'Dana Scott', slackUserId: 'U0DANA' },
  });
  dana = { repId: rep.id, slackUserId: 'U0DANA', name: 'Dana Scott' };
});
afterAll(async () => {
  await cleanup();
});

const run = (text: string, actor: TActor = dana) =>
  router.execute(text, { workspace: ws, actor, now, store, logger: createLogger('silent') });

describe(`/kpi log and /kpi quiz (${TEST_PROVIDER})`, () => {
  it('logs calls, emails and meetings through the inbox, on the local day asked for', async () => {
    expect((await run('log call 3 personalized')).text).toBe('Logged 3 personalized calls on 2017-07-10.');
    expect((await run('log emails 10 generic yesterday')).text).toBe(
      'Logged 10 generic emails on 2017-07-09.',
    );
    expect((await run('log meeting 2017-07-01')).text).toBe('Logged 1 meeting on 2017-07-01.');
    const activities = await store.db.activity.findMany({
      where: { workspaceId: ws.id },
      orderBy: { occurredAt: 'asc' },
    });
    expect(
      activities.map((a) => [a.kind, a.count, a.personalized, a.occurredAt.toISOString(), a.repId]),
    ).toEqual([
      ['meeting', 1, null, '2017-07-01T16:00:00.000Z', dana.repId],
      ['email', 10, false, '2017-07-09T16:00:00.000Z', dana.repId],
      ['call', 3, true, '2017-07-10T16:00:00.000Z', dana.repId],
    ]);
    const inbox = await store.db.inboxEvent.findMany({ where: { workspaceId: ws.id, source: 'slack' } });
    expect(inbox).toHaveLength(3);
    expect(inbox.every((e) => e.appliedAt && !e.error)).toBe(true);
    const rep = await store.db.rep.findUniqueOrThrow({ where: { id: dana.repId } });
    const report = await repMetricsReport(store.db, ws, rep, 'this month', now);
    // Meetings are logged but are not outreach (docs/metrics.md).
    expect(report.metrics).toMatchObject({
      'outreach.calls': 3,
      'outreach.emails': 10,
      'outreach.total': 13,
    });
  });

  it('logs LinkedIn numbers and a post, and a quiz score', async () => {
    expect((await run('log linkedin followers=812 views=140 accepted=9')).text).toContain('followers 812');
    const snaps = await store.db.socialSnapshot.findMany({
      where: { workspaceId: ws.id },
      orderBy: { metric: 'asc' },
    });
    expect(snaps.map((s) => [s.metric, s.value])).toEqual([
      ['followers', 812],
      ['profile_views', 140],
      ['requests_accepted', 9],
    ]);
    await run('log post LinkedIn shares=4 comments=2 likes=30 id=https://lnkd.in/p1');
    await run('log post linkedin shares=6 comments=2 likes=25 id=https://lnkd.in/p1');
    const post = await store.db.socialPost.findFirstOrThrow({ where: { workspaceId: ws.id } });
    expect(post).toMatchObject({
      network: 'linkedin',
      postId: 'https://lnkd.in/p1',
      shares: 6,
      comments: 2,
      likes: 30,
    });
    expect((await run('quiz "GTX Pro" 42/50')).text).toBe('Recorded 42/50 (84%) for GTX Pro.');
    expect((await run('quiz “Onboarding 2” 88%')).text).toBe('Recorded 88/100 (88%) for Onboarding 2.');
    expect(await store.db.trainingResult.count({ where: { workspaceId: ws.id } })).toBe(2);
  });

  it.each([
    ['log call x', /Usage: `\/kpi log call\|email\|meeting/],
    ['log call 0', /N must be a whole number from 1 to 10,000, got "0"/],
    ['log call 2.5', /N must be a whole number .* got "2\.5"/],
    ['log call 20000', /N must be a whole number/],
    ['log call 3 next-tuesday', /could not read "next-tuesday" as a date/],
    ['log call 2017-02-30', /"2017-02-30" is not a valid date/],
    ['log call 2099-01-01', /is in the future/],
    ['log fax 3', /I cannot log "fax"/],
    ['log cals 3', /did you mean call/],
    ['log', /Say what to log/],
    ['log linkedin', /Say which numbers/],
    ['log linkedin followers=many', /followers must be a whole number/],
    ['log linkedin folowers=3', /did you mean followers/],
    ['log linkedin followers', /Expected name=value/],
    ['log post', /Say which network/],
    ['log post linkedin hearts=3', /"hearts" is not something a post has/],
    ['quiz', /Say the course and the score/],
    ['quiz GTX 120', /more than its maximum/],
    ['quiz GTX 8/0', /maximum must be a number above 0/],
    ['quiz GTX Pro 80', /Put a course name of several words in quotes/],
    ['quiz GTX eighty', /must look like 42\/50/],
  ])('%s gets a helpful refusal and changes nothing', async (text, message) => {
    const before = await store.db.inboxEvent.count();
    const reply = await run(text);
    expect(reply.text).toMatch(message);
    expect(reply.visibility).toBe('ephemeral');
    expect(await store.db.inboxEvent.count()).toBe(before);
  });

  it('escapes what the user typed when quoting it back', async () => {
    const reply = await run('log call <!channel>');
    expect(JSON.stringify(reply.blocks)).not.toContain('<!channel>');
    expect(JSON.stringify(reply.blocks)).toContain('&lt;!channel&gt;');
  });

  it('tells someone who is not a rep how to get set up', async () => {
    const reply = await run('log call 2', { slackUserId: 'U0NEW', name: 'newbie' });
    expect(reply.text).toContain('not set up as a rep');
  });
});
