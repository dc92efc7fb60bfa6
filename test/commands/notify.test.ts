import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runShell } from '../../src/cli/shell.js';
import { createCommandRouter } from '../../src/commands/execute.js';
import { COMMANDS } from '../../src/commands/index.js';
import type { TActor } from '../../src/commands/types.js';
import type { TNotifyView } from '../../src/domain/notify.js';
import { createLogger } from '../../src/logger.js';
import { notifyPreferencesOf } from '../../src/store/notify-preferences.js';
import type { TStore } from '../../src/store/store.js';
import type { Rep, Workspace } from '../../src/store/types.js';
import { LIMITS } from '../../src/views/blocks.js';
import { buildNotify } from '../../src/views/notify.js';
import { displayWidth } from '../../src/views/terminal.js';
import type { TReply } from '../../src/views/types.js';
import { createTestStore } from '../support/db.js';
import { TEST_PROVIDER } from '../support/env.js';
import { seedWorkspace } from '../support/seed.js';

/**
 * `/kpi notify` through the command router (the one Slack and the shell share): its three views, its refusals with
 * usage and the closest word, hostile names and input, and the local shell.
 */
let store: TStore;
let cleanup: () => Promise<void>;
let ws: Workspace;
let reps: Record<string, Rep>;
const router = createCommandRouter(COMMANDS);
const now = new Date('2026-11-20T12:00:00Z');
/** 200+ characters with every mark mrkdwn reads, and a channel mention. */
const LONG = `${'Zoë *bold* _it_ ~st~ `code` <b> & '.repeat(6)}<!channel> @here end`;

const actor = (name: string): TActor => {
  const rep = reps[name] as Rep;
  return { repId: rep.id, slackUserId: rep.slackUserId ?? undefined, name: rep.name };
};
const run = async (text: string, who: string) =>
  router.execute(text, {
    workspace: await store.db.workspace.findUniqueOrThrow({ where: { id: ws.id } }),
    actor: actor(who),
    now,
    store,
    logger: createLogger('silent'),
  });
const prefs = async (slackUserId: string) =>
  notifyPreferencesOf(
    store.db,
    await store.db.workspace.findUniqueOrThrow({ where: { id: ws.id } }),
    slackUserId,
  );

/** Every reply within Block Kit's limits, with a fallback, and a terminal view that is plain and fits 80 columns. */
function expectWellFormed(reply: TReply) {
  expect(reply.text.length).toBeGreaterThan(0);
  expect(reply.text.length).toBeLessThanOrEqual(LIMITS.text);
  expect(reply.blocks.length).toBeLessThanOrEqual(LIMITS.blocks);
  for (const b of reply.blocks) {
    if (b.type === 'section') expect(b.text?.text.length ?? 0).toBeLessThanOrEqual(LIMITS.text);
    if (b.type === 'context')
      for (const e of b.elements) expect('text' in e ? e.text.length : 0).toBeLessThanOrEqual(LIMITS.text);
  }
  const slack = JSON.stringify([reply.text, reply.blocks]);
  expect(slack).not.toMatch(/<!(channel|here|everyone)>/);
  expect(reply.terminal.replace(/\n/g, ' ')).not.toMatch(/\p{Cc}/u);
  expect(reply.terminal).not.toMatch(/:white_check_mark:|:warning:/);
  expect(reply.visibility).toBe('ephemeral');
}

beforeAll(async () => {
  ({ store, cleanup } = await createTestStore());
  ({ workspace: ws, reps } = await seedWorkspace(store.db, {
    team: 'T0CMDN',
    timezone: 'America/New_York',
    reps: [
      { name: 'Mona Reyes', slackUserId: 'U0MONA', role: 'manager' },
      { name: 'Dana Scott', slackUserId: 'U0DANA', manager: 'Mona Reyes' },
      { name: LONG, slackUserId: 'U0LONG', manager: 'Mona Reyes' },
      { name: 'Local Lou', manager: 'Mona Reyes' },
    ],
  }));
});
afterAll(async () => {
  await cleanup();
});
beforeEach(async () => {
  await store.db.notifyPreference.deleteMany({});
});

describe(`/kpi notify (${TEST_PROVIDER})`, () => {
  it('shows a rep what they receive, each with its default marked, in three views', async () => {
    const reply = await run('notify', 'Dana Scott');
    expectWellFormed(reply);
    expect(reply.text).toBe(
      'What KPI Bot sends you: Weekly rank DM off (default); Milestone DMs on (default); Stalled-deal DMs on (default).',
    );
    const slack = JSON.stringify(reply.blocks);
    expect(slack).toContain('• Weekly rank DM: *off* (default)');
    expect(slack).toContain('• Milestone DMs: *on* (default)');
    expect(slack).toContain('have had none logged for 14 days');
    expect(slack).toContain('`/kpi notify rank on|off`');
    expect(slack).not.toContain('digest');
    expect(reply.terminal.split('\n').slice(0, 4)).toEqual([
      'What KPI Bot sends you (Dana Scott)',
      '  Weekly rank DM    off (default)',
      '  Milestone DMs     on (default)',
      '  Stalled-deal DMs  on (default)',
    ]);
    for (const line of reply.terminal.split('\n')) expect(displayWidth(line)).toBeLessThanOrEqual(80);
    expect(reply.data).toMatchObject({
      type: 'notify',
      person: { name: 'Dana Scott', slackUserId: 'U0DANA' },
      timezone: 'America/New_York',
      rank: { on: false, isDefault: true, legacyOptIn: false },
      milestones: { on: true, isDefault: true },
      stalled: { on: true, isDefault: true, days: 14 },
      digest: null,
      changed: null,
    });
  });

  it('shows a manager the digest, with the coaching run and the time zone; a change says it in that zone', async () => {
    const shown = await run('notify', 'Mona Reyes');
    expect(JSON.stringify(shown.blocks)).toContain(
      '• Manager digest: *every day, with the coaching run (`30 8 * * *`, America/New_York)* (default)',
    );
    expect(shown.terminal).toContain('Manager digest    every day, with the coaching run (30 8 * * *,');
    const changed = await run('notify digest weekdays 7:30', 'Mona Reyes');
    expectWellFormed(changed);
    expect(changed.text).toMatch(
      /^Saved: your digest goes out Monday to Friday at 07:30 \(America\/New_York\), held to 08:00: 07:30 is in this workspace's quiet hours\. What KPI Bot sends you:/,
    );
    expect(changed.terminal.split('\n')[0]).toBe(
      "✓ Saved: your digest goes out Monday to Friday at 07:30 (America/New_York), held to 08:00: 07:30 is in this workspace's quiet hours.",
    );
    expect(JSON.stringify(changed.blocks)).toContain(
      "Manager digest: *Monday to Friday at 07:30 (America/New_York), held to 08:00: 07:30 is in this workspace's quiet hours* (your choice; default: every day, with the coaching run)",
    );
    expect(changed.data).toMatchObject({ changed: 'digest', digest: { day: 'weekdays', time: '07:30' } });
    expect(await prefs('U0MONA')).toMatchObject({ digestDay: 'weekdays', digestTime: '07:30' });
    expect((await run('notify digest default', 'Mona Reyes')).data).toMatchObject({
      digest: { day: 'daily', time: null, isDefault: true },
    });
  });

  it('changes each choice and says so', async () => {
    const cases: [string, RegExp, Record<string, unknown>][] = [
      ['notify rank on', /^Saved: your weekly rank DM is now on\./, { rankDm: true }],
      ['notify milestones off', /^Saved: milestone DMs are now off\./, { milestoneDm: false }],
      ['notify STALLED Off', /^Saved: stalled-deal DMs are now off\./, { stalledDm: false }],
      ['notify reset', /^Saved: everything is back to its default\./, { rankDm: false, milestoneDm: true }],
    ];
    for (const [text, said, stored] of cases) {
      const reply = await run(text, 'Dana Scott');
      expectWellFormed(reply);
      expect(reply.text).toMatch(said);
      expect(reply.refused).toBeFalsy();
      expect(await prefs('U0DANA')).toMatchObject(stored);
    }
  });

  it('is listed by /kpi help, and /kpi help notify shows its usage', async () => {
    expect((await run('help', 'Dana Scott')).text).toContain('/kpi notify [rank on|off');
    const help = await run('help notify', 'Dana Scott');
    expect(help.terminal).toContain('/kpi notify digest weekdays 07:30');
    expect((await run('notfy', 'Dana Scott')).text).toMatch(/Did you mean \/kpi notify/);
  });

  it('long hostile names are escaped in Slack and as written in the terminal', async () => {
    const reply = await run('notify milestones off', LONG);
    expectWellFormed(reply);
    const section = JSON.stringify(reply.blocks[0]);
    expect(section).toContain('&lt;b&gt; &amp;');
    expect(section).not.toContain('*bold*');
    expect(reply.terminal).toContain(`What KPI Bot sends you (${LONG})`);
    expect(reply.data).toMatchObject({ person: { name: LONG } });
  });
});

describe(`/kpi notify refusals (${TEST_PROVIDER})`, () => {
  const refused = async (text: string, who = 'Dana Scott') => {
    const reply = await run(text, who);
    expectWellFormed(reply);
    expect(reply.refused).toBe(true);
    expect(reply.text).not.toMatch(/went wrong/);
    return reply;
  };

  it('an unknown item: the closest one and the usage', async () => {
    const r = await refused('notify rnak on');
    expect(r.text).toMatch(/^`rnak` is not something `\/kpi notify` changes \(did you mean `rank`\?\)/);
    expect(r.text).toContain('\nUsage: `/kpi notify [rank on|off');
    expect(r.data).toMatchObject({ type: 'error', error: { code: 'bad_request', field: 'item' } });
    expect(r.terminal).toMatch(/^! rnak is not something \/kpi notify changes \(did you mean rank\?\)/);
  });

  it('digest 25:00, digest someday, a rep’s digest', async () => {
    expect((await refused('notify digest 25:00', 'Mona Reyes')).text).toMatch(
      /^`25:00` is not a time of day: say HH:MM on the 24-hour clock, e\.g\. `07:30` \(America\/New_York time/,
    );
    const someday = await refused('notify digest someday', 'Mona Reyes');
    expect(someday.text).toMatch(/^`someday` is not a digest day: say daily, weekdays/);
    expect(someday.text).toContain('Usage:');
    const rep = await refused('notify digest monday');
    expect(rep.text).toMatch(/digest goes to managers/);
    expect(rep.data).toMatchObject({ error: { code: 'forbidden' } });
  });

  it('extra words, and naming someone else (never changed)', async () => {
    expect((await refused('notify rank on please')).text).toMatch(
      /^That is more than `\/kpi notify` takes\./,
    );
    expect((await refused('notify digest monday 07:00 08:00', 'Mona Reyes')).text).toMatch(/more than/);
    for (const text of [
      'notify <@U0DANA|dana> rank off',
      'notify rank off <@U0DANA>',
      'notify @dana milestones off',
    ]) {
      const r = await refused(text, 'Mona Reyes');
      expect(r.text).toMatch(/changes only what \*you\* receive/);
      expect(r.data).toMatchObject({ error: { code: 'forbidden' } });
    }
    expect(await prefs('U0DANA')).toMatchObject({ rankDm: false, milestoneDm: true });
  });

  it('5,000 characters, mrkdwn and mentions in the input', async () => {
    const long = await refused(`notify ${'r'.repeat(5000)} on`);
    expect(long.text.length).toBeLessThan(600);
    const marked = await refused('notify *rank*_<!channel>_ on');
    expect(marked.text).toMatch(/^`\*rank\*_&lt;!channel&gt;_` is not something/);
    const mention = await refused('notify rank <!here>');
    expect(mention.text).toMatch(/changes only what/);
    const value = await refused('notify milestones ~on~');
    expect(value.text).toMatch(/^`~on~` is not on or off/);
    expect(await prefs('U0DANA')).toMatchObject({ milestoneDm: true });
  });
});

describe(`/kpi notify in the local shell (${TEST_PROVIDER})`, () => {
  async function shell(lines: string[], who: string, json = false): Promise<string> {
    const input = new PassThrough();
    const output = new PassThrough();
    let out = '';
    output.on('data', (d) => {
      out += d;
    });
    const done = runShell({
      store,
      router: createCommandRouter(COMMANDS),
      logger: createLogger('silent'),
      clock: { now: () => now },
      workspace: ws,
      actor: actor(who),
      input,
      output,
      interactive: false,
      json,
      charts: false,
    });
    input.end(`${lines.join('\n')}\n`);
    await done;
    return out;
  }

  it('shows and changes the local person’s choices (terminal and --json)', async () => {
    const out = await shell(['/kpi notify stalled off', '/kpi notify'], 'Dana Scott');
    const [changed, shown] = out.trim().split('\n\n') as [string, string];
    expect(changed.split('\n')[0]).toBe('✓ Saved: stalled-deal DMs are now off.');
    expect(shown).toContain('  Stalled-deal DMs  off (your choice; default on)');
    expect((await prefs('U0DANA')).stalledDm).toBe(false);
    const json = JSON.parse((await shell(['/kpi notify'], 'Dana Scott', true)).trim());
    expect(json.data ?? json).toMatchObject({ type: 'notify', stalled: { on: false, isDefault: false } });
  });

  it('someone without a Slack account sees the defaults and is told, truly for local mode, why nothing can change', async () => {
    const rows = () => store.db.notifyPreference.count({ where: { workspaceId: ws.id } });
    const before = await rows();
    const out = await shell(['/kpi notify', '/kpi notify rank on', '/kpi notify stalled off'], 'Local Lou');
    const [shown, refusedReply, refusedStalled] = out.trim().split('\n\n') as [string, string, string];
    const said = shown.replace(/\s+/g, ' ');
    // In local mode the jobs do print messages to people by name: never "KPI Bot sends you nothing".
    expect(said).not.toMatch(/sends you nothing/);
    expect(said).toContain(
      "You have no Slack id here. In local mode the scheduled messages to you (your stalled deals; a manager's digest) go to the bot's log, data/kpi.log, while it runs, and kpi jobs run prints them; they follow these defaults. Choices are kept for people with a Slack id.",
    );
    expect(refusedReply).toMatch(/^! Choices are kept for people with a Slack id, and you have none here/);
    expect(refusedStalled).toMatch(/^! Choices are kept for people with a Slack id/);
    // Who may store choices is unchanged: nothing was stored for Lou.
    expect(await rows()).toBe(before);
  });

  it('`notify help` and `notify ?` show the usage and examples, in Slack and the shell', async () => {
    const before = await prefs('U0DANA');
    for (const word of ['help', '?', 'HELP']) {
      const reply = await run(`notify ${word}`, 'Dana Scott');
      expect(reply.refused).toBeFalsy();
      expect(reply.text).not.toMatch(/is not something/);
      const json = JSON.stringify(reply.blocks);
      expect(json).toContain('/kpi notify [rank on|off');
      expect(json).toContain('/kpi notify digest weekdays 07:30');
      expect(reply.terminal).toContain('Examples:');
      expect(reply.terminal).toContain('/kpi notify milestones off');
    }
    // It changes nothing.
    expect(await prefs('U0DANA')).toEqual(before);
    const out = await shell(['/kpi notify help'], 'Local Lou');
    expect(out).toContain('/kpi notify stalled off');
    expect(out).not.toContain('is not something');
  });
});

describe('the notify views (pure)', () => {
  const view = (over: Partial<TNotifyView> = {}): TNotifyView => ({
    person: { name: 'Mona Reyes', slackUserId: 'U0MONA' },
    timezone: 'Asia/Kolkata',
    rank: { on: true, isDefault: true, legacyOptIn: true, ranked: true },
    milestones: { on: false, isDefault: false },
    stalled: { on: true, isDefault: true, days: 30 },
    digest: {
      day: 'saturday',
      time: null,
      isDefault: false,
      coachingRun: { enabled: false, schedule: '30 8 * * *' },
      heldUntil: null,
    },
    reachable: true,
    changed: null,
    ...over,
  });

  it('marks the old opt-in, a choice against its default, and a digest whose coaching run is off', () => {
    const reply = buildNotify(view());
    expectWellFormed(reply);
    const section = JSON.stringify(reply.blocks[0]);
    expect(section).toContain('• Weekly rank DM: *on* (you asked from the leaderboard post)');
    expect(section).toContain('• Milestone DMs: *off* (your choice; default on)');
    expect(section).toContain(
      '• Manager digest: *Saturdays, with the coaching run (which is off in this workspace)* (your choice;',
    );
    expect(JSON.stringify(reply.blocks[1])).toContain('have had none logged for 30 days');
    expect(JSON.stringify(reply.blocks[1])).toContain('Digest times are in Asia/Kolkata.');
    expect(reply.data).toMatchObject({ digest: { day: 'saturday', coachingRun: { enabled: false } } });
  });

  it('says when a chosen digest time is in quiet hours and when it arrives', () => {
    const digest = {
      day: 'weekdays' as const,
      time: '07:30',
      isDefault: false,
      coachingRun: { enabled: true, schedule: '30 8 * * *' },
      heldUntil: '08:00',
    };
    const text = buildNotify(view({ digest })).terminal.replace(/\s+/g, ' ');
    expect(text).toContain(
      "at 07:30 (Asia/Kolkata), held to 08:00: 07:30 is in this workspace's quiet hours",
    );
    const free = buildNotify(view({ digest: { ...digest, time: '09:15', heldUntil: null } }));
    expect(free.terminal).not.toContain('quiet hours');
  });

  it('shows someone the board never ranks (a manager, an admin) no rank DM to turn on', () => {
    const reply = buildNotify(
      view({ rank: { on: false, isDefault: true, legacyOptIn: false, ranked: false } }),
    );
    const text = reply.terminal.replace(/\s+/g, ' ');
    expect(text).toContain('not for you: the weekly board ranks active reps');
    expect(text).not.toContain('/kpi notify rank on|off');
    // One the old list still sends it to may turn it off.
    const listed = buildNotify(
      view({ rank: { on: true, isDefault: true, legacyOptIn: true, ranked: false } }),
    );
    expect(listed.terminal.replace(/\s+/g, ' ')).toContain('/kpi notify rank on|off');
  });
  it('a 5,000-character hostile name stays within Slack’s limits, escaped, and is written as is in the terminal', () => {
    const name = `<!channel> *${'~_&<>`'.repeat(830)}*`;
    const reply = buildNotify(view({ person: { name, slackUserId: 'U0X' }, changed: 'digest' }));
    expectWellFormed(reply);
    expect(reply.terminal.split('\n')[1]).toBe(`What KPI Bot sends you (${name})`);
  });

  it('someone without Slack: no way to change offered, only why', () => {
    const reply = buildNotify(view({ reachable: false, person: { name: 'Lou', slackUserId: null } }));
    expect(JSON.stringify(reply.blocks[1])).not.toContain('Change with');
    expect(JSON.stringify(reply.blocks[1])).toContain('You have no Slack id here. In local mode');
    expect(reply.terminal.replace(/\s+/g, ' ')).toContain('Choices are kept for people with a Slack id.');
  });
});
