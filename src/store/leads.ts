import type { Prisma } from '../generated/sqlite/client.js';
import type { TTx } from './types.js';

/** Leads and customers as ingestion writes them, by a source's ids; each function names its workspace or row. */

/** The lead of a source by the source's id, or null. */
export function leadOfSource(tx: TTx, workspaceId: string, source: string, externalId: string) {
  return tx.lead.findUnique({
    where: { workspaceId_source_externalId: { workspaceId, source, externalId } },
  });
}

/** Stores a new lead (its data names its workspace). */
export function createLead(tx: TTx, data: Prisma.LeadCreateArgs['data']) {
  return tx.lead.create({ data });
}

/** Changes a lead found by leadOfSource in the same workspace. */
export function updateLead(tx: TTx, leadId: string, data: Prisma.LeadUpdateArgs['data']) {
  return tx.lead.update({ where: { id: leadId }, data });
}

/** The customer of a source by the source's id, or null. */
export function customerOfSource(tx: TTx, workspaceId: string, source: string, externalId: string) {
  return tx.customer.findUnique({
    where: { workspaceId_source_externalId: { workspaceId, source, externalId } },
  });
}

/** Stores a new customer (its data names its workspace). */
export function createCustomer(tx: TTx, data: Prisma.CustomerCreateArgs['data']) {
  return tx.customer.create({ data });
}

/** Changes a customer found by customerOfSource in the same workspace. */
export function updateCustomer(tx: TTx, customerId: string, data: Prisma.CustomerUpdateArgs['data']) {
  return tx.customer.update({ where: { id: customerId }, data });
}
