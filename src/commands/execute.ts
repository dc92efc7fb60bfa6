import { closestMatch } from '../domain/closest.js';
import { isAppError, isStoreUnavailable } from '../errors.js';
import { clipText, unstorableText } from '../ingest/storable-text.js';
import { isServiceError } from '../services/errors.js';
import {
  buildCommandHelp,
  buildErrorReply,
  buildHelp,
  buildServiceErrorReply,
  buildUnknownCommand,
} from '../views/help.js';
import { withShareText } from '../views/lazy.js';
import { tokenize } from './tokenize.js';
import type { TCommand, TCommandContext, TReply } from './types.js';

const helpCommand = (all: () => readonly TCommand[]): TCommand => ({
  name: 'help',
  usage: 'help [command]',
  summary: 'Show what KPI Bot can do, or the details of one command.',
  examples: ['help', 'help help'],
  async run(args) {
    const commands = all();
    const topic = args[0];
    if (!topic) return buildHelp(commands);
    const found = commands.find((c) => c.name === topic.toLowerCase());
    if (found) return buildCommandHelp(found);
    const near = closestMatch(
      topic,
      commands.map((c) => c.name),
    );
    return buildUnknownCommand(
      topic,
      commands.find((c) => c.name === near),
      commands,
    );
  },
});

/**
 * The `/kpi` command router, shared by Slack and the local shell: splits the text, finds the sub-command
 * (suggesting the closest one for a typo) and runs it. Errors with a code become a polite reply; anything
 * else is logged and answered without internals.
 */
export function createCommandRouter(extra: readonly TCommand[] = []) {
  const commands: TCommand[] = [];
  commands.push(
    helpCommand(() => commands),
    ...extra,
  );

  async function execute(text: string, ctx: TCommandContext): Promise<TReply> {
    // Text that cannot be stored (a NUL, a lone surrogate) is refused before any command sees it.
    const unstorable = unstorableText(text);
    if (unstorable) {
      ctx.logger.info({ reason: unstorable }, 'command refused: unstorable text');
      return buildErrorReply(
        `That command ${unstorable.replace(/; remove it$/, '')}. Nothing was done or saved; please type it again without it.`,
        { code: 'bad_request' },
      );
    }
    const words = tokenize(text.trim());
    const [first, ...args] = words;
    const name = (first ?? 'help').toLowerCase();
    const command = commands.find((c) => c.name === name);
    if (!command) {
      const near = closestMatch(
        name,
        commands.map((c) => c.name),
      );
      return buildUnknownCommand(
        first ?? '',
        commands.find((c) => c.name === near),
        commands,
      );
    }
    try {
      const reply = await command.run(args, ctx);
      return command.shareable ? withShareText(reply, clipText(text.trim(), 1900)) : reply;
    } catch (error) {
      if (isAppError(error)) {
        ctx.logger.info({ command: name, code: error.code }, 'command refused');
        // A service's message is plain text (its `backticks` mark literal values); a command's own is mrkdwn.
        if (isServiceError(error)) return buildServiceErrorReply(error);
        const field = typeof error.details.field === 'string' ? error.details.field : null;
        return buildErrorReply(error.message, { code: error.code, field });
      }
      if (isStoreUnavailable(error)) {
        ctx.logger.warn({ err: error, command: name }, 'command failed: the store is unavailable');
        return buildErrorReply(
          'KPI Bot could not reach its data just now, so nothing was changed. Please try again in a minute.',
          { code: 'store_unavailable' },
        );
      }
      ctx.logger.error({ err: error, command: name }, 'command failed');
      return buildErrorReply(
        'Something went wrong on our side while answering that; the error was recorded for whoever runs KPI Bot. Please try again in a minute.',
      );
    }
  }

  return { commands: commands as readonly TCommand[], execute };
}

export type TCommandRouter = ReturnType<typeof createCommandRouter>;
