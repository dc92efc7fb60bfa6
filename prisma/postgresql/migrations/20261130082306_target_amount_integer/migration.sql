-- Target.amount becomes an integer (edited by hand after `kpi migrate create`: the data is converted).
-- Money targets were already stored in minor units (as floats): rounded. Counts: rounded. Every other unit (the
-- shares, ratios, averages and days of these metrics, as of this migration) is stored in millionths from now on:
-- 0.25 becomes 250000. A metric id not listed (none today) is rounded like a count.

-- AlterTable
ALTER TABLE "Target" ALTER COLUMN "amount" SET DATA TYPE BIGINT USING ROUND(CASE WHEN "metricId" IN ('sales.target_attainment', 'opportunities.win_rate', 'outreach.target_attainment', 'linkedin.connection_acceptance_rate', 'conversion.rate', 'personalization.share', 'personalization.target_attainment', 'churn.first_year_churn_rate', 'sales.change_vs_previous', 'opportunities.created_to_lost_ratio', 'social.shares_per_post', 'social.comments_per_post', 'social.likes_per_post', 'expertise.avg_score', 'expertise.days_since_training') THEN "amount"::numeric * 1000000 ELSE "amount"::numeric END)::BIGINT;
