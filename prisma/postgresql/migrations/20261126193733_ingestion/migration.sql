-- AlterTable
ALTER TABLE "Customer" ADD COLUMN     "ownerExternalId" TEXT;

-- AlterTable
ALTER TABLE "Deal" ALTER COLUMN "openedAt" DROP NOT NULL;

-- AlterTable
ALTER TABLE "InboxEvent" ADD COLUMN     "waitingFor" TEXT;

-- CreateIndex
CREATE INDEX "Activity_workspaceId_ownerExternalId_idx" ON "Activity"("workspaceId", "ownerExternalId");

-- CreateIndex
CREATE INDEX "Customer_workspaceId_ownerExternalId_idx" ON "Customer"("workspaceId", "ownerExternalId");

-- CreateIndex
CREATE INDEX "InboxEvent_waitingFor_idx" ON "InboxEvent"("waitingFor");

-- CreateIndex
CREATE INDEX "Lead_workspaceId_ownerExternalId_idx" ON "Lead"("workspaceId", "ownerExternalId");
