-- CreateTable
CREATE TABLE "SlackRequestSeen" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "expiresAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "SlackRequestSeen_expiresAt_idx" ON "SlackRequestSeen"("expiresAt");
