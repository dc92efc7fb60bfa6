import { storedTargetAmount, targetUnit } from '../metrics/targets.js';
import type { TDb } from './store.js';
import type { TNewTarget } from './targets.js';

export type TTargetWrite = 'created' | 'updated' | 'unchanged';

/**
 * Stores a target, replacing the one with the same scope, person, metric, period kind and first period: setting
 * or importing the same target again changes nothing, and a corrected amount replaces the old one (never two
 * targets for one period, whose choice would depend on the database's row order). One transaction. A dry run
 * says what it would do and writes nothing.
 */
export async function replaceTarget(
  db: TDb,
  target: TNewTarget,
  opts: { dryRun?: boolean } = {},
): Promise<TTargetWrite> {
  const amount = storedTargetAmount(target.amount, targetUnit(target.metricId));
  if (amount === null) {
    throw new RangeError(`target amount ${target.amount} for ${target.metricId} has no exact stored form`);
  }
  const same = {
    workspaceId: target.workspaceId,
    scope: target.scope,
    repId: target.repId,
    metricId: target.metricId,
    periodKind: target.periodKind,
    effectiveFrom: target.effectiveFrom,
  };
  return db.$transaction(async (tx) => {
    const found = await tx.target.findMany({ where: same, select: { id: true, amount: true } });
    if (found.length === 1 && found[0]?.amount === amount) return 'unchanged';
    if (opts.dryRun) return found.length ? 'updated' : 'created';
    if (found.length) await tx.target.deleteMany({ where: { id: { in: found.map((f) => f.id) } } });
    await tx.target.create({ data: { ...target, amount } });
    return found.length ? 'updated' : 'created';
  });
}
