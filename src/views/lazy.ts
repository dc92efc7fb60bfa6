import type { TReply, TReplyData } from './types.js';

/**
 * A reply whose terminal and data views are worked out only when first read, then kept: a Slack reply never
 * reads them, and the terminal table (display widths, wrapping) was a tenth of a `/kpi me` reply's work.
 * Spreading the reply (`{ ...reply }`) reads them; code on Slack's path copies what it needs instead
 * (`withShareButton`, `withShareText`).
 */
export function withLazyViews(
  reply: Omit<TReply, 'terminal' | 'data'>,
  views: { terminal: () => string; data: () => TReplyData },
): TReply {
  const kept = (make: () => unknown): PropertyDescriptor => {
    let made: { value: unknown } | undefined;
    return {
      enumerable: true,
      configurable: true,
      get: () => {
        made ??= { value: make() };
        return made.value;
      },
    };
  };
  return Object.defineProperties(reply, { terminal: kept(views.terminal), data: kept(views.data) }) as TReply;
}

/** A copy of a reply with its share text set, its lazy views left unread. */
export function withShareText(reply: TReply, shareText: string): TReply {
  const copy = Object.defineProperties({}, Object.getOwnPropertyDescriptors(reply)) as TReply;
  copy.shareText = shareText;
  return copy;
}
