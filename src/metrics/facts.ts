/**
 * The plain facts the metrics are computed from: what the store loads for one rep (or a team) and a window
 * of time. No Prisma types: metrics stay pure and testable with hand-made data.
 */
export type TDealFact = {
  /** Minor units of the deal's currency. */
  amountMinor: number;
  /**
   * true when the amount is in a currency other than the workspace's: KPI Bot converts nothing, so such an
   * amount is left out of every money figure (the deal still counts as a deal). Absent: the workspace's.
   */
  otherCurrency?: boolean;
  status: 'open' | 'won' | 'lost';
  stage: string;
  /** When the opportunity was created; null when the source did not say (never counted as created). */
  openedAt: Date | null;
  /** When it was won or lost; null while open. */
  closedAt: Date | null;
};

export type TActivityFact = {
  /** call | email | meeting | linkedin_message | other */
  kind: string;
  /** true personalized, false generic, null not said. */
  personalized: boolean | null;
  count: number;
  occurredAt: Date;
};

export type TSocialSnapshotFact = { network: string; metric: string; value: number; at: Date };
export type TSocialPostFact = {
  network: string;
  postedAt: Date;
  shares: number;
  comments: number;
  likes: number;
};
export type TLeadFact = { mqlAt: Date | null; convertedAt: Date | null };
export type TTrainingFact = { kind: string; score: number; maxScore: number; at: Date };
export type TCustomerFact = { wonAt: Date; churnedAt: Date | null };

export type TFacts = {
  deals: TDealFact[];
  activities: TActivityFact[];
  socialSnapshots: TSocialSnapshotFact[];
  socialPosts: TSocialPostFact[];
  leads: TLeadFact[];
  training: TTrainingFact[];
  customers: TCustomerFact[];
};

export const NO_FACTS: TFacts = {
  deals: [],
  activities: [],
  socialSnapshots: [],
  socialPosts: [],
  leads: [],
  training: [],
  customers: [],
};
