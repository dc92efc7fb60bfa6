-- CreateTable
CREATE TABLE "SlackRequestSeen" (
    "key" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SlackRequestSeen_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "SlackRequestSeen_expiresAt_idx" ON "SlackRequestSeen"("expiresAt");
