import type { TDb } from '../store/store.js';
import type { Workspace } from '../store/types.js';

/** An open deal that has stalled (issue 17): longer in its stage than the team's usual, or without activity. */
export type TStalledDeal = {
  dealId: string;
  repId: string;
  title: string;
  /** The CRM it came from (hubspot, pipedrive, generic, csv, slack) and its id there: how to find it. */
  source: string;
  externalId: string;
  /** A link to the deal in its CRM when one can be made, else null (the id is shown). */
  link: string | null;
  stage: string;
  amountMinor: bigint;
  currency: string;
  daysInStage: number;
  /** The team's usual dwell in this stage (the 90th percentile, days), null when too little history. */
  usualDays: number | null;
  /** Days since the last logged activity on the deal (null: none ever logged). */
  daysSinceActivity: number | null;
  reason: 'stage' | 'activity' | 'both';
};

/**
 * PLACEHOLDER (issue 17, being built this session): every active rep's stalled open deals as of `now`, most
 * stalled first, keyed by rep id. Until the real one lands it finds none.
 */
export async function stalledDealsByRep(
  _db: TDb,
  _workspace: Workspace,
  _now: Date,
): Promise<Map<string, TStalledDeal[]>> {
  return new Map();
}
