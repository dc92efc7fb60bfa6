import type { KnownBlock } from '@slack/types';
import type { TCommand, TReply } from '../../commands/types.js';

const SLASH = '/kpi';

function usageLine(c: TCommand): string {
  return `\`${SLASH} ${c.usage}\``;
}

/** Escapes user text for mrkdwn so it cannot form mentions (<!channel>), links or markup. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/`/g, "'");
}

/** Back from Slack's escaped text to what was typed, for plain_text (which Slack shows as written). */
export function unescapeMrkdwn(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** The `/kpi help` overview: every command with its usage and what it does. */
export function buildHelp(commands: readonly TCommand[]): TReply {
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'KPI Bot commands' } },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: commands.map((c) => `${usageLine(c)}  ${c.summary}`).join('\n'),
      },
    },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `Type \`${SLASH} help <command>\` for details and examples. Replies are only visible to you. In Slack, \`${SLASH} log\`, \`${SLASH} quiz\` or \`${SLASH} target\` alone opens a form.`,
        },
      ],
    },
  ];
  const text = `KPI Bot commands: ${commands.map((c) => `${SLASH} ${c.usage}`).join(', ')}`;
  return { text, blocks, visibility: 'ephemeral' };
}

/** Details of one command: usage, summary and examples. */
export function buildCommandHelp(command: TCommand): TReply {
  const examples = command.examples?.length
    ? `\nExamples:\n${command.examples.map((e) => `• \`${SLASH} ${e}\``).join('\n')}`
    : '';
  const text = `${usageLine(command)}  ${command.summary}${examples}`;
  return {
    text: `${SLASH} ${command.usage}: ${command.summary}`,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
    visibility: 'ephemeral',
  };
}

/**
 * The reply to a sub-command that does not exist: the closest command and its usage when there is a plausible
 * one, and the overview either way.
 */
export function buildUnknownCommand(
  word: string,
  closest: TCommand | undefined,
  all: readonly TCommand[],
): TReply {
  const shown = escapeMrkdwn(word.length > 40 ? `${word.slice(0, 40)}…` : word);
  const lead = closest
    ? `\`${SLASH} ${shown}\` is not a command. Did you mean ${usageLine(closest)}? ${closest.summary}`
    : `\`${SLASH} ${shown}\` is not a command.`;
  const overview = buildHelp(all);
  return {
    text: closest
      ? `Unknown command "${shown}". Did you mean ${SLASH} ${closest.usage}?`
      : `Unknown command "${shown}".`,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: lead } }, ...overview.blocks.slice(1)],
    visibility: 'ephemeral',
  };
}

/** A polite reply for a request that failed for a reason the user can act on (or could not, but should know). */
/** A confirmation (✓ and the text, escaped), visible to the asker only. */
export function buildDone(text: string): TReply {
  return {
    text,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `:white_check_mark: ${escapeMrkdwn(text)}` } }],
    visibility: 'ephemeral',
  };
}

export function buildErrorReply(message: string): TReply {
  return {
    text: message,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `:warning: ${message}` } }],
    visibility: 'ephemeral',
    refused: true,
  };
}
