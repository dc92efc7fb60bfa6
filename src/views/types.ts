import type { KnownBlock } from '@slack/types';
import type { TChartSpec } from '../charts/spec.js';

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

/** A message a job posts or sends (a channel post, a DM): Block Kit with its text fallback. */
export type TMessage = { text: string; blocks: KnownBlock[] };

/** What help shows of a `/kpi` sub-command: its grammar and a line on what it does. */
export type TCommandHelp = {
  name: string;
  /** e.g. `help` or `rep @user [period]` (without the leading `/kpi`). */
  usage: string;
  summary: string;
  examples?: string[];
};
