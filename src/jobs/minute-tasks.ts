import type { TLogger } from '../logger.js';
import type { TDb } from '../store/store.js';
import type { Workspace } from '../store/types.js';
import type { TOutbox } from './outbox.js';

/**
 * Work the scheduler does every minute for each workspace besides its ledger jobs (issue 17): sending pending
 * moments (celebrations, milestones) and managers' digests that have come due. A task makes its own sends
 * exactly-once (its rows are claimed before they are sent), so a replica or a restart running it again sends
 * nothing twice. A task's error is logged and the next minute tries again.
 */
export type TMinuteContext = {
  db: TDb;
  logger: TLogger;
  workspace: Workspace;
  /** The tick's time (a test's fake clock). */
  now: Date;
  outbox: TOutbox;
  /** Names this process when it claims rows. */
  by: string;
  /** KPI_CELEBRATIONS_CHANNEL: where celebrations go when the workspace has not chosen (null: off). */
  defaultCelebrationsChannel?: string | undefined;
};

export type TMinuteTask = { name: string; run(ctx: TMinuteContext): Promise<void> };

/** The minute tasks, in the order they run. */
export const MINUTE_TASKS: TMinuteTask[] = [managerDigestTask];
