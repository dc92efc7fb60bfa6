import type { TLogger } from '../logger.js';
import { runMoments } from '../moments/task.js';
import type { TDb } from '../store/store.js';
import type { Workspace } from '../store/types.js';
import { DEFAULT_QUIET_HOURS } from './coaching-job.js';
import { managerDigestTask } from './digest-task.js';
import { SEND_CLAIM_STALE_MS } from './ledger.js';
import type { TOutbox } from './outbox.js';
import { inQuietHours } from './schedule.js';

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

/** Deal-won celebrations and target milestones (src/moments/), under the scheduler's quiet-hours and claim rules. */
const momentsTask: TMinuteTask = {
  name: 'moments',
  async run(ctx) {
    await runMoments(ctx, {
      inQuietHours,
      defaultQuietHours: DEFAULT_QUIET_HOURS,
      staleClaimMs: SEND_CLAIM_STALE_MS,
    });
  },
};

/** The minute tasks, in the order they run. */
export const MINUTE_TASKS: TMinuteTask[] = [momentsTask, managerDigestTask];
