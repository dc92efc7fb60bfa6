-- Target.amount becomes an integer (edited by hand after `kpi migrate create`: the data is converted).
-- Money targets were already stored in minor units (as floats): rounded. Counts: rounded. Every other unit (the
-- shares, ratios, averages and days of these metrics, as of this migration) is stored in millionths from now on:
-- 0.25 becomes 250000. A metric id not listed (none today) is rounded like a count.

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Target" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "workspaceId" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "repId" TEXT,
    "metricId" TEXT NOT NULL,
    "periodKind" TEXT NOT NULL,
    "amount" BIGINT NOT NULL,
    "effectiveFrom" DATETIME NOT NULL,
    "setBySlackId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Target_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Target_repId_fkey" FOREIGN KEY ("repId") REFERENCES "Rep" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_Target" ("amount", "createdAt", "effectiveFrom", "id", "metricId", "periodKind", "repId", "scope", "setBySlackId", "workspaceId") SELECT CAST(ROUND(CASE WHEN "metricId" IN ('sales.target_attainment', 'opportunities.win_rate', 'outreach.target_attainment', 'linkedin.connection_acceptance_rate', 'conversion.rate', 'personalization.share', 'personalization.target_attainment', 'churn.first_year_churn_rate', 'sales.change_vs_previous', 'opportunities.created_to_lost_ratio', 'social.shares_per_post', 'social.comments_per_post', 'social.likes_per_post', 'expertise.avg_score', 'expertise.days_since_training') THEN "amount" * 1000000 ELSE "amount" END) AS INTEGER), "createdAt", "effectiveFrom", "id", "metricId", "periodKind", "repId", "scope", "setBySlackId", "workspaceId" FROM "Target";
DROP TABLE "Target";
ALTER TABLE "new_Target" RENAME TO "Target";
CREATE INDEX "Target_workspaceId_metricId_periodKind_scope_repId_effectiveFrom_idx" ON "Target"("workspaceId", "metricId", "periodKind", "scope", "repId", "effectiveFrom");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
