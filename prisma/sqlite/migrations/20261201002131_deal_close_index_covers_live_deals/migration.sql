-- DropIndex
DROP INDEX "Deal_workspaceId_status_closedAt_repId_amountMinor_idx";

-- CreateIndex
CREATE INDEX "Deal_workspaceId_status_closedAt_repId_amountMinor_currency_deletedAt_idx" ON "Deal"("workspaceId", "status", "closedAt", "repId", "amountMinor", "currency", "deletedAt");
