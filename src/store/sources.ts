import type { TDb } from './store.js';

/**
 * Whether a workspace holds anything from a source: a fact stored under it (a deal, lead, customer or activity
 * a CSV import or the JSON API recorded with that source), an identity linked in it, or a fact whose owner id
 * is of that source (the JSON API's `owner.source`). One indexed probe per table, stopping at the first hit.
 */
export async function sourceInUse(db: TDb, workspaceId: string, source: string): Promise<boolean> {
  const bySource = { workspaceId, source };
  const byOwner = { workspaceId, ownerExternalId: { startsWith: `${source}:` } };
  const probes = [
    () => db.repIdentity.findFirst({ where: bySource, select: { id: true } }),
    () => db.deal.findFirst({ where: bySource, select: { id: true } }),
    () => db.activity.findFirst({ where: bySource, select: { id: true } }),
    () => db.lead.findFirst({ where: bySource, select: { id: true } }),
    () => db.customer.findFirst({ where: bySource, select: { id: true } }),
    () => db.deal.findFirst({ where: byOwner, select: { id: true } }),
    () => db.activity.findFirst({ where: byOwner, select: { id: true } }),
    () => db.lead.findFirst({ where: byOwner, select: { id: true } }),
    () => db.customer.findFirst({ where: byOwner, select: { id: true } }),
  ];
  for (const probe of probes) if (await probe()) return true;
  return false;
}
