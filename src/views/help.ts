import type { KnownBlock } from '@slack/types';
import { LOOKALIKES, plainOfLookalikes, SOFT_HYPHEN, WORD_JOINER } from '../domain/lookalikes.js';
import { oneLine } from '../reports/format.js';
import { clipMrkdwn } from './blocks.js';
import { clipPlain, plain, plainOfMessage, terminalSafe, wrap } from './terminal.js';
import { mrkdwnToText } from './text.js';
import type { TCommandHelp, TReply, TReplyData } from './types.js';

const SLASH = '/kpi';

function usageLine(c: TCommandHelp): string {
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

const commandJson = (c: TCommandHelp) => ({
  name: c.name,
  usage: `${SLASH} ${c.usage}`,
  summary: c.summary,
  examples: (c.examples ?? []).map((e) => `${SLASH} ${e}`),
});

/** The `/kpi help` overview's Block Kit: a header, every command with its usage and what it does. */
export function helpBlocks(commands: readonly TCommandHelp[]): KnownBlock[] {
  return [
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
}

/** The commands for a terminal: each usage (wrapped at its words), its summary indented under it. */
function commandLines(commands: readonly TCommandHelp[]): string[] {
  return commands.flatMap((c) => [
    ...wrap(`${SLASH} ${c.usage}`, 78, '      ').map((l) => `  ${l}`),
    ...wrap(c.summary, 74, '').map((l) => `      ${l}`),
  ]);
}

const HELP_FOOTER = `Type ${SLASH} help <command> for details and examples. In Slack, ${SLASH} log, ${SLASH} quiz or ${SLASH} target alone opens a form.`;

/** The overview for a terminal: every command, then how to see one command's details. */
export function helpText(commands: readonly TCommandHelp[]): string {
  return ['KPI Bot commands', ...commandLines(commands), ...wrap(HELP_FOOTER)].join('\n');
}

/** The overview as data: every command's usage, summary and examples (each with its `/kpi`). */
export function helpJson(commands: readonly TCommandHelp[]): TReplyData {
  return { type: 'help', commands: commands.map(commandJson) };
}

/** The `/kpi help` overview: every command with its usage and what it does. */
export function buildHelp(commands: readonly TCommandHelp[]): TReply {
  const text = `KPI Bot commands: ${commands.map((c) => `${SLASH} ${c.usage}`).join(', ')}`;
  return {
    text,
    blocks: helpBlocks(commands),
    terminal: helpText(commands),
    data: helpJson(commands),
    visibility: 'ephemeral',
  };
}

/** Details of one command: usage, summary and examples. */
export function buildCommandHelp(command: TCommandHelp): TReply {
  const examples = command.examples?.length
    ? `\nExamples:\n${command.examples.map((e) => `• \`${SLASH} ${e}\``).join('\n')}`
    : '';
  const text = `${usageLine(command)}  ${command.summary}${examples}`;
  const terminal = [
    ...wrap(`${SLASH} ${command.usage}`, 80, '    '),
    ...wrap(command.summary, 78).map((l) => `  ${l}`),
    ...(command.examples?.length ? ['Examples:', ...command.examples.map((e) => `  ${SLASH} ${e}`)] : []),
  ].join('\n');
  return {
    text: `${SLASH} ${command.usage}: ${command.summary}`,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
    terminal,
    data: { type: 'command_help', command: commandJson(command) },
    visibility: 'ephemeral',
  };
}

/**
 * The reply to a sub-command that does not exist: the closest command and its usage when there is a plausible
 * one, and the overview either way.
 */
export function buildUnknownCommand(
  word: string,
  closest: TCommandHelp | undefined,
  all: readonly TCommandHelp[],
): TReply {
  const cut = word.length > 40 ? `${word.slice(0, 40)}…` : word;
  const shown = escapeMrkdwn(cut);
  const lead = closest
    ? `\`${SLASH} ${shown}\` is not a command. Did you mean ${usageLine(closest)}? ${closest.summary}`
    : `\`${SLASH} ${shown}\` is not a command.`;
  const message = `${SLASH} ${plain(cut)} is not a command.`;
  const plainLead = closest
    ? `${message} Did you mean ${SLASH} ${closest.usage}? ${closest.summary}`
    : message;
  return {
    text: closest
      ? `Unknown command "${shown}". Did you mean ${SLASH} ${closest.usage}?`
      : `Unknown command "${shown}".`,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: lead } }, ...helpBlocks(all).slice(1)],
    terminal: terminalSafe([...wrap(plainLead), ...commandLines(all), ...wrap(HELP_FOOTER)].join('\n')),
    data: {
      type: 'error',
      error: { code: 'unknown_command', message, field: null },
      suggestion: closest ? commandJson(closest) : null,
    },
    visibility: 'ephemeral',
  };
}

/**
 * A confirmation in its three views: `mrkdwn` for Slack (what came from people already escaped), `plain` the
 * same words for a terminal (names as written), `data` the result.
 */
export function buildConfirmation(parts: { mrkdwn: string; plain: string; data: TReplyData }): TReply {
  return {
    text: parts.mrkdwn,
    // Within Slack's section limit: a confirmation can echo long input (30 stage names, escaped).
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: clipMrkdwn(`:white_check_mark: ${parts.mrkdwn}`) } },
    ],
    terminal: terminalSafe(`✓ ${parts.plain}`),
    data: parts.data,
    visibility: 'ephemeral',
  };
}

/**
 * A confirmation (✓ and the text, escaped), visible to the asker only; as data `{ type: 'done', message }`.
 * A result with a view of its own uses buildConfirmation.
 */
export function buildDone(text: string, opts: { mrkdwn?: boolean } = {}): TReply {
  // `mrkdwn`: the caller escaped what it took from people and marked the rest up itself (e.g. a code span).
  const words = opts.mrkdwn ? mrkdwnToText(text) : plain(text);
  return buildConfirmation({
    mrkdwn: opts.mrkdwn ? text : escapeMrkdwn(text),
    plain: words,
    data: { type: 'done', message: words },
  });
}

/**
 * A polite reply for a request that failed for a reason the user can act on (or could not, but should know).
 * `message` is mrkdwn; `plain` the same words for a terminal (by default the mrkdwn read as text); as data
 * `{ type: 'error', error: { code, message, field } }`.
 */
export function buildErrorReply(
  message: string,
  opts: { code?: string; field?: string | null; plain?: string } = {},
): TReply {
  // Names and typed values reach the words as written: nothing in them may drive the terminal.
  const words = terminalSafe(opts.plain ?? mrkdwnToText(message));
  return {
    text: message,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `:warning: ${message}` } }],
    terminal: `! ${words}`,
    data: {
      type: 'error',
      error: { code: opts.code ?? 'internal', message: words, field: opts.field ?? null },
    },
    visibility: 'ephemeral',
    refused: true,
  };
}

/** A refusal whose message is a service's plain text (`backticks` mark literal values). */
export function buildServiceErrorReply(error: { code: string; message: string; field?: string }): TReply {
  return buildErrorReply(mrkdwnOfMessage(error.message), {
    code: error.code,
    field: error.field ?? null,
    plain: plainOfMessage(error.message),
  });
}

/** The shell's answer to another bot's slash command (`/giphy cats`): not ours, try help. */
export function buildForeignCommand(command: string): TReply {
  const words = `${clipPlain(command, 40)} is not a KPI Bot command here. Try ${SLASH} help.`;
  return {
    text: escapeMrkdwn(words),
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(words) } }],
    terminal: words,
    data: { type: 'error', error: { code: 'unknown_command', message: words, field: null } },
    visibility: 'ephemeral',
  };
}
