import { createHash, randomUUID } from 'node:crypto';
import { activitiesOfSource, activityOfSource, createActivity, updateActivity } from '../store/activities.js';
import { insertRows } from '../store/bulk.js';
import {
  createDeal,
  dealOfSource,
  dealsOfSource,
  recordStageChangeOnce,
  updateDeal,
} from '../store/deals.js';
import {
  createPerson,
  otherRepWithEmail,
  repWithEmail,
  repWithId,
  repWithSlackId,
  updatePerson,
} from '../store/identities.js';
import {
  createCustomer,
  createLead,
  customerOfSource,
  leadOfSource,
  updateCustomer,
  updateLead,
} from '../store/leads.js';
import type { TProvider } from '../store/provider.js';
import {
  createPost,
  createSnapshot,
  createTrainingResult,
  postOf,
  snapshotAt,
  trainingResultOfSource,
  updatePost,
  updateSnapshotValue,
  updateTrainingResult,
} from '../store/social.js';
import type { Activity, Deal, Rep, TActivityInput, TDealInput, TStageChangeInput } from '../store/types.js';
import type { TCanonicalEvent, TInstant, TOwner } from './events.js';
import {
  claimPersonKeys,
  repIdByName,
  resolveOwner,
  type TResolvedOwner,
  type TSlackUserLookup,
  type TTx,
} from './identities.js';
import { toInstant, toMinorUnits } from './values.js';

/**
 * The one writer of facts: one apply function per canonical event type, each run inside the caller's
 * transaction (which also marks the inbox row applied, so an event is applied exactly once or not at all).
 */

export type TApplyContext = {
  tx: TTx;
  workspace: { id: string; timezone: string; currency: string };
  /** Where the event came from (hubspot, pipedrive, generic, csv, slack): part of every fact's key. */
  source: string;
  /** Used when an event carries no time of its own. */
  now: Date;
  lookupSlackUser?: TSlackUserLookup;
  /** Owner resolutions of this batch (a CSV file names the same people thousands of times). */
  owners?: Map<string, TResolvedOwner>;
  /** `now` is not when things happened (an import): a won or lost deal without a close date gets none. */
  untimed?: boolean;
  /**
   * The operator's own import (`kpi import`): the only source whose `role` is applied. A webhook holds an
   * integration's secret, which must not grant rights in Slack; its role is refused at receipt and, should an
   * old inbox row carry one, ignored here.
   */
  operator?: boolean;
  /** Also remember owners found unmapped (an import, where no mapping appears half-way). */
  cacheUnmapped?: boolean;
  /** Rows of this batch loaded up front by external id (see prefetch); null means known to be absent. */
  known?: { deals: Map<string, Deal | null>; activities: Map<string, Activity | null> };
  /** New deals and activities collected for one multi-row insert at the end of the batch (imports). */
  deferred?: DeferredInserts;
};

/** Inserts of new rows held back and written with createMany: a bulk import's cost is mostly these. */
export class DeferredInserts {
  private deals: (TDealInput & { id: string })[] = [];
  private stageChanges: (TStageChangeInput & { id: string })[] = [];
  private activities: (TActivityInput & { id: string })[] = [];
  readonly pendingDeals = new Set<string>();
  readonly pendingActivities = new Set<string>();

  addDeal(row: TDealInput & { id: string }, firstStage: { stage: string; at: Date } | null) {
    this.deals.push(row);
    this.pendingDeals.add(row.externalId);
    if (firstStage)
      this.stageChanges.push({
        id: randomUUID(),
        workspaceId: row.workspaceId,
        dealId: row.id,
        fromStage: null,
        toStage: firstStage.stage,
        changedAt: firstStage.at,
      });
  }
  addActivity(row: TActivityInput) {
    this.activities.push({ ...row, id: randomUUID() });
    this.pendingActivities.add(row.externalId);
  }
  constructor(private readonly provider: TProvider) {}

  async flush(tx: TTx): Promise<void> {
    await insertRows(tx, this.provider, 'Deal', this.deals);
    await insertRows(tx, this.provider, 'DealStageChange', this.stageChanges);
    await insertRows(tx, this.provider, 'Activity', this.activities);
    this.deals = [];
    this.stageChanges = [];
    this.activities = [];
    this.pendingDeals.clear();
    this.pendingActivities.clear();
  }
}

/**
 * Loads, in two queries, the deals and activities a batch of events refers to, so applying the batch costs
 * about one write per event instead of a read and a write.
 */
export async function prefetch(
  tx: TTx,
  workspaceId: string,
  source: string,
  events: TCanonicalEvent[],
): Promise<NonNullable<TApplyContext['known']>> {
  const dealIds = [
    ...new Set(
      events.flatMap((e) =>
        e.type.startsWith('deal.') && 'dealId' in e && e.dealId ? [String(e.dealId)] : [],
      ),
    ),
  ];
  const activityIds = [...new Set(events.flatMap((e) => ('activityId' in e ? [e.activityId] : [])))];
  const [deals, activities] = await Promise.all([
    dealIds.length ? dealsOfSource(tx, workspaceId, source, dealIds) : [],
    activityIds.length ? activitiesOfSource(tx, workspaceId, source, activityIds) : [],
  ]);
  const known = {
    deals: new Map<string, Deal | null>(dealIds.map((id) => [id, null])),
    activities: new Map<string, Activity | null>(activityIds.map((id) => [id, null])),
  };
  for (const d of deals) known.deals.set(d.externalId, d);
  for (const a of activities) known.activities.set(a.externalId, a);
  return known;
}

export function ownerCacheKey(source: string, o: TOwner): string {
  return JSON.stringify([source, o.source, o.id, o.email, o.slackUserId, o.name]);
}

export type TOutcome = 'created' | 'updated' | 'unchanged';

/** The event cannot be applied yet: it names an owner who is not mapped to a rep (it waits, then retries). */
export class WaitingForOwner extends Error {
  constructor(readonly waitingFor: string) {
    super(`waiting for the owner ${waitingFor} to be mapped to a rep (kpi link, or import reps)`);
    this.name = 'WaitingForOwner';
  }
}

/** The event refers to something not known yet (e.g. a churn before the customer): retry later. */
export class NotYetApplicable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotYetApplicable';
  }
}

const when = (ctx: TApplyContext, t: TInstant | null | undefined): Date | null =>
  t === null || t === undefined ? null : toInstant(t, ctx.workspace.timezone);
const occurred = (ctx: TApplyContext, ev: { occurredAt?: TInstant | undefined }) =>
  when(ctx, ev.occurredAt) ?? ctx.now;

async function owner(ctx: TApplyContext, o: TOwner): Promise<TResolvedOwner> {
  const cacheKey = ownerCacheKey(ctx.source, o);
  const cached = ctx.owners?.get(cacheKey);
  if (cached && (cached.repId || ctx.cacheUnmapped)) return cached;
  const resolved = await resolveOwner(ctx.tx, ctx.workspace.id, ctx.source, o, ctx.lookupSlackUser);
  ctx.owners?.set(cacheKey, resolved);
  return resolved;
}

/** Like owner(), for facts that cannot exist without a rep (social, training): unmapped means wait. */
async function requiredRep(ctx: TApplyContext, o: TOwner): Promise<string> {
  const r = await owner(ctx, o);
  if (!r.repId) throw new WaitingForOwner(r.key);
  return r.repId;
}

const same = (a: unknown, b: unknown) =>
  a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b;

/** Keeps only the fields whose value changes. */
function diff<T extends Record<string, unknown>>(current: Record<string, unknown>, next: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(next).filter(([k, v]) => v !== undefined && !same(current[k], v)),
  ) as Partial<T>;
}

// ---------------------------------------------------------------------------------------------------------
// Deals: a projection of many thin events. Each field remembers the time of the event that set it
// (fieldClock); an older event never overwrites a newer value, so out-of-order delivery ends in the right state.
// Stage moves become DealStageChange rows (the funnel's history), including moves that arrive late.
// ---------------------------------------------------------------------------------------------------------

type TDealPatch = {
  owner?: TOwner;
  title?: string;
  account?: string | null;
  product?: string | null;
  amount?: number | string;
  currency?: string;
  pipeline?: string | null;
  stage?: string;
  status?: 'open' | 'won' | 'lost';
  openedAt?: Date | null;
  closedAt?: Date | null;
  lostReason?: string | null;
  deleted?: boolean;
};

function dealPatch(ctx: TApplyContext, ev: TCanonicalEvent, at: Date): TDealPatch {
  switch (ev.type) {
    case 'deal.upserted': {
      const { type: _t, id: _i, occurredAt: _o, dealId: _d, openedAt, closedAt, ...rest } = ev;
      return {
        ...rest,
        ...(openedAt !== undefined ? { openedAt: when(ctx, openedAt) } : {}),
        ...(closedAt !== undefined ? { closedAt: when(ctx, closedAt) } : {}),
      };
    }
    case 'deal.stage_changed':
      return { stage: ev.stage };
    case 'deal.won':
      return {
        status: 'won',
        closedAt: at,
        ...(ev.amount !== undefined ? { amount: ev.amount } : {}),
        ...(ev.currency ? { currency: ev.currency } : {}),
      };
    case 'deal.lost':
      return {
        status: 'lost',
        closedAt: at,
        ...(ev.lostReason !== undefined ? { lostReason: ev.lostReason } : {}),
      };
    case 'deal.deleted':
      return { deleted: true };
    default:
      throw new Error(`not a deal event: ${ev.type}`);
  }
}

/**
 * Applies one deal event: reads the deal as it stands, works out which fields the event may set (each guarded by
 * its field clock), then creates the deal or writes the change (with the stage move it records).
 */
async function applyDeal(
  ctx: TApplyContext,
  ev: Extract<TCanonicalEvent, { dealId: string }>,
): Promise<TOutcome> {
  const at = occurred(ctx, ev);
  const timed = ev.occurredAt !== undefined;
  const patch = dealPatch(ctx, ev, at);
  const existing = await currentDeal(ctx, ev.dealId);
  const fields = new DealFields(existing, at, timed);
  await projectOwner(ctx, fields, patch);
  projectDescription(fields, patch);
  const currency = projectAmount(ctx, fields, patch, existing);
  const stageFresh = projectStage(fields, patch);
  projectStatus(ctx, fields, patch, existing, at);
  if (patch.deleted) fields.set('deletedAt', at, 'deleted');
  const change: TDealChange = { dealId: ev.dealId, patch, fields, currency, at, timed, stageFresh };
  return existing ? updateKnownDeal(ctx, existing, change) : createNewDeal(ctx, change);
}

/**
 * The deal as stored (null when new): from the batch's prefetched rows when they hold it, after writing any
 * deferred insert of it, so the event never misses a row this batch created.
 */
async function currentDeal(ctx: TApplyContext, dealId: string): Promise<Deal | null> {
  if (ctx.deferred?.pendingDeals.has(dealId)) await ctx.deferred.flush(ctx.tx);
  return ctx.known?.deals.has(dealId)
    ? (ctx.known.deals.get(dealId) ?? null)
    : await dealOfSource(ctx.tx, ctx.workspace.id, ctx.source, dealId);
}

/**
 * The fields one event sets on a deal, each with the time of the event that set it (the field clock): a value
 * is taken only when the event is not older than the one that set the field last.
 */
class DealFields {
  /** The fields to write. */
  readonly next: Record<string, unknown> = {};
  /** The field clock after this event: field → time (ms), and `$amount`, the amount as decimal text. */
  readonly clock: Record<string, number | string>;
  /** The event's time (ms). */
  readonly t: number;

  constructor(
    private readonly existing: Deal | null,
    at: Date,
    /** The event carries its own time (a CSV row does not). */
    readonly timed: boolean,
  ) {
    this.clock = existing ? safeJson(existing.fieldClock) : {};
    this.t = at.getTime();
  }

  /**
   * Whether this event's value of a field is taken: no newer event has set the field, and of two events at the
   * same instant, the one whose value (`tie`) sorts last, so the result never depends on which arrived first
   * (events without a time of their own: the later one). `current` is the value the field holds now.
   */
  takes(field: string, tie: unknown, current: unknown): boolean {
    const c = this.clock[field];
    if (typeof c !== 'number' || c < this.t) return true;
    if (c > this.t) return false;
    // Events without a time of their own (a file's rows) all take `now`: the later row wins, as in the file.
    if (!this.timed) return true;
    return tieText(tie) >= tieText(current);
  }

  /** The value a field holds before this event (or as this event has set it so far). */
  current(field: string): unknown {
    return field in this.next ? this.next[field] : (this.existing as Record<string, unknown> | null)?.[field];
  }

  /** Sets a field (and its clock) unless the value is undefined or another event's value is taken over it. */
  set(
    field: string,
    value: unknown,
    clockField = field,
    tie: [unknown, unknown] = [value, this.current(field)],
  ): void {
    if (value === undefined || !this.takes(clockField, tie[0], tie[1])) return;
    // An event without a time (a CSV row) that repeats a value leaves it, and its clock, alone.
    if (!this.timed && this.existing && same((this.existing as Record<string, unknown>)[field], value))
      return;
    this.next[field] = value;
    this.clock[clockField] = this.t;
  }

  get clockJson(): string {
    return JSON.stringify(this.clock);
  }
}

/** A value as text for breaking a tie between two events at the same instant (dates as ISO text, null as ""). */
function tieText(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  if (v === null || v === undefined) return '';
  return String(v);
}

/** Everything createNewDeal and updateKnownDeal need about one event's change. */
type TDealChange = {
  /** The source's id of the deal. */
  dealId: string;
  patch: TDealPatch;
  fields: DealFields;
  /** The deal's currency after the event. */
  currency: string;
  at: Date;
  /** The event carries its own time (a CSV row does not). */
  timed: boolean;
  /** The event's stage is not older than the deal's current one. */
  stageFresh: boolean;
};

/** The owner: resolved to a rep (or remembered as unmapped, by its key). */
async function projectOwner(ctx: TApplyContext, fields: DealFields, patch: TDealPatch): Promise<void> {
  if (!patch.owner) return;
  const o = await owner(ctx, patch.owner);
  // One decision for both fields (a tie is broken on the owner's key).
  if (!fields.takes('owner', o.key, fields.current('ownerExternalId'))) return;
  fields.set('repId', o.repId, 'owner', [o.key, o.key]);
  fields.set('ownerExternalId', o.key, 'owner', [o.key, o.key]);
}

/** The fields that are only taken over: title, account, product, pipeline, lost reason, creation time. */
function projectDescription(fields: DealFields, patch: TDealPatch): void {
  fields.set('title', patch.title);
  fields.set('account', patch.account);
  fields.set('product', patch.product);
  fields.set('pipeline', patch.pipeline);
  fields.set('lostReason', patch.lostReason);
  fields.set('openedAt', patch.openedAt);
}

/**
 * Amount and currency, which arrive as separate events (HubSpot): each has its own clock, the amount is kept as
 * its decimal text, and the minor units are recomputed from both whenever either changes. Returns the currency.
 */
function projectAmount(
  ctx: TApplyContext,
  fields: DealFields,
  patch: TDealPatch,
  existing: Deal | null,
): string {
  const { next, clock } = fields;
  if (patch.currency) fields.set('currency', patch.currency);
  const currency = (next.currency as string | undefined) ?? existing?.currency ?? ctx.workspace.currency;
  let amountText = typeof clock.$amount === 'string' ? clock.$amount : undefined;
  const text =
    patch.amount === undefined
      ? undefined
      : typeof patch.amount === 'number'
        ? patch.amount.toFixed(6)
        : patch.amount;
  if (text !== undefined && fields.takes('amount', text, amountText)) {
    if (fields.timed || !existing || text !== amountText) {
      amountText = text;
      clock.amount = fields.t;
      clock.$amount = text;
    }
  }
  if (amountText !== undefined) {
    const minor = toMinorUnits(amountText, currency);
    if (!existing || existing.amountMinor !== minor) next.amountMinor = minor;
  }
  return currency;
}

/** The stage; returns whether the event's stage is not older than the current one (else it is a late move). */
function projectStage(fields: DealFields, patch: TDealPatch): boolean {
  const stageFresh = patch.stage !== undefined && fields.takes('stage', patch.stage, fields.current('stage'));
  fields.set('stage', patch.stage);
  return stageFresh;
}

/** Open, won or lost, and the close date that goes with it. */
function projectStatus(
  ctx: TApplyContext,
  fields: DealFields,
  patch: TDealPatch,
  existing: Deal | null,
  at: Date,
): void {
  if (patch.status && fields.takes('status', patch.status, fields.current('status'))) {
    fields.set('status', patch.status);
    if (patch.status === 'open') fields.set('closedAt', null);
    else if (
      patch.closedAt === undefined &&
      !ctx.untimed &&
      (existing?.status !== patch.status || !existing?.closedAt)
    )
      fields.set('closedAt', at);
  }
  if (patch.closedAt !== undefined) fields.set('closedAt', patch.closedAt);
}

/** A deal seen for the first time: inserted (or held for the batch's bulk insert), with its first stage. */
async function createNewDeal(ctx: TApplyContext, change: TDealChange): Promise<TOutcome> {
  const { tx, workspace } = ctx;
  const { dealId, patch, fields, currency, at, timed } = change;
  const data = {
    id: randomUUID(),
    workspaceId: workspace.id,
    source: ctx.source,
    externalId: dealId,
    stage: (fields.next.stage as string | undefined) ?? '',
    currency,
    ...fields.next,
    ...(patch.stage !== undefined ? { stageEnteredAt: at } : {}),
    fieldClock: fields.clockJson,
  };
  // The stage the event saw the deal in, and when, is the first row of its history (a CSV row has no time of
  // its own: its stage is only the current one, and no history is made of it).
  const firstStage = patch.stage !== undefined && timed ? { stage: patch.stage, at } : null;
  if (ctx.deferred) {
    ctx.known?.deals.delete(dealId);
    ctx.deferred.addDeal(data, firstStage);
    return 'created';
  }
  const created = await createDeal(tx, data);
  ctx.known?.deals.set(dealId, created);
  if (firstStage)
    await recordStageChange(tx, workspace.id, created.id, null, firstStage.stage, firstStage.at);
  return 'created';
}

/** A known deal: the stage move recorded, then only the fields that change written (nothing when none do). */
async function updateKnownDeal(ctx: TApplyContext, existing: Deal, change: TDealChange): Promise<TOutcome> {
  const { fields } = change;
  const changes = diff(existing as unknown as Record<string, unknown>, fields.next) as Record<
    string,
    unknown
  >;
  const stageEnteredAt = await recordStageMove(ctx, existing, change);
  if (stageEnteredAt) changes.stageEnteredAt = stageEnteredAt;
  if (Object.keys(changes).length === 0 && existing.fieldClock === fields.clockJson) return 'unchanged';
  const updated = await updateDeal(ctx.tx, existing.id, { ...changes, fieldClock: fields.clockJson });
  ctx.known?.deals.set(change.dealId, updated);
  return Object.keys(changes).length ? 'updated' : 'unchanged';
}

/**
 * Records the stage an event saw the deal in. Returns when the deal entered its new current stage, or null when
 * the current stage stays.
 *
 * An event with a time of its own always adds (stage, time) to the history, whether or not it is current and
 * whatever arrived before it: the history is then the same set of rows in any arrival order, and the funnel
 * reads it in time order (a late move slots into its place; repeats of a stage in a row are one stay).
 */
async function recordStageMove(
  ctx: TApplyContext,
  existing: Deal,
  { patch, at, timed, stageFresh }: TDealChange,
): Promise<Date | null> {
  if (patch.stage === undefined) return null;
  if (timed) {
    await recordStageChange(ctx.tx, ctx.workspace.id, existing.id, null, patch.stage, at);
    return stageFresh && patch.stage !== existing.stage ? at : null;
  }
  if (patch.stage === existing.stage || !stageFresh) return null;
  // A move without a time of its own (a newer export) happened by its close date, else by now; the stage it
  // left is kept on the row, as no earlier row may say where the deal was.
  const movedAt = patch.closedAt ?? at;
  await recordStageChange(
    ctx.tx,
    ctx.workspace.id,
    existing.id,
    existing.stage || null,
    patch.stage,
    movedAt,
  );
  return movedAt;
}

async function recordStageChange(
  tx: TTx,
  workspaceId: string,
  dealId: string,
  fromStage: string | null,
  toStage: string,
  changedAt: Date,
): Promise<void> {
  await recordStageChangeOnce(tx, workspaceId, { dealId, fromStage, toStage, changedAt });
}

function safeJson(text: string): Record<string, number | string> {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, number | string>) : {};
  } catch {
    return {};
  }
}

// ---------------------------------------------------------------------------------------------------------
// Leads, customers, activities
// ---------------------------------------------------------------------------------------------------------

async function applyLead(
  ctx: TApplyContext,
  ev: Extract<TCanonicalEvent, { type: 'lead.upserted' | 'lead.qualified' | 'lead.converted' }>,
): Promise<TOutcome> {
  const { tx, workspace } = ctx;
  const at = occurred(ctx, ev);
  const existing = await leadOfSource(tx, workspace.id, ctx.source, ev.leadId);
  const next: Record<string, unknown> = {};
  if (ev.owner) {
    const o = await owner(ctx, ev.owner);
    next.repId = o.repId;
    next.ownerExternalId = o.key;
  }
  const earliest = (current: Date | null | undefined) =>
    current && current.getTime() <= at.getTime() ? current : at;
  if (ev.type === 'lead.upserted') {
    Object.assign(next, {
      name: ev.name,
      email: ev.email?.toLowerCase() ?? ev.email,
      mqlAt: when(ctx, ev.mqlAt) ?? (ev.mqlAt === null ? null : undefined),
      convertedAt: when(ctx, ev.convertedAt) ?? (ev.convertedAt === null ? null : undefined),
    });
  } else if (ev.type === 'lead.qualified') next.mqlAt = earliest(existing?.mqlAt);
  else next.convertedAt = earliest(existing?.convertedAt);
  if (!existing) {
    await createLead(tx, {
      workspaceId: workspace.id,
      source: ctx.source,
      externalId: ev.leadId,
      ...clean(next),
    });
    return 'created';
  }
  return updateChanged(existing, next, (changes) => updateLead(tx, existing.id, changes));
}

async function applyCustomer(
  ctx: TApplyContext,
  ev: Extract<TCanonicalEvent, { type: 'customer.won' | 'customer.churned' }>,
): Promise<TOutcome> {
  const { tx, workspace } = ctx;
  const at = occurred(ctx, ev);
  const existing = await customerOfSource(tx, workspace.id, ctx.source, ev.customerId);
  if (ev.type === 'customer.churned') {
    if (!existing) throw new NotYetApplicable(`customer ${ev.customerId} is not known yet`);
    if (existing.churnedAt && existing.churnedAt.getTime() <= at.getTime()) return 'unchanged';
    await updateCustomer(tx, existing.id, { churnedAt: at });
    return 'updated';
  }
  const next: Record<string, unknown> = {
    name: ev.name,
    dealExternalId: ev.dealId,
    wonAt: when(ctx, ev.wonAt) ?? at,
    churnedAt: ev.churnedAt === undefined ? undefined : when(ctx, ev.churnedAt),
  };
  if (ev.owner) {
    const o = await owner(ctx, ev.owner);
    next.repId = o.repId;
    next.ownerExternalId = o.key;
  }
  if (!existing) {
    await createCustomer(tx, {
      workspaceId: workspace.id,
      source: ctx.source,
      externalId: ev.customerId,
      wonAt: at,
      ...clean(next),
    });
    return 'created';
  }
  return updateChanged(existing, next, (changes) => updateCustomer(tx, existing.id, changes));
}

async function applyActivity(
  ctx: TApplyContext,
  ev: Extract<TCanonicalEvent, { type: 'activity.logged' | 'activity.deleted' }>,
): Promise<TOutcome> {
  const { tx, workspace } = ctx;
  if (ctx.deferred?.pendingActivities.has(ev.activityId)) await ctx.deferred.flush(tx);
  const existing = ctx.known?.activities.has(ev.activityId)
    ? (ctx.known.activities.get(ev.activityId) ?? null)
    : await activityOfSource(tx, workspace.id, ctx.source, ev.activityId);
  if (ev.type === 'activity.deleted') {
    const at = occurred(ctx, ev);
    if (existing?.deletedAt) return 'unchanged';
    ctx.known?.activities.delete(ev.activityId);
    if (!existing) {
      // A deletion that arrives before the activity leaves a tombstone, so the late creation does not count.
      await createActivity(tx, {
        workspaceId: workspace.id,
        source: ctx.source,
        externalId: ev.activityId,
        kind: 'other',
        occurredAt: at,
        deletedAt: at,
      });
      return 'created';
    }
    await updateActivity(tx, existing.id, { deletedAt: at });
    return 'updated';
  }
  const o = ev.owner ? await owner(ctx, ev.owner) : null;
  const at = when(ctx, ev.at) ?? (existing ? undefined : occurred(ctx, ev));
  const next = clean({
    repId: o ? o.repId : undefined,
    ownerExternalId: o ? o.key : undefined,
    kind: ev.kind ?? (existing ? undefined : 'other'),
    count: ev.count ?? (existing ? undefined : 1),
    personalized: ev.personalized ?? (existing ? undefined : null),
    occurredAt: at,
    subject: ev.subject,
    dealExternalId: ev.dealId,
    recordingUrl: ev.recordingUrl,
    // Deleted stays deleted for anything older than the deletion (a redelivered creation, a late update).
    deletedAt:
      existing?.deletedAt && occurred(ctx, ev).getTime() <= existing.deletedAt.getTime() ? undefined : null,
  });
  if (!existing) {
    ctx.known?.activities.delete(ev.activityId);
    const data = {
      workspaceId: workspace.id,
      source: ctx.source,
      externalId: ev.activityId,
      ...next,
      kind: next.kind ?? 'other',
      occurredAt: next.occurredAt ?? occurred(ctx, ev),
    };
    if (ctx.deferred) ctx.deferred.addActivity(data);
    else await createActivity(tx, data);
    return 'created';
  }
  return updateChanged(existing, next, (changes) => {
    ctx.known?.activities.delete(ev.activityId);
    return updateActivity(tx, existing.id, changes);
  });
}

// ---------------------------------------------------------------------------------------------------------
// Social, training: always a rep's own numbers
// ---------------------------------------------------------------------------------------------------------

async function applySnapshot(
  ctx: TApplyContext,
  ev: Extract<TCanonicalEvent, { type: 'social.snapshot' }>,
): Promise<TOutcome> {
  const repId = await requiredRep(ctx, ev.owner);
  const at = occurred(ctx, ev);
  const key = { workspaceId: ctx.workspace.id, repId, network: ev.network, metric: ev.metric, at };
  const existing = await snapshotAt(ctx.tx, key);
  if (existing?.value === ev.value) return 'unchanged';
  if (existing) {
    await updateSnapshotValue(ctx.tx, existing.id, ev.value);
    return 'updated';
  }
  await createSnapshot(ctx.tx, key, { value: ev.value, source: ctx.source });
  return 'created';
}

async function applyPost(
  ctx: TApplyContext,
  ev: Extract<TCanonicalEvent, { type: 'social.post' }>,
): Promise<TOutcome> {
  const repId = await requiredRep(ctx, ev.owner);
  const existing = await postOf(ctx.tx, ctx.workspace.id, ev.network, ev.postId);
  if (!existing) {
    await createPost(ctx.tx, {
      workspaceId: ctx.workspace.id,
      repId,
      network: ev.network,
      postId: ev.postId,
      postedAt: occurred(ctx, ev),
      shares: ev.shares,
      comments: ev.comments,
      likes: ev.likes,
    });
    return 'created';
  }
  // Engagement only grows: the highest reading wins, whatever order readings arrive in.
  const next = {
    shares: Math.max(existing.shares, ev.shares),
    comments: Math.max(existing.comments, ev.comments),
    likes: Math.max(existing.likes, ev.likes),
  };
  return updateChanged(existing, next, (changes) => updatePost(ctx.tx, existing.id, changes));
}

async function applyTraining(
  ctx: TApplyContext,
  ev: Extract<TCanonicalEvent, { type: 'training.result' }>,
): Promise<TOutcome> {
  const repId = await requiredRep(ctx, ev.owner);
  const at = occurred(ctx, ev);
  const externalId =
    ev.resultId ??
    createHash('sha256')
      .update(JSON.stringify([repId, ev.course, ev.kind, at.toISOString()]))
      .digest('hex')
      .slice(0, 32);
  const next = { repId, course: ev.course, kind: ev.kind, score: ev.score, maxScore: ev.maxScore, at };
  const existing = await trainingResultOfSource(ctx.tx, ctx.workspace.id, ctx.source, externalId);
  if (!existing) {
    await createTrainingResult(ctx.tx, {
      workspaceId: ctx.workspace.id,
      source: ctx.source,
      externalId,
      ...next,
    });
    return 'created';
  }
  return updateChanged(existing, next, (changes) => updateTrainingResult(ctx.tx, existing.id, changes));
}

// ---------------------------------------------------------------------------------------------------------
// Reps (from a CSV of the team, or the generic API)
// ---------------------------------------------------------------------------------------------------------

async function findPerson(
  ctx: TApplyContext,
  who: { slackUserId?: string; email?: string | null; name: string },
) {
  const { tx } = ctx;
  const workspaceId = ctx.workspace.id;
  if (who.slackUserId) {
    const r = await repWithSlackId(tx, workspaceId, who.slackUserId);
    if (r) return r;
  }
  if (who.email) {
    const r = await repWithEmail(tx, workspaceId, who.email.toLowerCase());
    if (r) return r;
  }
  const id = await repIdByName(tx, workspaceId, who.name);
  return id ? repWithId(tx, id) : null;
}

async function applyRep(
  ctx: TApplyContext,
  ev: Extract<TCanonicalEvent, { type: 'rep.upserted' }>,
): Promise<TOutcome> {
  const { tx } = ctx;
  const workspaceId = ctx.workspace.id;
  let managerId: string | null | undefined;
  if (ev.manager === null) managerId = null;
  else if (ev.manager) {
    const isEmail = ev.manager.includes('@');
    const found = await findPerson(
      ctx,
      isEmail ? { email: ev.manager, name: ev.manager } : { name: ev.manager },
    );
    const manager =
      found ??
      (await createPerson(tx, {
        workspaceId,
        name: isEmail ? (ev.manager.split('@')[0] ?? ev.manager) : ev.manager,
        email: isEmail ? ev.manager.toLowerCase() : null,
        role: 'manager',
      }));
    if (manager.role === 'rep') await updatePerson(tx, manager.id, { role: 'manager' });
    if (!found) await claimPersonKeys(tx, workspaceId, manager);
    managerId = manager.id;
  }
  const existing = await findPerson(ctx, { slackUserId: ev.slackUserId, email: ev.email, name: ev.name });
  const next = {
    name: ev.name,
    email: ev.email === undefined ? undefined : (ev.email?.toLowerCase() ?? null),
    slackUserId: ev.slackUserId,
    role: ctx.operator ? ev.role : undefined,
    managerId,
  };
  if (existing && managerId === existing.id) throw new RangeError(`${ev.name} cannot be their own manager`);
  // A webhook may introduce a person's Slack account, but never move a linked one or link an admin: either would
  // hand someone else's rights to whoever holds the integration's secret.
  if (!ctx.operator && existing && ev.slackUserId && ev.slackUserId !== existing.slackUserId) {
    if (existing.slackUserId)
      throw new RangeError(
        `slackUserId: ${existing.name} is already linked to another Slack account; only the operator changes that, with kpi import reps`,
      );
  }
  if (!ctx.operator) await assertSamePerson(tx, workspaceId, existing, ev);
  // Nor may it rewrite a KPI Bot admin's record (name, email, Slack account, manager): found by a Slack id or
  // an email it carries, that would hand the admin's standing to whoever the webhook names.
  if (!ctx.operator && existing?.role === 'admin') {
    const changes = diff(existing as unknown as Record<string, unknown>, next);
    if (Object.keys(changes).length)
      throw new RangeError(
        `${existing.name} is a KPI Bot admin; an admin's record is changed only by the operator, with kpi import reps`,
      );
  }
  if (!existing) {
    const rep = await createPerson(tx, { workspaceId, ...clean(next), name: ev.name });
    await claimPersonKeys(tx, workspaceId, rep);
    return 'created';
  }
  const changes = diff(existing as unknown as Record<string, unknown>, next);
  if (!Object.keys(changes).length) return 'unchanged';
  const rep = await updatePerson(tx, existing.id, changes);
  await claimPersonKeys(tx, workspaceId, rep);
  return 'updated';
}

/**
 * A webhook's rep.upserted must describe the person it lands on: found by a Slack id, the event's email (or,
 * without emails to compare, its name) must be theirs, so a Slack account is never handed to another person's
 * record; and an email another rep already has is not given to someone else.
 */
async function assertSamePerson(
  tx: TTx,
  workspaceId: string,
  existing: Rep | null,
  ev: Extract<TCanonicalEvent, { type: 'rep.upserted' }>,
): Promise<void> {
  const email = ev.email?.toLowerCase();
  if (existing && ev.slackUserId && existing.slackUserId === ev.slackUserId) {
    const sameEmail = email && existing.email ? email === existing.email.toLowerCase() : undefined;
    const sameName = ev.name.trim().toLowerCase() === existing.name.trim().toLowerCase();
    if (sameEmail === false || (sameEmail === undefined && !sameName))
      throw new RangeError(
        `slackUserId: ${ev.slackUserId} belongs to ${existing.name}${existing.email ? ` (${existing.email})` : ''}, not ${ev.name}${email ? ` (${email})` : ''}; only the operator changes that, with kpi import reps`,
      );
  }
  // Found by a Slack id or a name, a record with another email is another person (or a change of email, which
  // the operator makes): never rewritten by a webhook.
  if (existing?.email && email && existing.email.toLowerCase() !== email)
    throw new RangeError(
      `email: ${existing.name} is ${existing.email}, not ${email}; a person's email is changed by the operator, with kpi import reps`,
    );
  if (email) {
    const other = await otherRepWithEmail(tx, workspaceId, email, existing?.id ?? null);
    if (other) throw new RangeError(`email: ${email} belongs to ${other.name}, not ${ev.name}`);
  }
}

/** Writes only the fields that change; nothing at all when none does. */
async function updateChanged<T extends Record<string, unknown>>(
  existing: object,
  next: T,
  update: (changes: Partial<T>) => Promise<unknown>,
): Promise<TOutcome> {
  const changes = diff(existing as Record<string, unknown>, next);
  if (!Object.keys(changes).length) return 'unchanged';
  await update(changes);
  return 'updated';
}

function clean<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Applies one canonical event: the dispatch to the one apply function of its type. */
export async function applyEvent(ctx: TApplyContext, ev: TCanonicalEvent): Promise<TOutcome> {
  switch (ev.type) {
    case 'deal.upserted':
    case 'deal.stage_changed':
    case 'deal.won':
    case 'deal.lost':
    case 'deal.deleted':
      return applyDeal(ctx, ev);
    case 'lead.upserted':
    case 'lead.qualified':
    case 'lead.converted':
      return applyLead(ctx, ev);
    case 'customer.won':
    case 'customer.churned':
      return applyCustomer(ctx, ev);
    case 'activity.logged':
    case 'activity.deleted':
      return applyActivity(ctx, ev);
    case 'social.snapshot':
      return applySnapshot(ctx, ev);
    case 'social.post':
      return applyPost(ctx, ev);
    case 'training.result':
      return applyTraining(ctx, ev);
    case 'rep.upserted':
      return applyRep(ctx, ev);
  }
}
