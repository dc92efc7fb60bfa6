import type { TActor, TServiceContext } from '../services/context.js';
import type { TCommandHelp, TReply } from '../views/types.js';

export type { TActor, TReply };

export type TCommandContext = TServiceContext & {
  /** The workspace's webhook URL for a source path (Slack modes); the shell shows the bare paths. */
  webhookUrl?: (path: string) => string;
};

/** One `/kpi` sub-command: its grammar for help and typos (TCommandHelp), and what it does. */
export type TCommand = TCommandHelp & {
  /** Read-only: its reply may be re-run and posted to the channel ("Share in channel"). */
  shareable?: boolean;
  run(args: string[], ctx: TCommandContext): Promise<TReply>;
};
