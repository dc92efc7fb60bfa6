import type { Workspace } from '../generated/sqlite/client.js';
import type { TLogger } from '../logger.js';
import type { TStore } from '../store/store.js';
import type { TCommandHelp, TReply } from '../views/types.js';

export type { TReply };

/** Who is asking: a Slack user (or the local shell's chosen person). */
export type TActor = {
  slackUserId?: string;
  repId?: string;
  name: string;
  /** An admin or owner of the Slack workspace (users.info): a KPI Bot admin too. */
  workspaceAdmin?: boolean;
};

export type TCommandContext = {
  workspace: Workspace;
  actor: TActor;
  now: Date;
  store: TStore;
  logger: TLogger;
  /** Told after a command added facts (App Home dashboards refresh). */
  onFactsChanged?: (workspaceId: string) => void;
  /** The workspace's webhook URL for a source path (Slack modes); the shell shows the bare paths. */
  webhookUrl?: (path: string) => string;
};

/** One `/kpi` sub-command: its grammar for help and typos (TCommandHelp), and what it does. */
export type TCommand = TCommandHelp & {
  /** Read-only: its reply may be re-run and posted to the channel ("Share in channel"). */
  shareable?: boolean;
  run(args: string[], ctx: TCommandContext): Promise<TReply>;
};
