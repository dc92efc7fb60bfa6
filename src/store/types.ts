/**
 * The store's types for the rest of the code: the rows of each model, the inputs ingestion writes, and the
 * client types. Only src/store/ imports Prisma or the generated clients (test/architecture/dependencies.test.ts
 * checks it); everything else imports these.
 *
 * Both providers' generated clients come from one schema and have the same models, so the row types are taken
 * from the SQLite client; they are the same plain objects on PostgreSQL.
 */
import type * as Generated from '../generated/sqlite/client.js';

export type Workspace = Generated.Workspace;
export type Installation = Generated.Installation;
export type Rep = Generated.Rep;
export type RepIdentity = Generated.RepIdentity;
export type Target = Generated.Target;
export type Deal = Generated.Deal;
export type DealStageChange = Generated.DealStageChange;
export type Lead = Generated.Lead;
export type Customer = Generated.Customer;
export type Activity = Generated.Activity;
export type SocialSnapshot = Generated.SocialSnapshot;
export type SocialPost = Generated.SocialPost;
export type TrainingResult = Generated.TrainingResult;
export type InboxEvent = Generated.InboxEvent;
export type JobRun = Generated.JobRun;
export type AlertLog = Generated.AlertLog;
export type Moment = Generated.Moment;
export type NotifyPreference = Generated.NotifyPreference;

/** A new Deal row as ingestion writes it in bulk. */
export type TDealInput = Generated.Prisma.DealCreateManyInput;
/** A new DealStageChange row as ingestion writes it in bulk. */
export type TStageChangeInput = Generated.Prisma.DealStageChangeCreateManyInput;
/** A new Activity row as ingestion writes it in bulk. */
export type TActivityInput = Generated.Prisma.ActivityCreateManyInput;

/**
 * The Prisma client, typed as the SQLite one for both providers. Both generated clients have the same models
 * (one schema), but their client types are not interchangeable (PostgreSQL's transactions accept more
 * isolation levels, its filters a case-insensitive mode …), so no structural type short of the client itself
 * covers both: the PostgreSQL client is cast to this one in store.ts (why that is sound is written there), and
 * provider-only query features are therefore off limits.
 */
export type TDb = Generated.PrismaClient;

/** The client inside a transaction (`db.$transaction(async (tx) => ...)`). */
export type TTx = Generated.Prisma.TransactionClient;
