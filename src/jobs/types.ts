import type { TLogger } from '../logger.js';
import type { TDb } from '../store/store.js';
import type { Workspace } from '../store/types.js';
import type { TOutbox } from './outbox.js';

/** What a job run is given: its workspace and slot, where to send, and how to say "sending starts now". */
export type TJobContext = {
  db: TDb;
  logger: TLogger;
  workspace: Workspace;
  /** The slot this run stands for: the job computes "as of" this instant. */
  slot: Date;
  outbox: TOutbox;
  /** The default leaderboard channel (KPI_LEADERBOARD_CHANNEL) when the workspace has not chosen one. */
  defaultChannel?: string | undefined;
  /** The time the run really happens (quiet hours are about now, not the slot). */
  now: Date;
  /** Marks the run as sending: from here on a crash leaves it "uncertain" instead of running it again. */
  sending(): Promise<void>;
  /** Tells the ledger something went out (kept at once, e.g. the post's ts), in case the run is cut off later. */
  sent(info: Record<string, unknown>): Promise<void>;
};

/** `held`: nothing sent because of quiet hours; the run is tried again when they end. */
export type TJobResult = { summary: string; held?: boolean; [key: string]: unknown };

export type TJob = {
  name: 'leaderboard' | 'coaching-alerts' | 'stalled-deals';
  defaultSchedule: string;
  run(ctx: TJobContext): Promise<TJobResult>;
};
