-- CreateTable
CREATE TABLE "Moment" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "workspaceId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "repId" TEXT,
    "payload" TEXT NOT NULL DEFAULT '{}',
    "route" TEXT NOT NULL DEFAULT 'channel',
    "to" TEXT,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "detectedAt" DATETIME NOT NULL,
    "claimedBy" TEXT,
    "claimedAt" DATETIME,
    "sentAt" DATETIME,
    "error" TEXT,
    CONSTRAINT "Moment_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "NotifyPreference" (
    "workspaceId" TEXT NOT NULL,
    "slackUserId" TEXT NOT NULL,
    "settings" TEXT NOT NULL DEFAULT '{}',
    "updatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("workspaceId", "slackUserId"),
    CONSTRAINT "NotifyPreference_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "Moment_workspaceId_status_detectedAt_idx" ON "Moment"("workspaceId", "status", "detectedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Moment_workspaceId_key_key" ON "Moment"("workspaceId", "key");
