import { parseArgs } from 'node:util';
import { createCommandRouter } from '../commands/execute.js';
import { COMMANDS } from '../commands/index.js';
import { AppError } from '../errors.js';
import { createLogger } from '../logger.js';
import type { TStore } from '../store/store.js';
import type { Workspace } from '../store/types.js';

type TWithStore = (
  teamId: string | undefined,
  work: (store: TStore, ws: Workspace) => Promise<void>,
) => Promise<void>;

export const TARGET_USAGE = `usage: kpi target set ["<rep>" | team ["<manager>"]] <metric> <amount> [weekly|monthly|quarterly|yearly]
                      [--from <period>] [--json] [--workspace <Slack team id>]
  the rep or manager by email, Slack user id or "full name" (quoted); e.g.
  kpi target set "Dana Scott" sales.won_total 40000 monthly --from 2024-01`;

/** A word for the command text: quoted when it holds a space, as the shell's quotes grouped it. */
const word = (w: string) => (/\s/.test(w) ? `"${w.replace(/"/g, '')}"` : w);

/**
 * `kpi target set …`: `/kpi target set …` run by the operator (an admin of every workspace on this database), so
 * targets, for history too (`--from`), can be set without Slack. The reply prints as the shell prints it; a
 * refusal goes to stderr with exit 2 (bad input) or 1.
 */
export async function cmdTarget(args: string[], withStore: TWithStore, now: () => Date): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { from: { type: 'string' }, json: { type: 'boolean' }, workspace: { type: 'string' } },
    allowPositionals: true,
  });
  if (positionals[0]?.toLowerCase() !== 'set') throw new AppError('bad_request', TARGET_USAGE);
  const text = ['target', ...positionals.map(word), ...(values.from ? ['--from', values.from] : [])].join(
    ' ',
  );
  await withStore(values.workspace, async (store, workspace) => {
    const reply = await createCommandRouter(COMMANDS).execute(text, {
      workspace,
      actor: { name: 'kpi CLI (operator)', workspaceAdmin: true },
      now: now(),
      store,
      logger: createLogger('warn'),
    });
    const shown = values.json ? JSON.stringify(reply.data) : reply.terminal;
    if (!reply.refused) {
      process.stdout.write(`${shown}\n`);
      return;
    }
    const code = (reply.data as { error?: { code?: string } }).error?.code;
    // The reason as the shell shows it, without its mark; the slash command's usage line becomes the CLI's.
    const lines = reply.terminal.replace(/^! /, '').split('\n');
    const reason = lines.filter((l) => !l.startsWith('Usage:')).join('\n');
    const withUsage = lines.length > 1 && lines.some((l) => l.startsWith('Usage:'));
    const message = values.json ? shown : withUsage ? `${reason}\n${TARGET_USAGE}` : reason;
    throw new AppError(code === 'bad_request' || code === undefined ? 'bad_request' : 'not_found', message);
  });
}
