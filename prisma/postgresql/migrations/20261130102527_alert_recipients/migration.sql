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

    CONSTRAINT "AlertRecipient_pkey" PRIMARY KEY ("alertLogId","slackUserId")
);

-- AddForeignKey
ALTER TABLE "AlertRecipient" ADD CONSTRAINT "AlertRecipient_alertLogId_fkey" FOREIGN KEY ("alertLogId") REFERENCES "AlertLog"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Copy the recipients.
INSERT INTO "AlertRecipient" ("alertLogId", "slackUserId", "delivery")
SELECT DISTINCT "AlertLog"."id", btrim("list"."item"), CASE "AlertLog"."status" WHEN 'sent' THEN 'delivered' WHEN 'failed' THEN 'refused' ELSE 'uncertain' END
FROM "AlertLog" CROSS JOIN LATERAL unnest(string_to_array("AlertLog"."recipientSlackId", ',')) AS "list"("item")
WHERE btrim("list"."item") <> '';

-- AlterTable
ALTER TABLE "AlertLog" DROP COLUMN "recipientSlackId";
