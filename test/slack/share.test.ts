import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBot } from '../support/bot.js';
import { postToSlackEndpoint, slashCommands, type TSlashReply } from '../support/slack-request.js';

let t: Awaited<ReturnType<typeof startTestBot>>;
let seq = 0;
const { slash } = slashCommands(() => t);

beforeAll(async () => {
  t = await startTestBot();
  const { db } = t.bot.store;
  const ws = await db.workspace.findUniqueOrThrow({ where: { slackTeamId: 'T0ACME' } });
  await db.rep.create({
    data: { workspaceId: ws.id, name: 'Dana Scott', slackUserId: 'U0DANA', role: 'admin' },
  });
});
afterAll(async () => {
  await t?.close();
});

/** Clicks a button as Slack does: a signed form post with the block_actions payload. */
async function click(value: string) {
  seq += 1;
  const payload = {
    type: 'block_actions',
    team: { id: 'T0ACME', domain: 'acme' },
    user: { id: 'U0DANA', username: 'dana', name: 'dana', team_id: 'T0ACME' },
    api_app_id: 'A0KPI',
    token: 'deprecated',
    trigger_id: '1.2.3',
    channel: { id: 'C0SALES', name: 'sales' },
    response_url: t.slack.responseUrl(`a${seq}`),
    actions: [
      { type: 'button', action_id: 'kpi_share', block_id: 'b1', value, action_ts: `${Date.now() / 1000}` },
    ],
  };
  const res = await postToSlackEndpoint(
    t.baseUrl,
    new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
  );
  expect(res.status).toBe(200);
  const reply = await t.slack.waitFor((c) => c.path === `/respond/a${seq}`);
  return reply.body as { text: string; response_type: string; blocks: unknown[]; replace_original?: boolean };
}

const shareButton = (blocks: TSlashReply['blocks']) =>
  blocks?.find((b) => b.type === 'actions')?.elements?.find((e) => e.action_id === 'kpi_share');

describe('Share in channel', () => {
  it('read-only replies carry the button with their command; logging and admin replies do not', async () => {
    expect(shareButton((await slash('me last month')).blocks)?.value).toBe('me last month');
    expect(shareButton((await slash('leaderboard')).blocks)?.value).toBe('leaderboard');
    expect(shareButton((await slash('log call 2')).blocks)).toBeUndefined();
    expect(shareButton((await slash('me fortnight')).blocks)).toBeUndefined();
  });

  it('re-runs the command for the clicker and posts it to the channel', async () => {
    const posted = await click('me last month');
    expect(posted.response_type).toBe('in_channel');
    expect(posted.replace_original).toBe(false);
    expect(JSON.stringify(posted.blocks)).toContain('Dana Scott');
    expect(JSON.stringify(posted.blocks)).toContain('Shared by <@U0DANA>');
  });

  it('never runs a command that changes something, whatever a forged click says', async () => {
    const before = await t.bot.store.db.target.count();
    const answer = await click('target set team sales.won_total 1');
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.text).toBe('That reply cannot be shared.');
    expect(await t.bot.store.db.target.count()).toBe(before);
    expect((await click('settings timezone UTC')).text).toBe('That reply cannot be shared.');
  });
});

describe('/kpi export', () => {
  it('sends the CSV to the asker by direct message through files.uploadV2', async () => {
    const ws = await t.bot.store.db.workspace.findUniqueOrThrow({ where: { slackTeamId: 'T0ACME' } });
    await t.bot.store.db.rep.create({
      data: { workspaceId: ws.id, name: '=cmd|evil', slackUserId: 'U0SAM' },
    });
    const reply = await slash('export 2017-06');
    expect(reply.text).toMatch(
      /^Metrics for everyone, June 2017: 1 row \(USD\)\. I sent you the CSV file in a direct message\.$/,
    );
    expect(t.slack.calls.find((c) => c.method === 'conversations.open')?.body.users).toBe('U0DANA');
    const url = t.slack.calls.find((c) => c.method === 'files.getUploadURLExternal');
    expect(url?.body.filename).toBe('kpi-2017-06.csv');
    const upload = t.slack.calls.find((c) => c.path.startsWith('/upload/'));
    expect(JSON.stringify(upload?.body)).toContain('rep,period,sales.won_total');
    expect(JSON.stringify(upload?.body)).toContain("'=cmd|evil,2017-06");
    const complete = t.slack.calls.find((c) => c.method === 'files.completeUploadExternal');
    expect(complete?.body.channel_id).toBe('D0DANA');
  });

  it('tells the asker when Slack refuses the upload', async () => {
    t.slack.on('files.getUploadURLExternal', () => ({ ok: false, error: 'not_allowed_token_type' }));
    const reply = await slash('export');
    expect(reply.text).toMatch(/could not send you the file/);
  });
});

// After the export tests, which read the first upload of the run (this one uploads a chart).
describe('Share in channel: a leaderboard', () => {
  it('a shared leaderboard marks nobody as "you": not the person who shared it either', async () => {
    const { db } = t.bot.store;
    const dana = await db.rep.findFirstOrThrow({ where: { slackUserId: 'U0DANA' } });
    // Boards rank reps (role rep); Dana is an admin in the other tests, a rep for this one.
    await db.rep.update({ where: { id: dana.id }, data: { role: 'rep' } });
    await db.deal.create({
      data: {
        workspaceId: dana.workspaceId,
        repId: dana.id,
        source: 'csv',
        externalId: 'share-board-1',
        stage: 'Won',
        status: 'won',
        amountMinor: 500_000n,
        openedAt: new Date('2017-06-01T12:00:00Z'),
        closedAt: new Date('2017-06-10T12:00:00Z'),
      },
    });
    expect(JSON.stringify((await slash('leaderboard 2017-06')).blocks)).toContain('Dana Scott (you)');
    const posted = await click('leaderboard 2017-06');
    expect(posted.response_type).toBe('in_channel');
    expect(JSON.stringify(posted.blocks)).toContain('1. Dana Scott $5,000');
    expect(JSON.stringify(posted.blocks)).not.toContain('(you)');
    await db.rep.update({ where: { id: dana.id }, data: { role: 'admin' } });
  });
});
