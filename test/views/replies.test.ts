import { describe, expect, it } from 'vitest';
import { SCALAR_METRICS } from '../../src/metrics/scalar.js';
import { buildExportMade, buildOwnerLinked } from '../../src/views/admin.js';
import {
  buildCommandHelp,
  buildDone,
  buildErrorReply,
  buildForeignCommand,
  buildHelp,
  buildServiceErrorReply,
  buildUnknownCommand,
  helpJson,
  helpText,
} from '../../src/views/help.js';
import {
  buildLoggedActivity,
  buildLoggedLinkedin,
  buildLoggedPost,
  buildRecordedQuiz,
} from '../../src/views/logged.js';
import {
  buildSettingChanged,
  buildSettings,
  buildWebhookSettings,
  settingsJson,
  settingsText,
} from '../../src/views/settings.js';
import { buildTargetSet, targetSetJson, targetSetPlain, targetSetText } from '../../src/views/targets.js';
import { displayWidth } from '../../src/views/terminal.js';
import type { TCommandHelp } from '../../src/views/types.js';
import { HOSTILE } from './fixtures.js';

const SETTINGS = {
  timezone: 'Europe/Berlin',
  fiscalYearStartMonth: 4,
  weekStartsOn: 1,
  currency: 'EUR',
  leaderboardChannel: 'C0SALES',
  jobs: [
    { job: 'leaderboard', enabled: true, schedule: '0 9 * * 1' },
    { job: 'coaching-alerts', enabled: false, schedule: '30 8 * * *' },
  ],
  quietHours: { start: '20:00', end: '08:00' },
  alertRules: [
    { id: 'sales_decline', enabled: true, threshold: 0.2, shown: '20%' },
    { id: 'training_gap', enabled: false, threshold: 90, shown: '90 days' },
  ],
  funnelStages: { stages: [], learned: true },
};

describe('settings views', () => {
  it('Block Kit: one mrkdwn section, the channel as a Slack link and the schedule as code', () => {
    const reply = buildSettings(SETTINGS);
    const text = JSON.stringify(reply.blocks);
    expect(text).toContain('Leaderboard channel: <#C0SALES>');
    expect(text).toContain('Weekly leaderboard: `0 9 * * 1`');
    expect(text).toContain('Fiscal year starts in: april');
    // Thresholds read as people type them, not as the rule stores them (0.2).
    expect(text).toContain('Alert rules: sales_decline 20%, training_gap off');
  });

  it('terminal: labels and values in two columns, the schedule as typed, one alert rule a line', () => {
    const lines = settingsText(SETTINGS).split('\n');
    expect(lines).toContain('Time zone              Europe/Berlin');
    expect(lines).toContain('Weeks start on         monday');
    expect(lines).toContain('Leaderboard channel    #C0SALES');
    expect(lines).toContain('Weekly leaderboard     0 9 * * 1');
    expect(lines).toContain('Coaching alerts        off');
    expect(lines.slice(-2)).toEqual([
      'Alert rules            sales_decline 20%',
      '                       training_gap off',
    ]);
  });

  it('JSON: the settings as numbers and ids, not words', () => {
    expect(settingsJson(SETTINGS)).toEqual({ type: 'settings', ...SETTINGS });
  });

  it('a change: code spans in Slack, the value as typed in a terminal and in the data', () => {
    const reply = buildSettingChanged({
      key: 'leaderboard-schedule',
      subject: 'leaderboard-schedule',
      shown: '`0 9 * * 1`',
    });
    expect(reply.text).toBe('Saved: leaderboard-schedule is now `0 9 * * 1`.');
    expect(reply.terminal).toBe('✓ Saved: leaderboard-schedule is now 0 9 * * 1.');
    expect(reply.data).toEqual({
      type: 'setting_changed',
      setting: 'leaderboard-schedule',
      subject: 'leaderboard-schedule',
      value: '0 9 * * 1',
    });
  });

  it('webhooks: the addresses as code in Slack, alone on their lines in a terminal (to copy), listed in the data', () => {
    const urls = {
      hubspot: 'https://x.test/h?k=1&b=2',
      pipedrive: 'https://x.test/p',
      generic: 'https://x.test/g',
    };
    const reply = buildWebhookSettings(urls);
    expect(reply.text).toContain('• HubSpot: `https://x.test/h?k=1&b=2` (signed with the HubSpot app');
    expect(reply.terminal.split('\n')).toContain('  https://x.test/h?k=1&b=2');
    expect(reply.terminal).not.toMatch(/[`*•]/);
    expect(reply.data).toMatchObject({
      type: 'webhooks',
      sources: [{ source: 'hubspot', url: urls.hubspot }, {}, {}],
    });
  });
});

const cmd = (name: string, usage: string, summary: string): TCommandHelp => ({
  name,
  usage,
  summary,
  examples: [usage],
});
const COMMANDS = [
  cmd('help', 'help [command]', 'Show help.'),
  cmd('me', 'me [period]', 'Your scorecard.'),
  cmd(
    'settings',
    `settings [${Array.from({ length: 20 }, (_, i) => `option-${i} <value>`).join(' | ')}]`,
    'Settings.',
  ),
];

describe('help views', () => {
  it('terminal: every usage with its summary under it, long usages wrapped within 80 columns', () => {
    const text = helpText(COMMANDS);
    expect(text.split('\n')[0]).toBe('KPI Bot commands');
    expect(text).toContain('  /kpi me [period]\n      Your scorecard.');
    for (const line of text.split('\n')) expect(displayWidth(line)).toBeLessThanOrEqual(80);
    expect(text).not.toMatch(/`/);
  });

  it('JSON: each command with /kpi usage, summary and examples', () => {
    expect(helpJson(COMMANDS).commands).toContainEqual({
      name: 'me',
      usage: '/kpi me [period]',
      summary: 'Your scorecard.',
      examples: ['/kpi me [period]'],
    });
    expect(buildHelp(COMMANDS).terminal).toBe(helpText(COMMANDS));
  });

  it('one command: usage, summary, examples', () => {
    const reply = buildCommandHelp(COMMANDS[1] as TCommandHelp);
    expect(reply.terminal).toBe('/kpi me [period]\n  Your scorecard.\nExamples:\n  /kpi me [period]');
    expect(reply.data).toMatchObject({ type: 'command_help', command: { name: 'me' } });
  });

  it('an unknown command: what was typed as written in a terminal, escaped in Slack; an error with the suggestion', () => {
    const reply = buildUnknownCommand('<!here> mee', COMMANDS[1], COMMANDS);
    expect(reply.text).toBe('Unknown command "&lt;!here&gt; mee". Did you mean /kpi me [period]?');
    expect(reply.terminal.split('\n').slice(0, 2).join(' ')).toBe(
      '/kpi <!here> mee is not a command. Did you mean /kpi me [period]? Your scorecard.',
    );
    expect(reply.data).toEqual({
      type: 'error',
      error: { code: 'unknown_command', message: '/kpi <!here> mee is not a command.', field: null },
      suggestion: {
        name: 'me',
        usage: '/kpi me [period]',
        summary: 'Your scorecard.',
        examples: ['/kpi me [period]'],
      },
    });
  });

  it('another bot’s command in the shell', () => {
    const reply = buildForeignCommand('/giphy');
    expect(reply.terminal).toBe('/giphy is not a KPI Bot command here. Try /kpi help.');
    expect(reply.data).toMatchObject({ type: 'error', error: { code: 'unknown_command' } });
  });
});

describe('refusals', () => {
  it('a command’s own (mrkdwn) message: the warning in Slack, the words as written in a terminal', () => {
    const reply = buildErrorReply(
      'I do not know ∗Zoë∗ &lt;!here&gt; as a rep here.\nUsage: `/kpi rep @user`',
      {
        code: 'not_found',
        field: 'who',
      },
    );
    expect(reply.refused).toBe(true);
    expect(JSON.stringify(reply.blocks)).toContain(':warning: I do not know');
    expect(reply.terminal).toBe('! I do not know *Zoë* <!here> as a rep here.\nUsage: /kpi rep @user');
    expect(reply.data).toEqual({
      type: 'error',
      error: {
        code: 'not_found',
        message: 'I do not know *Zoë* <!here> as a rep here.\nUsage: /kpi rep @user',
        field: 'who',
      },
    });
  });

  it('a service’s (plain) message: escaped once for Slack, as written with its field for a terminal', () => {
    // (A backtick in a service's message marks a literal, so the name here has none.)
    const name = HOSTILE.markup.replace(/`/g, '');
    const reply = buildServiceErrorReply({
      code: 'bad_request',
      message: `${name} is not a schedule: \`0 9 * *\`.`,
      field: 'value',
    });
    expect(reply.text).toContain('`0 9 * *`');
    expect(reply.text).not.toContain('<!here>');
    expect(reply.terminal).toBe(`! ${name} is not a schedule: 0 9 * *.`);
    expect(reply.data).toMatchObject({ error: { code: 'bad_request', field: 'value' } });
  });
});

describe('confirmations', () => {
  it('logging: the same words in Slack (escaped) and a terminal (as written), the result as data', () => {
    const activity = buildLoggedActivity({ kind: 'call', count: 3, personalized: true, date: '2017-06-02' });
    expect(activity.text).toBe('Logged 3 personalized calls on 2017-06-02.');
    expect(JSON.stringify(activity.blocks)).toContain(':white_check_mark: Logged 3');
    expect(activity.terminal).toBe('✓ Logged 3 personalized calls on 2017-06-02.');
    expect(activity.data).toEqual({
      type: 'activity_logged',
      activity: 'call',
      count: 3,
      personalized: true,
      date: '2017-06-02',
    });
    const linkedin = buildLoggedLinkedin([{ metric: 'profile_views', label: 'views', value: 1200 }]);
    expect(linkedin.terminal).toBe('✓ Logged your LinkedIn numbers: views 1,200.');
    expect(linkedin.data).toEqual({
      type: 'linkedin_logged',
      values: [{ metric: 'profile_views', label: 'views', value: 1200 }],
    });
    const post = buildLoggedPost({ network: 'linkedin', shares: 1, comments: 2, likes: 3 });
    expect(post.data).toMatchObject({ type: 'post_logged', likes: 3 });
    const quiz = buildRecordedQuiz({ course: HOSTILE.markup, score: 42, maxScore: 50 });
    expect(quiz.text).not.toContain('<!here>');
    expect(quiz.terminal).toBe(`✓ Recorded 42/50 (84%) for ${HOSTILE.markup}.`);
    expect(quiz.data).toEqual({
      type: 'quiz_recorded',
      course: HOSTILE.markup,
      score: 42,
      maxScore: 50,
      share: 0.84,
    });
  });

  it('a link and an export', () => {
    const linked = buildOwnerLinked({
      source: 'csv',
      owner: HOSTILE.emoji,
      rep: { id: 'r1', name: HOSTILE.rtl },
      moved: 4,
    });
    expect(linked.terminal).toBe(
      `✓ Linked csv ${HOSTILE.emoji} to ${HOSTILE.rtl}: 4 earlier facts are now theirs; waiting events follow within seconds.`,
    );
    expect(linked.data).toEqual({
      type: 'owner_linked',
      source: 'csv',
      owner: HOSTILE.emoji,
      rep: { id: 'r1', name: HOSTILE.rtl },
      moved: 4,
    });
    const made = buildExportMade(
      { scope: 'team', period: { key: '2017-06', label: 'June 2017' }, rows: 1, filename: 'kpi-2017-06.csv' },
      { currency: 'EUR' },
    );
    expect(made.terminal).toBe('✓ Metrics for your team, June 2017: 1 row (EUR).');
    expect(made.data).toEqual({
      type: 'export',
      scope: 'team',
      period: { key: '2017-06', label: 'June 2017' },
      rows: 1,
      currency: 'EUR',
      filename: 'kpi-2017-06.csv',
    });
  });

  it('a target: escaped in Slack, as written in a terminal, the amount in major units as data', () => {
    const metric = SCALAR_METRICS.find((m) => m.id === 'sales.won_total');
    if (!metric) throw new Error('sales.won_total is gone');
    const set = {
      scope: 'team' as const,
      who: { id: 'm1', name: HOSTILE.markup },
      metric,
      amount: 50_000.5,
      period: 'quarter' as const,
      from: { label: 'Q2 2017', start: new Date('2017-04-01T00:00:00Z') },
    };
    const usd = { currency: 'USD', locale: 'en-US' };
    expect(targetSetText(set, usd)).not.toContain('<!here>');
    expect(targetSetPlain(set, usd)).toBe(
      `Target set: ${HOSTILE.markup}'s team, Won revenue $50,000.50 a quarter per rep, from Q2 2017. A rep with a target of their own keeps it.`,
    );
    expect(targetSetJson(set, usd)).toEqual({
      type: 'target_set',
      scope: 'team',
      who: { id: 'm1', name: HOSTILE.markup },
      metric: 'sales.won_total',
      unit: 'money',
      amount: 50_000.5,
      currency: 'USD',
      period: 'quarter',
      from: { label: 'Q2 2017', start: '2017-04-01T00:00:00.000Z' },
      replaced: false,
    });
    expect(buildTargetSet(set, usd).terminal).toBe(`✓ ${targetSetPlain(set, usd)}`);
  });

  it('a generic confirmation: its words as data', () => {
    const done = buildDone('Moved *3* <facts>');
    expect(done.text).toBe('Moved ∗3∗ &lt;facts&gt;');
    expect(done.terminal).toBe('✓ Moved *3* <facts>');
    expect(done.data).toEqual({ type: 'done', message: 'Moved *3* <facts>' });
    // Already mrkdwn (a caller's code span, an escaped name): read back as the words.
    expect(buildDone('Set to `0 9 * * 1` for ∗Zoë∗', { mrkdwn: true }).terminal).toBe(
      '✓ Set to 0 9 * * 1 for *Zoë*',
    );
  });
});
