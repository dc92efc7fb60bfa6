import type { KnownBlock } from '@slack/types';
import type { TChartSpec } from '../charts/spec.js';
import type { Workspace } from '../generated/sqlite/client.js';
import type { TLogger } from '../logger.js';
import type { TStore } from '../store/store.js';

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

/** What a command answers: a text fallback plus Block Kit; the shell renders the blocks as text. */
export type TReply = {
  text: string;
  blocks: KnownBlock[];
  /** Visible to the asker only (the default) or to the channel. */
  visibility: 'ephemeral' | 'in_channel';
  /** Set by the router on successful replies of shareable commands: the command text to re-run when shared. */
  shareText?: string;
  /** A file that goes with the reply (Slack: sent to the asker by direct message; the shell: saved to disk). */
  file?: { filename: string; title: string; content: string };
  /** The command refused (bad input, not allowed): a modal shows the text on its field. */
  refused?: boolean;
  /** A chart that goes with the reply (Slack: an image block under it; the shell: a PNG saved to disk). */
  chart?: TChartSpec;
};

/** One `/kpi` sub-command: its grammar for help and typos, and what it does. */
export type TCommand = {
  name: string;
  /** e.g. `help` or `rep @user [period]` (without the leading `/kpi`). */
  usage: string;
  summary: string;
  examples?: string[];
  /** Read-only: its reply may be re-run and posted to the channel ("Share in channel"). */
  shareable?: boolean;
  run(args: string[], ctx: TCommandContext): Promise<TReply>;
};
