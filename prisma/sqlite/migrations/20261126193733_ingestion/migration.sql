-- AlterTable
ALTER TABLE "Customer" ADD COLUMN "ownerExternalId" TEXT;

-- AlterTable
ALTER TABLE "InboxEvent" ADD COLUMN "waitingFor" TEXT;

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Deal" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "workspaceId" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "externalId" TEXT NOT NULL,
    "repId" TEXT,
    "ownerExternalId" TEXT,
    "title" TEXT NOT NULL DEFAULT '',
    "account" TEXT,
    "product" TEXT,
    "amountMinor" BIGINT NOT NULL DEFAULT 0,
    "currency" TEXT NOT NULL DEFAULT 'USD',
    "pipeline" TEXT,
    "stage" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'open',
    "openedAt" DATETIME,
    "closedAt" DATETIME,
    "lostReason" TEXT,
    "stageEnteredAt" DATETIME,
    "fieldClock" TEXT NOT NULL DEFAULT '{}',
    "deletedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Deal_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Deal_repId_fkey" FOREIGN KEY ("repId") REFERENCES "Rep" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Deal" ("account", "amountMinor", "closedAt", "createdAt", "currency", "deletedAt", "externalId", "fieldClock", "id", "lostReason", "openedAt", "ownerExternalId", "pipeline", "product", "repId", "source", "stage", "stageEnteredAt", "status", "title", "updatedAt", "workspaceId") SELECT "account", "amountMinor", "closedAt", "createdAt", "currency", "deletedAt", "externalId", "fieldClock", "id", "lostReason", "openedAt", "ownerExternalId", "pipeline", "product", "repId", "source", "stage", "stageEnteredAt", "status", "title", "updatedAt", "workspaceId" FROM "Deal";
DROP TABLE "Deal";
ALTER TABLE "new_Deal" RENAME TO "Deal";
CREATE INDEX "Deal_workspaceId_status_closedAt_repId_amountMinor_idx" ON "Deal"("workspaceId", "status", "closedAt", "repId", "amountMinor");
CREATE INDEX "Deal_workspaceId_repId_status_closedAt_amountMinor_idx" ON "Deal"("workspaceId", "repId", "status", "closedAt", "amountMinor");
CREATE INDEX "Deal_workspaceId_repId_openedAt_idx" ON "Deal"("workspaceId", "repId", "openedAt");
CREATE INDEX "Deal_workspaceId_repId_status_stage_idx" ON "Deal"("workspaceId", "repId", "status", "stage");
CREATE INDEX "Deal_workspaceId_ownerExternalId_idx" ON "Deal"("workspaceId", "ownerExternalId");
CREATE UNIQUE INDEX "Deal_workspaceId_source_externalId_key" ON "Deal"("workspaceId", "source", "externalId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "Activity_workspaceId_ownerExternalId_idx" ON "Activity"("workspaceId", "ownerExternalId");

-- CreateIndex
CREATE INDEX "Customer_workspaceId_ownerExternalId_idx" ON "Customer"("workspaceId", "ownerExternalId");

-- CreateIndex
CREATE INDEX "InboxEvent_waitingFor_idx" ON "InboxEvent"("waitingFor");

-- CreateIndex
CREATE INDEX "Lead_workspaceId_ownerExternalId_idx" ON "Lead"("workspaceId", "ownerExternalId");
