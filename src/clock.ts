/** The one source of "now", passed in so tests can fix time instead of sleeping. */
export type TClock = { now(): Date };

export const systemClock: TClock = { now: () => new Date() };
