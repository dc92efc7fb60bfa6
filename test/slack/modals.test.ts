import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBot } from '../support/bot.js';
import { postToSlackEndpoint, slashCommands } from '../support/slack-request.js';

let t: Awaited<ReturnType<typeof startTestBot>>;
let seq = 0;

beforeAll(async () => {
  t = await startTestBot();
  const { db } = t.bot.store;
  // A workspace whose date differs from UTC's right now, so "today" must come from its time zone.
  const ws = await db.workspace.update({ where: { slackTeamId: 'T0ACME' }, data: { timezone: ZONE } });
  await db.rep.create({ data: { workspaceId: ws.id, name: 'Dana Scott', slackUserId: 'U0DANA' } });
  await db.rep.create({
    data: { workspaceId: ws.id, name: 'Ada Admin', slackUserId: 'U0ADA', role: 'admin' },
  });
});
afterAll(async () => {
  await t?.close();
});

/** UTC+14 from 10:00 UTC, else UTC-11: either way another date than UTC's. */
const ZONE = new Date().getUTCHours() >= 10 ? 'Pacific/Kiritimati' : 'Pacific/Pago_Pago';
/** Today in the workspace's zone (YYYY-MM-DD). */
const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(new Date());

async function interact(payload: Record<string, unknown>) {
  const res = await postToSlackEndpoint(
    t.baseUrl,
    new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
  );
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const user = (id: string) => ({ id, username: id.toLowerCase(), name: id.toLowerCase(), team_id: 'T0ACME' });

/** A global shortcut; resolves with the views.open call it causes. */
async function shortcut(callbackId: string, userId = 'U0DANA') {
  seq += 1;
  const trigger = `trig-${seq}`;
  const { status } = await interact({
    type: 'shortcut',
    token: 'deprecated',
    action_ts: `${Date.now() / 1000}`,
    team: { id: 'T0ACME', domain: 'acme' },
    user: user(userId),
    callback_id: callbackId,
    trigger_id: trigger,
  });
  expect(status).toBe(200);
  return t.slack.waitFor((c) => c.method === 'views.open' && c.body.trigger_id === trigger);
}

type TValue = {
  value?: string;
  selected_option?: { value: string };
  selected_date?: string;
  selected_user?: string;
};

/** Submits a modal with the given block values (action id `v`); returns the ack's JSON. */
async function submit(callbackId: string, values: Record<string, TValue>, userId = 'U0DANA') {
  const state = Object.fromEntries(
    Object.entries(values).map(([block, v]) => [block, { v: { type: 'x', ...v } }]),
  );
  const { status, body } = await interact({
    type: 'view_submission',
    team: { id: 'T0ACME', domain: 'acme' },
    user: user(userId),
    api_app_id: 'A0KPI',
    token: 'deprecated',
    trigger_id: 'trig-submit',
    view: {
      id: 'V1',
      type: 'modal',
      callback_id: callbackId,
      state: { values: state },
      hash: 'h',
      private_metadata: '',
    },
  });
  expect(status).toBe(200);
  return body as {
    response_action?: string;
    errors?: Record<string, string>;
    view?: { blocks: { text?: { text: string; type?: string } }[] };
  };
}

const choice = (value: string) => ({ selected_option: { value } });
const doneText = (ack: Awaited<ReturnType<typeof submit>>) => ack.view?.blocks[0]?.text?.text;

describe('modals', () => {
  it('the "Log outreach" shortcut opens the form with today in the workspace time zone', async () => {
    const open = await shortcut('kpi_open_activity');
    const view = open.body.view as {
      callback_id: string;
      blocks: { block_id?: string; element?: { initial_date?: string } }[];
    };
    expect(view.callback_id).toBe('kpi_modal_activity');
    expect(today()).not.toBe(new Date().toISOString().slice(0, 10));
    expect(view.blocks.find((b) => b.block_id === 'date')?.element?.initial_date).toBe(today());
  });

  it('/kpi log with nothing more opens the same form instead of a usage message', async () => {
    const before = t.slack.callsOf('views.open').length;
    // Acknowledged 200.
    await slashCommands(() => t).send('log');
    await t.slack.waitFor(() => t.slack.callsOf('views.open').length > before);
    const view = t.slack.callsOf('views.open').at(-1)?.body.view as { callback_id: string };
    expect(view.callback_id).toBe('kpi_modal_activity');
  });

  it('shows bad values on their fields and saves nothing', async () => {
    const { db } = t.bot.store;
    const before = await db.activity.count();
    const cases: [Record<string, TValue>, Record<string, RegExp>][] = [
      [
        { kind: choice('call'), count: { value: '0' }, date: { selected_date: today() } },
        { count: /At least 1/ },
      ],
      [
        { kind: choice('call'), count: { value: 'lots' }, date: { selected_date: today() } },
        { count: /whole number/ },
      ],
      [
        { kind: choice('call'), count: { value: '99999' }, date: {} },
        { count: /At most 10,000/, date: /Pick a day/ },
      ],
      [
        { kind: choice('fax'), count: { value: '2' }, date: { selected_date: today() } },
        { kind: /calls, emails or meetings/ },
      ],
      // Refused by the command itself: a day in the future.
      [
        { kind: choice('call'), count: { value: '2' }, date: { selected_date: '2999-01-01' } },
        { date: /in the future/ },
      ],
      [
        { kind: choice('call'), count: { value: '2' }, date: { selected_date: '2026-02-31' } },
        { date: /not a valid date/ },
      ],
    ];
    for (const [values, expected] of cases) {
      const ack = await submit('kpi_modal_activity', values);
      expect(ack.response_action).toBe('errors');
      expect(Object.keys(ack.errors ?? {}).sort()).toEqual(Object.keys(expected).sort());
      for (const [field, re] of Object.entries(expected)) expect(ack.errors?.[field]).toMatch(re);
    }
    expect(await db.activity.count()).toBe(before);
  });

  it('logs what a valid form says and shows what was done', async () => {
    const ack = await submit('kpi_modal_activity', {
      kind: choice('email'),
      count: { value: '7' },
      style: choice('personalized'),
      date: { selected_date: today() },
    });
    expect(ack.response_action).toBe('update');
    expect(doneText(ack)).toBe(`Logged 7 personalized emails on ${today()}.`);
    const row = await t.bot.store.db.activity.findFirstOrThrow({ where: { kind: 'email' } });
    expect(row).toMatchObject({ count: 7, personalized: true });
  });

  it('records a quiz with a hostile course name intact and refuses a score over the maximum', async () => {
    const over = await submit('kpi_modal_quiz', {
      course: { value: 'GTX' },
      score: { value: '60' },
      max: { value: '50' },
    });
    expect(over.errors).toEqual({ score: 'More than the maximum (50).' });
    const ack = await submit('kpi_modal_quiz', {
      course: { value: 'The "Pro" <!channel> course' },
      score: { value: '42' },
      max: { value: '50' },
    });
    expect(ack.response_action).toBe('update');
    // The confirmation is plain text: the course name shows as typed and pings nobody.
    expect(ack.view?.blocks[0]?.text?.type).toBe('plain_text');
    expect(doneText(ack)).toContain('<!channel>');
    const row = await t.bot.store.db.trainingResult.findFirstOrThrow({});
    // The form's values go to the service as they are: no command text in between, so no quote is rewritten.
    expect(row.course).toBe('The "Pro" <!channel> course');
    expect(row.score).toBe(42);
  });

  it('needs at least one LinkedIn number and refuses a negative one', async () => {
    expect((await submit('kpi_modal_linkedin', {})).errors).toEqual({
      followers: 'Fill in at least one number.',
    });
    expect((await submit('kpi_modal_linkedin', { views: { value: '-3' } })).errors).toEqual({
      views: 'A whole number, please.',
    });
    const ack = await submit('kpi_modal_linkedin', { followers: { value: '812' }, views: { value: '140' } });
    expect(doneText(ack)).toMatch(/followers 812, views 140/);
  });

  it('offers "Set a target" to admins only, and refuses a forged submission by a rep', async () => {
    const denied = await shortcut('kpi_open_target', 'U0DANA');
    expect(JSON.stringify(denied.body.view)).toContain('targets are set by KPI Bot admins');
    expect((denied.body.view as { callback_id?: string }).callback_id).toBeUndefined();
    const allowed = await shortcut('kpi_open_target', 'U0ADA');
    expect((allowed.body.view as { callback_id: string }).callback_id).toBe('kpi_modal_target');
    const forged = await submit('kpi_modal_target', {
      scope: choice('workspace'),
      metric: choice('sales.won_total'),
      amount: { value: '50k' },
      period: choice('monthly'),
    });
    expect(forged.errors?.amount).toMatch(/targets are set by KPI Bot admins/);
    expect(await t.bot.store.db.target.count()).toBe(0);
  });

  it('sets a target from the form, with field errors first', async () => {
    const missing = await submit(
      'kpi_modal_target',
      {
        scope: choice('rep'),
        metric: choice('sales.won_total'),
        amount: { value: 'lots' },
        period: choice('monthly'),
      },
      'U0ADA',
    );
    expect(missing.errors).toEqual({
      user: 'Choose the rep.',
      amount: 'A positive number, like 50000, 50k, 1.5m or 25%.',
    });
    const unknown = await submit(
      'kpi_modal_target',
      {
        scope: choice('rep'),
        user: { selected_user: 'U0NOBODY' },
        metric: choice('sales.won_total'),
        amount: { value: '50k' },
        period: choice('monthly'),
      },
      'U0ADA',
    );
    expect(unknown.errors?.user).toMatch(/do not know <@U0NOBODY> as a rep/);
    const ok = await submit(
      'kpi_modal_target',
      {
        scope: choice('rep'),
        user: { selected_user: 'U0DANA' },
        metric: choice('sales.won_total'),
        amount: { value: '50k' },
        period: choice('quarterly'),
      },
      'U0ADA',
    );
    expect(doneText(ok)).toMatch(/^Target set: Dana Scott, Won revenue \$50,000\.00 a quarter, from /);
    const everyone = await submit(
      'kpi_modal_target',
      {
        scope: choice('workspace'),
        metric: choice('outreach.total'),
        amount: { value: '400' },
        period: choice('weekly'),
      },
      'U0ADA',
    );
    expect(doneText(everyone)).toMatch(/^Target set: everyone, /);
    // A rate typed without % is a percentage (25 is 25%, as 0.25 would be); over 100% is refused on the field.
    const rate = (value: string) =>
      submit(
        'kpi_modal_target',
        {
          scope: choice('workspace'),
          metric: choice('opportunities.win_rate'),
          amount: { value },
          period: choice('monthly'),
        },
        'U0ADA',
      );
    expect(doneText(await rate('25'))).toMatch(/^Target set: everyone, Win rate 25(\.0)?% per rep, from /);
    expect((await rate('250')).errors?.amount).toMatch(/at most 100%/);
    expect((await rate('150%')).errors?.amount).toMatch(/at most 100%/);
    const rows = await t.bot.store.db.target.findMany({ orderBy: { createdAt: 'asc' } });
    expect(rows.map((r) => [r.scope, r.metricId, r.periodKind, r.amount])).toEqual([
      ['rep', 'sales.won_total', 'quarter', 5_000_000n],
      ['workspace', 'outreach.total', 'week', 400n],
      ['workspace', 'opportunities.win_rate', 'month', 250_000n],
    ]);
  });

  it('App Home buttons open the forms', async () => {
    seq += 1;
    const trigger = `btn-${seq}`;
    await interact({
      type: 'block_actions',
      team: { id: 'T0ACME', domain: 'acme' },
      user: user('U0DANA'),
      api_app_id: 'A0KPI',
      token: 'deprecated',
      trigger_id: trigger,
      container: { type: 'view', view_id: 'VHOME' },
      actions: [{ type: 'button', action_id: 'kpi_open_quiz', block_id: 'kpi_home_actions', action_ts: '1' }],
    });
    const open = await t.slack.waitFor((c) => c.method === 'views.open' && c.body.trigger_id === trigger);
    expect((open.body.view as { callback_id: string }).callback_id).toBe('kpi_modal_quiz');
  });

  it('tells someone who is not a rep how to get set up instead of a form', async () => {
    const open = await shortcut('kpi_open_activity', 'U0STRANGER');
    expect(JSON.stringify(open.body.view)).toContain('not set up as a rep');
  });
});
