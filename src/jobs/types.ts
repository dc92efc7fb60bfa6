import type { Workspace } from '../generated/sqlite/client.js';
import type { TLogger } from '../logger.js';
import type { TDb } from '../store/store.js';
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
  /** Marks the run as sending: from here on a crash leaves it "uncertain" instead of running it again. */
  sending(): Promise<void>;
};

export type TJobResult = { summary: string; [key: string]: unknown };

export type TJob = {
  name: 'leaderboard' | 'coaching-alerts';
  defaultSchedule: string;
  run(ctx: TJobContext): Promise<TJobResult>;
};
