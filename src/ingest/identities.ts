import {
  ensureSlackRep,
  handOverFacts,
  mapIdentity,
  repIdByEmail,
  repIdBySlackId,
  repIdOfIdentity,
  repIdsNamed,
  repNames,
} from '../store/identities.js';
import { wakeEventsWaitingFor } from '../store/inbox.js';
import type { TTx } from '../store/store.js';
import type { TOwner } from './events.js';

export type { TTx };

/** Finds a workspace's Slack user by email (users.lookupByEmail) when Slack is connected; null otherwise. */
export type TSlackUserLookup = (
  workspaceId: string,
  email: string,
) => Promise<{ id: string; name: string } | null>;

/** The result of resolving an owner: the rep, or the key the fact waits under until a mapping exists. */
export type TResolvedOwner = { repId: string | null; key: string };

/**
 * The key a fact keeps in ownerExternalId (and an event waiting for its owner in waitingFor): a CRM id
 * qualified by its source (`hubspot:501`), else a person key `email:…`, `slack:…` or `name:…` (lower case),
 * which means the same person whatever the source.
 */
export function ownerKey(owner: TOwner, source: string): string {
  if (owner.id !== undefined) return `${owner.source ?? source}:${owner.id}`;
  return personKey(owner) as string;
}

/** An owner's person key (email, Slack id, name), or null when only a CRM id is known. */
function personKey(owner: TOwner): string | null {
  if (owner.email) return `email:${owner.email.toLowerCase()}`;
  if (owner.slackUserId) return `slack:${owner.slackUserId}`;
  if (owner.name) return `name:${owner.name.toLowerCase()}`;
  return null;
}

const isPersonKey = (key: string) => /^(email|name|slack):/.test(key);

/**
 * What an admin types to link an owner (`kpi link`, `/kpi link`) as RepIdentity's external id: an email or a
 * name (`name:…`, or any non-email in a CSV source) means the person in every source; anything else is an owner
 * id of that source.
 */
export function ownerIdentityKey(source: string, owner: string): string {
  const o = owner.trim();
  if (o.includes('@') && !o.startsWith('name:')) return `email:${o.replace(/^email:/, '').toLowerCase()}`;
  if (o.startsWith('name:') || source === 'csv') return `name:${o.replace(/^name:/, '').toLowerCase()}`;
  return o;
}

/** The fact key of an identity (source + external id as RepIdentity stores it). */
export function factKeyOf(source: string, externalId: string): string {
  return isPersonKey(externalId) ? externalId : `${source}:${externalId}`;
}

/**
 * Resolves who a fact belongs to, in order: a linked identity (the CRM id in its source, or an email or name an
 * admin linked, in any source), the email of a rep, a Slack user id, a rep's unique name (case-insensitive),
 * and, when Slack is connected, the Slack user with that email (who becomes a rep). A match links the CRM id
 * too, so later events map by id alone.
 */
export async function resolveOwner(
  tx: TTx,
  workspaceId: string,
  source: string,
  owner: TOwner,
  lookupSlackUser?: TSlackUserLookup,
): Promise<TResolvedOwner> {
  const key = ownerKey(owner, source);
  const idSource = owner.source ?? source;
  const email = owner.email?.toLowerCase();
  const person = [
    ...(email ? [`email:${email}`] : []),
    ...(owner.name ? [`name:${owner.name.toLowerCase()}`] : []),
  ];
  const mapped = await repIdOfIdentity(
    tx,
    workspaceId,
    owner.id !== undefined ? { source: idSource, externalId: String(owner.id) } : null,
    person,
  );
  if (mapped) return { repId: mapped, key };
  let repId: string | null = null;
  if (email) repId = await repIdByEmail(tx, workspaceId, email);
  if (!repId && owner.slackUserId) repId = await repIdBySlackId(tx, workspaceId, owner.slackUserId);
  if (!repId && owner.name) repId = await repIdByName(tx, workspaceId, owner.name);
  if (!repId && email && lookupSlackUser) {
    const user = await lookupSlackUser(workspaceId, email);
    if (user) {
      const rep = await ensureSlackRep(tx, workspaceId, { slackUserId: user.id, name: user.name, email });
      await claimPersonKeys(tx, workspaceId, rep);
      repId = rep.id;
    }
  }
  if (repId && owner.id !== undefined) {
    await linkOwner(tx, workspaceId, idSource, String(owner.id), repId, email ?? null);
  }
  return { repId, key };
}

/** The rep whose name matches exactly, else case-insensitively and uniquely; null otherwise. */
export async function repIdByName(tx: TTx, workspaceId: string, name: string): Promise<string | null> {
  const exact = await repIdsNamed(tx, workspaceId, name, 2);
  if (exact.length === 1) return exact[0]?.id ?? null;
  if (exact.length > 1) return null;
  const lower = name.toLowerCase();
  const all = await repNames(tx, workspaceId);
  const matches = all.filter((r) => r.name.toLowerCase() === lower);
  return matches.length === 1 ? (matches[0]?.id ?? null) : null;
}

/**
 * Maps an owner to a rep (idempotent): `externalId` is a CRM id of `source`, or a person key (`email:…`,
 * `name:…`) valid in every source. Every fact that waited under that owner becomes the rep's (or moves to the
 * rep when the mapping changes), and inbox events waiting for it are queued again. Returns the facts moved.
 */
export async function linkOwner(
  tx: TTx,
  workspaceId: string,
  source: string,
  externalId: string,
  repId: string,
  email: string | null = null,
): Promise<number> {
  const previous = await mapIdentity(tx, workspaceId, { source, externalId, email }, repId);
  return handOver(tx, workspaceId, factKeyOf(source, externalId), repId, previous);
}

/** After a rep is created or renamed: facts waiting under their email or name become theirs. */
export async function claimPersonKeys(
  tx: TTx,
  workspaceId: string,
  rep: { id: string; name: string; email: string | null; slackUserId: string | null },
): Promise<number> {
  const keys = [`name:${rep.name.toLowerCase()}`];
  if (rep.email) keys.push(`email:${rep.email.toLowerCase()}`);
  if (rep.slackUserId) keys.push(`slack:${rep.slackUserId}`);
  let n = 0;
  for (const key of keys) n += await handOver(tx, workspaceId, key, rep.id);
  return n;
}

async function handOver(
  tx: TTx,
  workspaceId: string,
  key: string,
  repId: string,
  previousRepId: string | null = null,
): Promise<number> {
  const moved = await handOverFacts(tx, workspaceId, key, repId, previousRepId);
  await wakeEventsWaitingFor(tx, workspaceId, key, new Date());
  return moved;
}
