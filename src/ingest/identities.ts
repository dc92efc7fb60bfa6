import type { Prisma } from '../generated/sqlite/client.js';
import type { TOwner } from './events.js';

export type TTx = Prisma.TransactionClient;

/** Finds a Slack user by email (users.lookupByEmail) when Slack is connected. */
export type TSlackUserLookup = (email: string) => Promise<{ id: string; name: string } | null>;

/** The result of resolving an owner: the rep, or the key the fact waits under until a mapping exists. */
export type TResolvedOwner = { repId: string | null; key: string };

/**
 * The key a fact of an unmapped owner keeps in ownerExternalId: the CRM id, else `email:…`, `slack:…` or
 * `name:…`. Email and name keys mean the same person whatever the source.
 */
export function ownerKey(owner: TOwner): string {
  if (owner.id !== undefined) return String(owner.id);
  if (owner.email) return `email:${owner.email.toLowerCase()}`;
  if (owner.slackUserId) return `slack:${owner.slackUserId}`;
  return `name:${owner.name}`;
}

const isPersonKey = (key: string) => /^(email|name|slack):/.test(key);

/**
 * Resolves who a fact belongs to, in order: a linked identity (source + CRM id), the email of a rep, a Slack
 * user id, a rep's unique name (case-insensitive), and, when Slack is connected, the Slack user with that
 * email (who becomes a rep). A match by email links the CRM id too, so later events map by id alone.
 */
export async function resolveOwner(
  tx: TTx,
  workspaceId: string,
  source: string,
  owner: TOwner,
  lookupSlackUser?: TSlackUserLookup,
): Promise<TResolvedOwner> {
  const key = ownerKey(owner);
  const idSource = owner.source ?? source;
  const email = owner.email?.toLowerCase();
  // A linked identity: the CRM id, or an email or name an admin linked (kpi link).
  const linkedKeys = email && key !== `email:${email}` ? [key, `email:${email}`] : [key];
  const identity = await tx.repIdentity.findFirst({
    where: { workspaceId, source: idSource, externalId: { in: linkedKeys } },
    select: { repId: true },
  });
  if (identity) return { repId: identity.repId, key };
  let repId: string | null = null;
  if (email)
    repId = (await tx.rep.findFirst({ where: { workspaceId, email }, select: { id: true } }))?.id ?? null;
  if (!repId && owner.slackUserId) {
    repId =
      (
        await tx.rep.findUnique({
          where: { workspaceId_slackUserId: { workspaceId, slackUserId: owner.slackUserId } },
          select: { id: true },
        })
      )?.id ?? null;
  }
  if (!repId && owner.name) repId = await repIdByName(tx, workspaceId, owner.name);
  if (!repId && email && lookupSlackUser) {
    const user = await lookupSlackUser(email);
    if (user) {
      const rep = await tx.rep.upsert({
        where: { workspaceId_slackUserId: { workspaceId, slackUserId: user.id } },
        create: { workspaceId, slackUserId: user.id, name: user.name, email },
        update: {},
        select: { id: true },
      });
      repId = rep.id;
    }
  }
  if (repId && owner.id !== undefined) {
    await linkOwner(tx, workspaceId, idSource, key, repId, email ?? null);
  }
  return { repId, key };
}

/** The rep whose name matches exactly, else case-insensitively and uniquely; null otherwise. */
export async function repIdByName(tx: TTx, workspaceId: string, name: string): Promise<string | null> {
  const exact = await tx.rep.findMany({ where: { workspaceId, name }, select: { id: true }, take: 2 });
  if (exact.length === 1) return exact[0]?.id ?? null;
  if (exact.length > 1) return null;
  const lower = name.toLowerCase();
  const all = await tx.rep.findMany({ where: { workspaceId }, select: { id: true, name: true } });
  const matches = all.filter((r) => r.name.toLowerCase() === lower);
  return matches.length === 1 ? (matches[0]?.id ?? null) : null;
}

/**
 * Maps a CRM owner to a rep (idempotent) and hands the rep every fact that waited under that owner: facts of
 * the same source with that owner id, and for email/name keys those of any source; events waiting in the inbox
 * for it are queued again. Returns how many facts were handed over.
 */
export async function linkOwner(
  tx: TTx,
  workspaceId: string,
  source: string,
  key: string,
  repId: string,
  email: string | null = null,
): Promise<number> {
  const where = { workspaceId_source_externalId: { workspaceId, source, externalId: key } };
  const previous = (await tx.repIdentity.findUnique({ where, select: { repId: true } }))?.repId ?? null;
  await tx.repIdentity.upsert({
    where,
    create: { workspaceId, repId, source, externalId: key, email },
    update: { repId },
  });
  return handOver(tx, workspaceId, isPersonKey(key) ? null : source, key, repId, previous);
}

/** After a rep is created or renamed: facts waiting under their email or name become theirs. */
export async function claimPersonKeys(
  tx: TTx,
  workspaceId: string,
  rep: { id: string; name: string; email: string | null; slackUserId: string | null },
): Promise<number> {
  const keys = [`name:${rep.name}`];
  if (rep.email) keys.push(`email:${rep.email.toLowerCase()}`);
  if (rep.slackUserId) keys.push(`slack:${rep.slackUserId}`);
  let n = 0;
  for (const key of keys) n += await handOver(tx, workspaceId, null, key, rep.id);
  return n;
}

async function handOver(
  tx: TTx,
  workspaceId: string,
  source: string | null,
  key: string,
  repId: string,
  previousRepId: string | null = null,
): Promise<number> {
  // Facts keep their owner key, so a mapping changed later moves them to the new rep.
  const from = previousRepId && previousRepId !== repId ? [null, previousRepId] : [null];
  const where = {
    workspaceId,
    ownerExternalId: key,
    OR: from.map((r) => ({ repId: r })),
    ...(source ? { source } : {}),
  };
  const data = { repId };
  const counts = await Promise.all([
    tx.deal.updateMany({ where, data }),
    tx.lead.updateMany({ where, data }),
    tx.activity.updateMany({ where, data }),
    tx.customer.updateMany({ where, data }),
  ]);
  const waiting = source ? `${source}:${key}` : undefined;
  await tx.inboxEvent.updateMany({
    where: {
      workspaceId,
      appliedAt: null,
      ...(waiting ? { waitingFor: waiting } : { waitingFor: { endsWith: `:${key}` } }),
    },
    data: { waitingFor: null, nextAttemptAt: new Date(), error: null },
  });
  return counts.reduce((a, c) => a + c.count, 0);
}
