import type { TDb } from './types.js';

/**
 * Slack requests already acted on, shared by every replica through the database: a key is claimed once, by
 * an insert that only one process can win (the primary key), on SQLite and PostgreSQL alike.
 */
export type TSeenRequests = {
  /**
   * Claims every key; true when none of them had been claimed before (the request is new). A key already
   * claimed and not yet expired makes the request a repeat. Keys of a repeat that were new are kept too.
   */
  claim(keys: { key: string; expiresAt: Date }[], now: Date): Promise<boolean>;
  /** Forgets keys again (the request was not acted on after all, so a retry may be). */
  release(keys: string[]): Promise<void>;
};

/** How often (at most) expired rows are deleted, in ms. */
const PURGE_EVERY_MS = 60_000;

export function createSeenRequests(db: TDb): TSeenRequests {
  let lastPurge = 0;
  return {
    async claim(keys, now) {
      if (now.getTime() - lastPurge >= PURGE_EVERY_MS) {
        lastPurge = now.getTime();
        await db.slackRequestSeen.deleteMany({ where: { expiresAt: { lt: now } } });
      }
      let fresh = true;
      for (const { key, expiresAt } of keys) {
        // An expired row left by a purge not yet run counts as unclaimed: take it over.
        const inserted = await db.$executeRaw`INSERT INTO "SlackRequestSeen" ("key", "expiresAt")
          VALUES (${key}, ${expiresAt})
          ON CONFLICT ("key") DO UPDATE SET "expiresAt" = excluded."expiresAt"
          WHERE "SlackRequestSeen"."expiresAt" < ${now}`;
        if (inserted !== 1) fresh = false;
      }
      return fresh;
    },
    async release(keys) {
      await db.slackRequestSeen.deleteMany({ where: { key: { in: keys } } });
    },
  };
}
