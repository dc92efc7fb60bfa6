import type { Prisma } from '../generated/sqlite/client.js';
import type { TTx } from './types.js';

/** The currency of each of some deals of a source (by the source's ids), for those stored. */
export function dealCurrencies(db: TTx, workspaceId: string, source: string, externalIds: string[]) {
  return db.deal.findMany({
    where: { workspaceId, source, externalId: { in: externalIds } },
    select: { externalId: true, currency: true },
  });
}

/** The identities keyed by some of these keys (`email:…`), with their reps (a CSV import's owners at once). */
export function repIdentitiesOfKeys(db: TTx, workspaceId: string, externalIds: string[]) {
  return db.repIdentity.findMany({
    where: { workspaceId, externalId: { in: externalIds } },
    select: { externalId: true, repId: true },
  });
}

/** The reps with one of these emails (as stored), with their emails. */
export function repIdsByEmails(db: TTx, workspaceId: string, emails: string[]) {
  return db.rep.findMany({
    where: { workspaceId, email: { in: emails } },
    select: { id: true, email: true },
  });
}

/** The deals of a source by the source's ids (those stored). */
export function dealsOfSource(tx: TTx, workspaceId: string, source: string, externalIds: string[]) {
  return tx.deal.findMany({ where: { workspaceId, source, externalId: { in: externalIds } } });
}

/** The deal of a source by the source's id, or null. */
export function dealOfSource(tx: TTx, workspaceId: string, source: string, externalId: string) {
  return tx.deal.findUnique({
    where: { workspaceId_source_externalId: { workspaceId, source, externalId } },
  });
}

/** Stores a new deal (its data names its workspace). */
export function createDeal(tx: TTx, data: Prisma.DealCreateArgs['data']) {
  return tx.deal.create({ data });
}

/** Changes a deal found by dealOfSource (or dealsOfSource) in the same workspace. */
export function updateDeal(tx: TTx, dealId: string, data: Prisma.DealUpdateArgs['data']) {
  return tx.deal.update({ where: { id: dealId }, data });
}

/** Records a deal's move to a stage at an instant, once (the same move again is ignored). */
export async function recordStageChangeOnce(
  tx: TTx,
  workspaceId: string,
  move: { dealId: string; fromStage: string | null; toStage: string; changedAt: Date },
): Promise<void> {
  const { dealId, fromStage, toStage, changedAt } = move;
  const found = await tx.dealStageChange.findUnique({
    where: { dealId_toStage_changedAt: { dealId, toStage, changedAt } },
    select: { id: true },
  });
  if (!found)
    await tx.dealStageChange.create({ data: { workspaceId, dealId, fromStage, toStage, changedAt } });
}

/** How many deals of a workspace carry an amount in a currency other than `currency`, and which currencies. */
export async function dealAmountsInOtherCurrencies(
  db: TTx,
  workspaceId: string,
  currency: string,
): Promise<{ deals: number; currencies: string[] }> {
  const rows = await db.deal.groupBy({
    by: ['currency'],
    where: { workspaceId, currency: { not: currency }, amountMinor: { not: 0n } },
    _count: { _all: true },
    orderBy: { currency: 'asc' },
  });
  return {
    deals: rows.reduce((n, r) => n + r._count._all, 0),
    currencies: rows.map((r) => r.currency),
  };
}
