import type { TPeriod, TPeriodKind } from '../metrics/periods.js';
import { DEFAULT_TARGETS, scaleTarget } from '../metrics/targets.js';
import type { TDb } from './store.js';

type TTargetKind = Exclude<TPeriodKind, 'custom'>;

/**
 * The target of each metric for a rep and a period: the rep's own, else their team's (set on their manager),
 * else the workspace's, else the defaults; the latest row effective at the period's start wins, and a target
 * set for another period kind is scaled to the period (see docs/metrics.md, "Targets").
 */
export async function resolveTargets(
  db: TDb,
  workspaceId: string,
  rep: { id: string; managerId: string | null },
  period: TPeriod,
): Promise<Record<string, number>> {
  const rows = await db.target.findMany({
    where: {
      workspaceId,
      effectiveFrom: { lte: period.start },
      OR: [
        { scope: 'rep', repId: rep.id },
        ...(rep.managerId ? [{ scope: 'team', repId: rep.managerId }] : []),
        { scope: 'workspace' },
      ],
    },
    orderBy: { effectiveFrom: 'desc' },
  });
  const rank = (scope: string) => (scope === 'rep' ? 0 : scope === 'team' ? 1 : 2);
  const chosen = new Map<string, { rank: number; kindMatches: boolean; amount: number }>();
  for (const row of rows) {
    const r = rank(row.scope);
    const kindMatches = row.periodKind === period.kind;
    const amount = scaleTarget(row.amount, row.periodKind as TTargetKind, period);
    const seen = chosen.get(row.metricId);
    // Closest scope first; within a scope a target for this very period kind beats a scaled one; then newest.
    if (!seen || r < seen.rank || (r === seen.rank && kindMatches && !seen.kindMatches)) {
      chosen.set(row.metricId, { rank: r, kindMatches, amount });
    }
  }
  const out: Record<string, number> = {};
  for (const d of DEFAULT_TARGETS) out[d.metricId] = scaleTarget(d.amount, d.periodKind, period);
  for (const [metricId, c] of chosen) out[metricId] = c.amount;
  return out;
}
