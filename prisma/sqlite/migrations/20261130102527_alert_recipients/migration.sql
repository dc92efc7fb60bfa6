-- AlertLog.recipientSlackId (a comma-joined list of Slack user ids) becomes rows of AlertRecipient (edited by
-- hand after `kpi migrate create`: the lists are copied before the column is dropped). Each list is split at its
-- commas, and blanks around an id, empty items and repeats are dropped. How each recipient was reached is read
-- from the alert's status, the most the joined column tells. A sent alert listed the people it reached
-- (delivered). A failed one listed everyone Slack refused it for (refused). Any other (uncertain, a retry still
-- sending, or snoozed or handled after either) listed the people it may have reached (uncertain).
-- No semicolons in these comments: the schema engine splits the file at every one when it replays it into a
-- PostgreSQL shadow database, comments included.

-- CreateTable
CREATE TABLE "AlertRecipient" (
    "alertLogId" TEXT NOT NULL,
    "slackUserId" TEXT NOT NULL,
    "delivery" TEXT NOT NULL,

    PRIMARY KEY ("alertLogId", "slackUserId"),
    CONSTRAINT "AlertRecipient_alertLogId_fkey" FOREIGN KEY ("alertLogId") REFERENCES "AlertLog" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- Copy the recipients (a recursive split: each step takes the list up to its first comma).
INSERT OR IGNORE INTO "AlertRecipient" ("alertLogId", "slackUserId", "delivery")
WITH RECURSIVE "split" ("alertLogId", "status", "item", "rest") AS (
    SELECT "id", "status", NULL, "recipientSlackId" || ',' FROM "AlertLog" WHERE "recipientSlackId" IS NOT NULL
    UNION ALL
    SELECT "alertLogId", "status", substr("rest", 1, instr("rest", ',') - 1), substr("rest", instr("rest", ',') + 1)
    FROM "split" WHERE "rest" <> ''
)
SELECT "alertLogId", trim("item"), CASE "status" WHEN 'sent' THEN 'delivered' WHEN 'failed' THEN 'refused' ELSE 'uncertain' END
FROM "split" WHERE trim("item") <> '';

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_AlertLog" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "workspaceId" TEXT NOT NULL,
    "repId" TEXT NOT NULL,
    "rule" TEXT NOT NULL,
    "periodKey" TEXT NOT NULL,
    "message" TEXT NOT NULL DEFAULT '',
    "status" TEXT NOT NULL DEFAULT 'sent',
    "snoozedUntil" DATETIME,
    "handledAt" DATETIME,
    "handledBySlackId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "AlertLog_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "AlertLog_repId_fkey" FOREIGN KEY ("repId") REFERENCES "Rep" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_AlertLog" ("createdAt", "handledAt", "handledBySlackId", "id", "message", "periodKey", "repId", "rule", "snoozedUntil", "status", "updatedAt", "workspaceId") SELECT "createdAt", "handledAt", "handledBySlackId", "id", "message", "periodKey", "repId", "rule", "snoozedUntil", "status", "updatedAt", "workspaceId" FROM "AlertLog";
DROP TABLE "AlertLog";
ALTER TABLE "new_AlertLog" RENAME TO "AlertLog";
CREATE INDEX "AlertLog_workspaceId_createdAt_idx" ON "AlertLog"("workspaceId", "createdAt");
CREATE UNIQUE INDEX "AlertLog_workspaceId_repId_rule_periodKey_key" ON "AlertLog"("workspaceId", "repId", "rule", "periodKey");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
