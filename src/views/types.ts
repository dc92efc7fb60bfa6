import type { KnownBlock } from '@slack/types';
import type { TChartSpec } from '../charts/spec.js';

/** A JSON value. */
export type TJson = null | boolean | number | string | TJson[] | { [key: string]: TJson };

/**
 * A reply as data (`kpi shell --json` prints it): `type` names the result (`scorecard`, `leaderboard`, `error`
 * …); numbers are numbers, money in major units of `currency` as `kpi metrics --json` prints it, times ISO
 * strings. A refusal is `{ type: 'error', error: { code, message, field } }`.
 */
export type TReplyData = { type: string; [key: string]: TJson };

/**
 * What a command answers, one result in three views: Slack's (a text fallback plus Block Kit), the terminal's
 * and a script's.
 */
export type TReply = {
  /** Slack's notification and fallback text (mrkdwn). */
  text: string;
  blocks: KnownBlock[];
  /**
   * The reply for a terminal: plain text (no mrkdwn, no emoji codes), names as written, columns aligned, within
   * 80 columns where the layout allows, no blank line (a script splits replies on blank lines).
   */
  terminal: string;
  /** The reply as data for scripts. */
  data: TReplyData;
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
  /**
   * What a channel is shown when the reply is shared ("Share in channel"), where it differs from the asker's:
   * the same result without the marks for the asker (their "(you)", their own-rank line, their bar in green).
   */
  channel?: { text: string; blocks: KnownBlock[]; chart?: TChartSpec };
};

/**
 * A message a job posts or sends (a channel post, a DM): Block Kit with its text fallback, and its terminal view
 * (what local mode prints: names as written, no marks).
 */
export type TMessage = { text: string; blocks: KnownBlock[]; terminal: string };

/** What help shows of a `/kpi` sub-command: its grammar and a line on what it does. */
export type TCommandHelp = {
  name: string;
  /** e.g. `help` or `rep @user [period]` (without the leading `/kpi`). */
  usage: string;
  summary: string;
  examples?: string[];
};
