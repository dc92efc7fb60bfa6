import { subMonths } from 'date-fns';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestBot } from '../support/bot.js';
import { testClock } from '../support/clock.js';
import type { TRecordedCall } from '../support/fake-slack.js';
import { seedWorkspace } from '../support/seed.js';
import { postToSlackEndpoint, slashCommands } from '../support/slack-request.js';

let t: Awaited<ReturnType<typeof startTestBot>>;
const { send, slash } = slashCommands(() => t);
let homeEvents = 0;
/**
 * App Home runs on this clock: a person's dashboard is published at most once per REFRESH_MS of it, and new facts
 * settle for SETTLE_MS before dashboards are refreshed; its timers fire when the test moves the clock on.
 */
const clock = testClock();
const REFRESH_MS = 60_000;
const SETTLE_MS = 200;

beforeAll(async () => {
  t = await startTestBot({
    clock,
    homeTiming: { refreshMs: REFRESH_MS, settleMs: SETTLE_MS, chartRetryMs: 100, setTimer: clock.setTimer },
  });
  const { db } = t.bot.store;
  const now = clock.now();
  // Won deals this month (a second ago) and in each of the three months before; one open.
  const closes = [new Date(now.getTime() - 1000), ...[1, 2, 3].map((k) => subMonths(now, k))];
  const { workspace } = await seedWorkspace(db, {
    reps: [
      { name: 'Dana Scott', slackUserId: 'U0DANA' },
      { name: 'Lee Park', slackUserId: 'U0LEE' },
    ],
    deals: [
      ...closes.map((closedAt, i) => ({
        rep: 'Dana Scott',
        amountMinor: BigInt(100_000 * (i + 1)),
        openedAt: subMonths(closedAt, 1),
        closedAt,
      })),
      { rep: 'Dana Scott', status: 'open', amountMinor: 5_000n, openedAt: subMonths(now, 1) },
    ],
  });
  await db.target.create({
    data: {
      workspaceId: workspace.id,
      scope: 'workspace',
      metricId: 'sales.won_total',
      periodKind: 'month',
      amount: 150_000,
      effectiveFrom: new Date('2000-01-01T00:00:00Z'),
    },
  });
});
afterAll(async () => {
  await t?.close();
});
beforeEach(() => {
  t.slack.on('response_url', () => ({ ok: true }));
});

type TReplyBody = {
  text: string;
  replace_original?: boolean;
  blocks?: { type: string; slack_file?: { id: string }; alt_text?: string }[];
};

const hasImage = (r: TReplyBody | undefined) => Boolean(r?.blocks?.some((b) => b.type === 'image'));

/**
 * `/kpi <text>`: its first reply (the text, no chart yet), and then the same reply with its chart, replacing the
 * first through the same response URL.
 */
async function slashWithChart(text: string) {
  const sent = await send(text);
  const first = await sent.reply<TReplyBody>();
  const full = await t.slack.waitFor(
    (c) => c.path === `/respond/${sent.id}` && (c.body as TReplyBody).replace_original === true,
  );
  return { sent, first, full: full.body as TReplyBody };
}

/** The PNG inside a multipart upload body. */
function pngIn(raw: Buffer): Buffer {
  const start = raw.indexOf(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  const end = raw.indexOf(Buffer.from('IEND', 'latin1'));
  expect(start).toBeGreaterThanOrEqual(0);
  return raw.subarray(start, end + 8);
}

describe('charts in Slack replies', () => {
  it('/kpi me uploads a PNG with files.uploadV2 and shows it in an image block by slack_file id', async () => {
    const before = t.slack.callsOf('files.getUploadURLExternal').length;
    const { first, full: reply } = await slashWithChart('me');
    // The numbers went out first, without waiting for the picture; the replacement is the same reply with it.
    expect(hasImage(first)).toBe(false);
    expect(first.replace_original).toBeUndefined();
    expect(reply.text).toBe(first.text);
    expect(reply.blocks?.filter((b) => b.type !== 'image')).toEqual(first.blocks);
    const urls = t.slack.callsOf('files.getUploadURLExternal').slice(before);
    expect(urls).toHaveLength(1);
    expect(String(urls[0]?.body.filename)).toMatch(/^kpi-dana-scott-won-\d{4}-\d{2}\.png$/);
    expect(String(urls[0]?.body.alt_text)).toMatch(/^Won revenue against target for Dana Scott: /);
    const complete = t.slack.callsOf('files.completeUploadExternal').at(-1) as TRecordedCall;
    // Not shared into any channel: the bot owns the file and shows it in its own reply.
    expect(complete.body.channel_id).toBeUndefined();
    const fileId = (complete.body.files as { id: string }[])[0]?.id;
    const upload = t.slack.calls.filter((c) => c.path.startsWith('/upload/')).at(-1) as TRecordedCall;
    const png = pngIn(upload.raw);
    expect(png.readUInt32BE(16)).toBe(1800);
    expect(png.readUInt32BE(20)).toBe(900);
    const image = reply.blocks?.find((b) => b.type === 'image');
    expect(image?.slack_file).toEqual({ id: fileId });
    expect(image?.alt_text).toContain('(target $1,500)');
    expect(reply.text).toMatch(/^Dana Scott, .*: won \$1,000$/);
  });

  it('reuses the uploaded chart while the picture is the same', async () => {
    const before = t.slack.callsOf('files.getUploadURLExternal').length;
    const { full: reply } = await slashWithChart('me');
    expect(hasImage(reply)).toBe(true);
    expect(t.slack.callsOf('files.getUploadURLExternal').length).toBe(before);
  });

  it('/kpi leaderboard and /kpi funnel carry their charts too', async () => {
    const { full: board } = await slashWithChart('leaderboard');
    expect(board.blocks?.find((b) => b.type === 'image')?.alt_text).toMatch(
      /^Won revenue, .*: 1\. Dana Scott \$1,000\./,
    );
    const { full: funnel } = await slashWithChart('funnel');
    expect(funnel.blocks?.find((b) => b.type === 'image')?.alt_text).toMatch(/^Funnel of Dana Scott, /);
  });

  it('answers without the chart when the upload is refused', async () => {
    t.slack.on('files.getUploadURLExternal', () => ({ ok: false, error: 'not_allowed_token_type' }));
    try {
      const sent = await send('leaderboard last month');
      const reply = await sent.reply<TReplyBody>();
      expect(reply.text).toMatch(/leaderboard/);
      expect(hasImage(reply)).toBe(false);
      // The chart's work is done and nothing replaced the reply.
      expect(await t.bot.inflight.drain(30_000)).toBe(true);
      expect(t.slack.callsOf('files.getUploadURLExternal').length).toBeGreaterThan(0);
      expect(sent.posts()).toHaveLength(1);
    } finally {
      t.slack.on('files.getUploadURLExternal', (call) => ({
        ok: true,
        upload_url: `${t.slack.url}upload/F9${call.body.filename}`,
        file_id: `F9${String(call.body.filename).length}${Date.now()}`,
      }));
    }
  });
});

describe('the reply reaches the user whatever Slack answers', () => {
  it('retries the response URL after 500 and 429 answers', async () => {
    let n = 0;
    t.slack.on('response_url', () =>
      ++n === 1 ? { __status: 500, ok: false } : n === 2 ? { __status: 429, ok: false } : { ok: true },
    );
    const sent = await send('help');
    await t.slack.waitFor(() => n >= 3);
    const calls = sent.posts();
    expect(calls).toHaveLength(3);
    expect((calls[2] as TRecordedCall).body.text).toBe((calls[0] as TRecordedCall).body.text);
  });

  it('keeps the reply without its chart when Slack refuses the image (a file not processed yet)', async () => {
    t.slack.on('response_url', (call) =>
      hasImage(call.body as TReplyBody)
        ? { __status: 400, ok: false, error: 'invalid_blocks' }
        : { ok: true },
    );
    const sent = await send('me last month');
    expect((await sent.reply<TReplyBody>()).text).toMatch(/^Dana Scott, /);
    expect(await t.bot.inflight.drain(30_000)).toBe(true);
    // The text first (taken), then two tries to add the chart (five posts at most to one response URL, with
    // the reply's own three); the user keeps the text.
    const tries = sent.posts();
    expect(tries.map((c) => hasImage(c.body as TReplyBody))).toEqual([false, true, true]);
    // The refused file is deleted, and the same picture is not uploaded again on the next ask.
    const withChart = tries[1]?.body as TReplyBody | undefined;
    const refusedId = withChart?.blocks?.find((b) => b.type === 'image')?.slack_file?.id;
    expect(refusedId).toBeDefined();
    const deleted = await t.slack.waitFor((c) => c.method === 'files.delete');
    expect(deleted.body.file).toBe(refusedId);
    const uploads = t.slack.callsOf('files.getUploadURLExternal').length;
    t.slack.on('response_url', () => ({ ok: true }));
    const sentAgain = await send('me last month');
    const again = await sentAgain.reply<TReplyBody>();
    expect(again.text).toMatch(/^Dana Scott, /);
    expect(hasImage(again)).toBe(false);
    expect(await t.bot.inflight.drain(30_000)).toBe(true);
    expect(sentAgain.posts()).toHaveLength(1);
    expect(t.slack.callsOf('files.getUploadURLExternal').length).toBe(uploads);
  });

  it('keeps the chart when the replacement fails for a reason other than the picture', async () => {
    // An expired response URL (404): one try, the file is kept, the picture offered again next time.
    const deletes = () => t.slack.callsOf('files.delete').length;
    const before = deletes();
    t.slack.on('response_url', (call) =>
      hasImage(call.body as TReplyBody) ? { __status: 404, ok: false, error: 'expired_url' } : { ok: true },
    );
    const sent = await send('funnel last month');
    await sent.reply<TReplyBody>();
    expect(await t.bot.inflight.drain(30_000)).toBe(true);
    expect(sent.posts().map((c) => hasImage(c.body as TReplyBody))).toEqual([false, true]);
    // Slack down for a moment (500 on every try): retried, then left; still not deleted.
    t.slack.on('response_url', (call) =>
      hasImage(call.body as TReplyBody) ? { __status: 500, ok: false } : { ok: true },
    );
    const again = await send('funnel last month');
    await again.reply<TReplyBody>();
    expect(await t.bot.inflight.drain(30_000)).toBe(true);
    expect(again.posts().map((c) => hasImage(c.body as TReplyBody))).toEqual([false, true, true]);
    expect(deletes()).toBe(before);
    t.slack.on('response_url', () => ({ ok: true }));
    const uploads = t.slack.callsOf('files.getUploadURLExternal').length;
    const { full } = await slashWithChart('funnel last month');
    expect(hasImage(full)).toBe(true);
    // The same picture: the upload made for the first ask is reused.
    expect(t.slack.callsOf('files.getUploadURLExternal').length).toBe(uploads);
  });

  it('at last sends the text alone through the Web API when Slack refuses the blocks too', async () => {
    t.slack.on('response_url', () => ({ __status: 404, ok: false, error: 'expired_url' }));
    t.slack.on('chat.postEphemeral', (call) =>
      call.body.blocks ? { ok: false, error: 'invalid_blocks' } : { ok: true },
    );
    try {
      const before = t.slack.callsOf('chat.postEphemeral').length;
      await send('help');
      const textOnly = await t.slack.waitFor((c) => c.method === 'chat.postEphemeral' && !c.body.blocks);
      expect(String(textOnly.body.text)).toMatch(/KPI Bot/);
      expect(t.slack.callsOf('chat.postEphemeral').length - before).toBe(2);
    } finally {
      t.slack.on('chat.postEphemeral', () => ({ ok: true }));
    }
  });

  it('falls back to chat.postEphemeral when the response URL is dead', async () => {
    t.slack.on('response_url', () => ({ __status: 404, ok: false, error: 'expired_url' }));
    await send('help');
    const call = await t.slack.waitFor((c) => c.method === 'chat.postEphemeral');
    expect(call.body).toMatchObject({ channel: 'C0SALES', user: 'U0DANA' });
    expect(String(call.body.text)).toMatch(/KPI Bot/);
  });
});

async function openHome(user: string) {
  homeEvents += 1;
  const body = JSON.stringify({
    token: 'deprecated',
    team_id: 'T0ACME',
    api_app_id: 'A0KPI',
    type: 'event_callback',
    event_id: `EvC${homeEvents}`,
    event_time: Math.floor(Date.now() / 1000),
    event: {
      type: 'app_home_opened',
      user,
      channel: `D${user}`,
      tab: 'home',
      event_ts: `${Date.now() / 1000}`,
    },
  });
  expect((await postToSlackEndpoint(t.baseUrl, body, { contentType: 'application/json' })).status).toBe(200);
}

const publishes = (user: string) =>
  t.slack.calls.filter((c) => c.method === 'views.publish' && c.body.user_id === user);

describe('App Home', () => {
  it('publishes after a 429 from views.publish (waiting Retry-After), with the chart', async () => {
    let n = 0;
    t.slack.on('views.publish', () =>
      ++n === 1
        ? { __status: 429, __headers: { 'retry-after': '1' }, ok: false, error: 'ratelimited' }
        : { ok: true },
    );
    await openHome('U0LEE');
    await t.slack.waitFor(() => n >= 2);
    expect(publishes('U0LEE')).toHaveLength(2);
    expect(JSON.stringify(publishes('U0LEE')[1]?.body.view)).toContain('slack_file');
    t.slack.on('views.publish', () => ({ ok: true }));
  });

  it('tries a refused chart once more, then publishes without it and does not upload it again', async () => {
    const { db } = t.bot.store;
    const ws = await db.workspace.findUniqueOrThrow({ where: { slackTeamId: 'T0ACME' } });
    await db.rep.create({ data: { workspaceId: ws.id, name: 'Kim Ode', slackUserId: 'U0KIM' } });
    let n = 0;
    t.slack.on('views.publish', (call) => {
      if (call.body.user_id !== 'U0KIM') return { ok: true };
      n += 1;
      return JSON.stringify(call.body.view).includes('slack_file')
        ? { ok: false, error: 'invalid_arguments' }
        : { ok: true };
    });
    try {
      const uploads = t.slack.callsOf('files.getUploadURLExternal').length;
      await openHome('U0KIM');
      await t.slack.waitFor(() => n >= 3);
      const kim = publishes('U0KIM');
      expect(kim.map((c) => JSON.stringify(c.body.view).includes('slack_file'))).toEqual([true, true, false]);
      expect(JSON.stringify(kim[2]?.body.view)).toContain('Kim Ode');
      const fileId = /"slack_file":\{"id":"([^"]+)"/.exec(JSON.stringify(kim[0]?.body.view))?.[1];
      expect(
        (await t.slack.waitFor((c) => c.method === 'files.delete' && c.body.file === fileId)).body.file,
      ).toBe(fileId);
      expect(t.slack.callsOf('files.getUploadURLExternal').length).toBe(uploads + 1);
      // Opened again after the refresh interval (the clock moved on): the same numbers, so no new upload and
      // no chart.
      clock.advance(REFRESH_MS);
      await openHome('U0KIM');
      await t.slack.waitFor(() => n >= 4);
      expect(JSON.stringify(publishes('U0KIM')[3]?.body.view)).not.toContain('slack_file');
      expect(t.slack.callsOf('files.getUploadURLExternal').length).toBe(uploads + 1);
    } finally {
      t.slack.on('views.publish', () => ({ ok: true }));
    }
  });

  it('refreshes a viewer’s dashboard after they log facts, at most once per refresh interval', async () => {
    await openHome('U0DANA');
    const first = await t.slack.waitFor((c) => c.method === 'views.publish' && c.body.user_id === 'U0DANA');
    expect(JSON.stringify(first.body.view)).toContain('slack_file');
    const count = publishes('U0DANA').length;
    const lee = publishes('U0LEE').length;
    // Three logs: the facts settle (one refresh of the workspace waiting, however long the logs took)...
    for (const n of [3, 4, 5]) await slash(`log call ${n}`);
    expect(clock.timers).toBe(1);
    clock.advance(SETTLE_MS);
    expect(await t.bot.inflight.drain(30_000)).toBe(true);
    // ...then the workspace's recent viewers are refreshed: Lee at once (his last publish is more than the
    // interval ago), Dana not before her interval is up.
    expect(publishes('U0LEE').length).toBe(lee + 1);
    expect(publishes('U0DANA').length).toBe(count);
    clock.advance(REFRESH_MS);
    const refreshed = await t.slack.waitFor(
      (c) =>
        c.method === 'views.publish' && c.body.user_id === 'U0DANA' && publishes('U0DANA').length > count,
    );
    // 3 + 4 + 5 calls logged.
    expect(JSON.stringify(refreshed.body.view)).toMatch(/Outreach[^*]*\*\\n12\b/);
    // Then nothing more is to come (no refresh waiting, no work in flight): one refresh for the three logs.
    expect(await t.bot.inflight.drain(30_000)).toBe(true);
    expect([clock.timers, t.bot.home?.scheduled()]).toEqual([0, 0]);
    expect(publishes('U0DANA').length).toBe(count + 1);
    expect(publishes('U0LEE').length).toBe(lee + 1);
  });
});
