import type { Prisma } from '../generated/sqlite/client.js';
import type { TTx } from './types.js';

/**
 * Who owns a CRM's facts: RepIdentity rows map a source's owner id, or a person key (`email:…`, `name:…`) valid
 * in every source, to a rep of the workspace; facts keep their owner key, so a changed mapping can move them.
 * Every function runs inside the caller's transaction (`tx`) and names its workspace.
 */

/**
 * The rep an identity maps to: the source's owner id (when given) or any of the person keys; null when none
 * is mapped.
 */
export async function repIdOfIdentity(
  tx: TTx,
  workspaceId: string,
  ownerId: { source: string; externalId: string } | null,
  personKeys: string[],
): Promise<string | null> {
  const identity = await tx.repIdentity.findFirst({
    where: {
      workspaceId,
      OR: [...(ownerId ? [ownerId] : []), ...(personKeys.length ? [{ externalId: { in: personKeys } }] : [])],
    },
    select: { repId: true },
  });
  return identity?.repId ?? null;
}

/** The id of a rep with this email (as stored), or null. */
export async function repIdByEmail(tx: TTx, workspaceId: string, email: string): Promise<string | null> {
  return (await tx.rep.findFirst({ where: { workspaceId, email }, select: { id: true } }))?.id ?? null;
}

/** The id of the rep with this Slack user id, or null. */
export async function repIdBySlackId(
  tx: TTx,
  workspaceId: string,
  slackUserId: string,
): Promise<string | null> {
  return (
    (
      await tx.rep.findUnique({
        where: { workspaceId_slackUserId: { workspaceId, slackUserId } },
        select: { id: true },
      })
    )?.id ?? null
  );
}

/** The ids of up to `take` reps named exactly so. */
export function repIdsNamed(tx: TTx, workspaceId: string, name: string, take: number) {
  return tx.rep.findMany({ where: { workspaceId, name }, select: { id: true }, take });
}

/** Every rep's id and name (to match a name case-insensitively). */
export function repNames(tx: TTx, workspaceId: string) {
  return tx.rep.findMany({ where: { workspaceId }, select: { id: true, name: true } });
}

/** The rep of a Slack user, created with their name and email when there is none (an existing one is kept). */
export function ensureSlackRep(
  tx: TTx,
  workspaceId: string,
  user: { slackUserId: string; name: string; email: string },
) {
  return tx.rep.upsert({
    where: { workspaceId_slackUserId: { workspaceId, slackUserId: user.slackUserId } },
    create: { workspaceId, slackUserId: user.slackUserId, name: user.name, email: user.email },
    update: {},
  });
}

/**
 * Maps an owner (`source` + `externalId`) to a rep, creating the mapping or moving it. Returns the rep it was
 * mapped to before, or null.
 */
export async function mapIdentity(
  tx: TTx,
  workspaceId: string,
  identity: { source: string; externalId: string; email: string | null },
  repId: string,
): Promise<string | null> {
  const { source, externalId, email } = identity;
  const where = { workspaceId_source_externalId: { workspaceId, source, externalId } };
  const previous = (await tx.repIdentity.findUnique({ where, select: { repId: true } }))?.repId ?? null;
  await tx.repIdentity.upsert({
    where,
    create: { workspaceId, repId, source, externalId, email },
    update: { repId },
  });
  return previous;
}

/**
 * Gives a rep the deals, leads, activities and customers filed under an owner key with no rep (or under
 * `previousRepId`, when the mapping moved from that rep). Returns how many facts moved.
 */
export async function handOverFacts(
  tx: TTx,
  workspaceId: string,
  ownerKey: string,
  repId: string,
  previousRepId: string | null,
): Promise<number> {
  // Facts keep their owner key, so a mapping changed later moves them to the new rep.
  const from = previousRepId && previousRepId !== repId ? [null, previousRepId] : [null];
  const where = { workspaceId, ownerExternalId: ownerKey, OR: from.map((r) => ({ repId: r })) };
  const data = { repId };
  const counts = await Promise.all([
    tx.deal.updateMany({ where, data }),
    tx.lead.updateMany({ where, data }),
    tx.activity.updateMany({ where, data }),
    tx.customer.updateMany({ where, data }),
  ]);
  return counts.reduce((a, c) => a + c.count, 0);
}

/** The whole rep with this Slack user id, or null. */
export function repWithSlackId(tx: TTx, workspaceId: string, slackUserId: string) {
  return tx.rep.findUnique({ where: { workspaceId_slackUserId: { workspaceId, slackUserId } } });
}

/** The first rep with this email (as stored), or null. */
export function repWithEmail(tx: TTx, workspaceId: string, email: string) {
  return tx.rep.findFirst({ where: { workspaceId, email } });
}

/** A rep by id, or null. */
export function repWithId(tx: TTx, repId: string) {
  return tx.rep.findUnique({ where: { id: repId } });
}

/** The name of another rep (not `exceptRepId`) who has this email, or null. */
export function otherRepWithEmail(tx: TTx, workspaceId: string, email: string, exceptRepId: string | null) {
  return tx.rep.findFirst({
    where: { workspaceId, email, ...(exceptRepId ? { id: { not: exceptRepId } } : {}) },
    select: { name: true },
  });
}

/** Adds a person (their data names the workspace). */
export function createPerson(tx: TTx, data: Prisma.RepCreateArgs['data']) {
  return tx.rep.create({ data });
}

/** Changes a person found by one of the lookups above. */
export function updatePerson(tx: TTx, repId: string, data: Prisma.RepUpdateArgs['data']) {
  return tx.rep.update({ where: { id: repId }, data });
}
