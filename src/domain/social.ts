/** The LinkedIn profile numbers a rep can log, by the name each has in the store (`social.snapshot` metric). */
export const LINKEDIN_METRICS = [
  'followers',
  'profile_views',
  'requests_sent',
  'requests_accepted',
  'inquiries',
  'referrals',
] as const;
export type TLinkedinMetric = (typeof LINKEDIN_METRICS)[number];
