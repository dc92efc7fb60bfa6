import { z } from 'zod';
import { closestMatch } from '../domain/closest.js';
import { linkOwner, ownerIdentityKey } from '../ingest/identities.js';
import { findRep } from '../store/reps.js';
import { sourceInUse } from '../store/sources.js';
import { inTransaction } from '../store/store.js';
import type { TServiceContext } from './context.js';
import { code, inputOf, ServiceError } from './errors.js';
import { assertAdmin } from './settings.js';

const ZLink = z.object({
  who: z.string().trim().min(1, { error: 'Say who: the rep the CRM owner is.' }).max(200, {
    error: 'That name is too long for a rep.',
  }),
  source: z
    .string()
    .trim()
    .regex(/^[a-z0-9_-]{1,40}$/i, {
      error: 'Say which CRM: that is not a source name such as hubspot, pipedrive or csv.',
    })
    .transform((s) => s.toLowerCase()),
  owner: z
    .string()
    .trim()
    .min(1, { error: 'Say which CRM owner: their owner id or email.' })
    .max(320, { error: 'That owner id is too long.' })
    // Slack sends a typed email as <mailto:a@b|a@b>.
    .transform((s) => s.replace(/^<mailto:([^|>]+)(\|[^>]*)?>$/, '$1')),
});

/**
 * The sources KPI Bot reads by itself: the CRM webhooks (src/ingest/sources), the generic JSON API and CSV
 * imports. A source named by a CSV import (`--source`) or by the JSON API (`owner.source`) is known once the
 * workspace holds something from it.
 */
export const BUILT_IN_SOURCES = ['hubspot', 'pipedrive', 'generic', 'csv'] as const;

export type TOwnerLinked = {
  source: string;
  owner: string;
  rep: { id: string; name: string };
  /** Facts that moved to the rep (recorded under the owner before the link). */
  moved: number;
};

/**
 * Maps a CRM owner (a HubSpot or Pipedrive owner id, an email, a CSV name) to a rep (admins): the owner's facts
 * so far, and from now on, count for the rep.
 */
export async function linkCrmOwner(
  ctx: TServiceContext,
  raw: { who?: string; source?: string; owner?: string },
): Promise<TOwnerLinked> {
  await assertAdmin(ctx, 'linking CRM owners');
  const input = inputOf(ZLink, { who: raw.who ?? '', source: raw.source ?? '', owner: raw.owner ?? '' });
  const rep = await findRep(ctx.store.db, ctx.workspace.id, input.who);
  if (!rep) throw new ServiceError('not_found', `I do not know ${code(input.who)} as a rep here.`, 'who');
  if (
    !(BUILT_IN_SOURCES as readonly string[]).includes(input.source) &&
    !(await sourceInUse(ctx.store.db, ctx.workspace.id, input.source))
  ) {
    const near = closestMatch(input.source, BUILT_IN_SOURCES);
    throw new ServiceError(
      'bad_request',
      `${code(input.source)} is not a source KPI Bot knows here${near ? ` (did you mean ${code(near)}?)` : ''}. The sources: ${BUILT_IN_SOURCES.map(code).join(', ')}, or a name a CSV import (--source) or the JSON API (owner.source) has already used in this workspace.`,
      'source',
    );
  }
  const moved = await inTransaction(ctx.store.db, (tx) =>
    linkOwner(tx, ctx.workspace.id, input.source, ownerIdentityKey(input.source, input.owner), rep.id),
  );
  ctx.logger.info({ source: input.source, rep: rep.id, moved }, 'CRM owner linked');
  return { source: input.source, owner: input.owner, rep: { id: rep.id, name: rep.name }, moved };
}
