-- CreateTable
CREATE TABLE "Moment" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "repId" TEXT,
    "payload" TEXT NOT NULL DEFAULT '{}',
    "route" TEXT NOT NULL DEFAULT 'channel',
    "to" TEXT,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "detectedAt" TIMESTAMP(3) NOT NULL,
    "claimedBy" TEXT,
    "claimedAt" TIMESTAMP(3),
    "sentAt" TIMESTAMP(3),
    "error" TEXT,

    CONSTRAINT "Moment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "NotifyPreference" (
    "workspaceId" TEXT NOT NULL,
    "slackUserId" TEXT NOT NULL,
    "settings" TEXT NOT NULL DEFAULT '{}',
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "NotifyPreference_pkey" PRIMARY KEY ("workspaceId","slackUserId")
);

-- CreateIndex
CREATE INDEX "Moment_workspaceId_status_detectedAt_idx" ON "Moment"("workspaceId", "status", "detectedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Moment_workspaceId_key_key" ON "Moment"("workspaceId", "key");

-- AddForeignKey
ALTER TABLE "Moment" ADD CONSTRAINT "Moment_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NotifyPreference" ADD CONSTRAINT "NotifyPreference_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
