import { describe, expect, it } from 'vitest';
import type { TCommand } from '../../src/commands/types.js';
import { buildCommandHelp, buildHelp, buildUnknownCommand, escapeMrkdwn } from '../../src/views/help.js';
import { blocksToText, mrkdwnToText } from '../../src/views/text.js';

const cmd = (name: string, usage: string, summary: string): TCommand => ({
  name,
  usage,
  summary,
  examples: [usage],
  run: async () => ({ text: '', blocks: [], terminal: '', data: { type: 'done' }, visibility: 'ephemeral' }),
});
const commands = [cmd('help', 'help [command]', 'Show help.'), cmd('me', 'me [period]', 'Your scorecard.')];

describe('help views', () => {
  it('lists every command with its usage, ephemeral', () => {
    const reply = buildHelp(commands);
    expect(reply.visibility).toBe('ephemeral');
    const text = blocksToText(reply.blocks);
    expect(text).toContain('/kpi help [command]  Show help.');
    expect(text).toContain('/kpi me [period]  Your scorecard.');
    expect(reply.text).toContain('/kpi me [period]');
  });

  it('shows one command with examples', () => {
    expect(blocksToText(buildCommandHelp(commands[1] as TCommand).blocks)).toContain('• /kpi me [period]');
  });

  it('names the closest command for a typo, and escapes what the user typed', () => {
    const reply = buildUnknownCommand('<@U1> mee', commands[1], commands);
    expect(reply.text).toBe('Unknown command "&lt;@U1&gt; mee". Did you mean /kpi me [period]?');
    const noGuess = buildUnknownCommand('zzz', undefined, commands);
    expect(noGuess.text).toBe('Unknown command "zzz".');
    expect(blocksToText(noGuess.blocks)).toContain('/kpi help [command]');
  });

  it('escapes mrkdwn control characters', () => {
    // Backticks become a look-alike (Slack has no escape for them); test/reports/names-in-mrkdwn.test.ts has the whole rule.
    expect(escapeMrkdwn('<!channel> & `x`')).toBe('&lt;!channel&gt; &amp; \u02CBx\u02CB');
  });
});

describe('text rendering for the shell', () => {
  it('renders links, mentions, emphasis and code as plain text', () => {
    expect(mrkdwnToText('*Won* <https://x.test/a|deal> by <@U1|dana> in <#C1|sales> `code` _it_')).toBe(
      'Won deal (https://x.test/a) by @dana in #sales code it',
    );
  });

  it('renders the status emoji of replies as plain marks', () => {
    expect(mrkdwnToText(':white_check_mark: Logged 2 calls')).toBe('✓ Logged 2 calls');
    expect(mrkdwnToText(':warning: Bad number')).toBe('! Bad number');
  });

  it('renders each block kind without blank lines', () => {
    const text = blocksToText([
      { type: 'header', text: { type: 'plain_text', text: 'Scorecard' } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: '*Won*' },
          { type: 'mrkdwn', text: '$1,000' },
        ],
      },
      { type: 'section', fields: [{ type: 'mrkdwn', text: '*Win rate*\n60%\n▲ +5%' }] },
      { type: 'divider' },
      { type: 'image', image_url: 'https://x.test/c.png', alt_text: 'Won vs target chart' },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'November' }] },
    ]);
    expect(text).toBe(
      'SCORECARD\nWon\n$1,000\nWin rate · 60% · ▲ +5%\n────────\n[image: Won vs target chart]\nNovember',
    );
    expect(blocksToText([], 'fallback')).toBe('fallback');
  });
});
