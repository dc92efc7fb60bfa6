import type { KnownBlock } from '@slack/types';
import { LOOKALIKES, plainOfLookalikes, SOFT_HYPHEN, WORD_JOINER } from '../domain/lookalikes.js';
import { oneLine } from '../reports/format.js';
import type { TCommandHelp as TCommand, TReply } from './types.js';

const SLASH = '/kpi';

function usageLine(c: TCommand): string {
  return `\`${SLASH} ${c.usage}\``;
}

const alnum = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}]/u.test(c);

/**
 * Escapes user text (names, deal titles, stages, courses, teams) for mrkdwn so it shows as written and cannot
 * form mentions (<!channel>), links or markup:
 * - `&`, `<`, `>` as entities (Slack's own escaping);
 * - `*`, `_`, `~` that could open or close emphasis (next to a space, punctuation or either end; inside a word,
 *   as in snake_case, Slack leaves them alone) and every backtick become look-alikes (LOOKALIKES);
 * - `@here`, `@channel`, `@everyone` get an invisible word joiner after the @, so no mention is parsed;
 * - line breaks (and other control characters) become spaces, so a name never breaks a line layout, and a
 *   leading `>` gets an invisible soft hyphen before it, so it cannot start a quote.
 */
export function escapeMrkdwn(text: string): string {
  const line = oneLine(text);
  let out = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    const lookalike = LOOKALIKES.get(c);
    if (c === '&') out += '&amp;';
    else if (c === '<') out += '&lt;';
    else if (c === '>') out += '&gt;';
    // A backtick, * and ~ always (inside a bold or struck span the view wraps a name in, a mid-word * would end
    // it); an underscore unless inside a word (snake_case ids), where Slack does not read it.
    else if (lookalike && (c !== '_' || !(alnum(line[i - 1]) && alnum(line[i + 1])))) out += lookalike;
    else out += c;
  }
  return out
    .replace(/@(here|channel|everyone)(?![\p{L}\p{N}])/giu, `@${WORD_JOINER}$1`)
    .replace(/^(\s*)&gt;/, `$1${SOFT_HYPHEN}&gt;`);
}

/**
 * Text shown as code (a cron expression, an id someone typed): inside a code span Slack reads no formatting, so
 * only the entities and the backtick itself need care, and the characters stay the real ones to copy.
 */
export function codeSpan(text: string): string {
  const inner = oneLine(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/`/g, "'");
  return `\`${inner}\``;
}

/**
 * A service's message (plain text; `backticks` mark a literal value) as Slack mrkdwn: the text escaped, the
 * marked values as code spans.
 */
export function mrkdwnOfMessage(message: string): string {
  return message
    .split(/(`[^`\n]*`)/)
    .map((part, i) => (i % 2 === 1 ? codeSpan(part.slice(1, -1)) : escapeMrkdwn(part)))
    .join('');
}

/** The text escapeMrkdwn escaped, as written: look-alikes back to the originals, invisible marks removed. */
export function plainOfEscaped(text: string): string {
  return plainOfLookalikes(text);
}

/** Back from Slack's escaped text to what was typed, for plain_text (which Slack shows as written). */
export function unescapeMrkdwn(text: string): string {
  return plainOfEscaped(text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
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
export function buildDone(text: string, opts: { mrkdwn?: boolean } = {}): TReply {
  // `mrkdwn`: the caller escaped what it took from people and marked the rest up itself (e.g. a code span).
  const shown = opts.mrkdwn ? text : escapeMrkdwn(text);
  return {
    text: shown,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `:white_check_mark: ${shown}` } }],
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
