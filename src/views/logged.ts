import { buildConfirmation, escapeMrkdwn } from './help.js';
import { plainWithNames } from './terminal.js';
import type { TReply, TReplyData } from './types.js';

// What a person is told after logging something, from the service's result: the same words in a Slack reply,
// a modal's "Done" view and the shell. Plain text: names the person typed are escaped by the caller's view.

export function loggedActivityText(r: {
  kind: string;
  count: number;
  personalized: boolean | null;
  date: string;
}): string {
  const style = r.personalized === true ? 'personalized ' : r.personalized === false ? 'generic ' : '';
  return `Logged ${r.count.toLocaleString('en-US')} ${style}${r.kind}${r.count === 1 ? '' : 's'} on ${r.date}.`;
}

/** The LinkedIn numbers as the person named them (the words of `/kpi log linkedin`), in their order. */
export function loggedLinkedinText(values: { label: string; value: number }[]): string {
  return `Logged your LinkedIn numbers: ${values.map((v) => `${v.label} ${v.value.toLocaleString('en-US')}`).join(', ')}.`;
}

const counted = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

export function loggedPostText(r: {
  network: string;
  shares: number;
  comments: number;
  likes: number;
}): string {
  return `Logged a ${r.network} post: ${counted(r.shares, 'share')}, ${counted(r.comments, 'comment')}, ${counted(r.likes, 'like')}.`;
}

export function recordedQuizText(r: { course: string; score: number; maxScore: number }): string {
  return `Recorded ${r.score}/${r.maxScore} (${Math.round((r.score / r.maxScore) * 100)}%) for ${r.course}.`;
}

// Each result as a reply: the same words escaped for Slack, as written for a terminal, and the result as data.

/** `/kpi log call|email|meeting`: as data `{ type: 'activity_logged', activity, count, personalized, date }`. */
export function buildLoggedActivity(r: {
  kind: string;
  count: number;
  personalized: boolean | null;
  date: string;
}): TReply {
  return confirmation(loggedActivityText(r), {
    type: 'activity_logged',
    activity: r.kind,
    count: r.count,
    personalized: r.personalized,
    date: r.date,
  });
}

/**
 * `/kpi log linkedin`: the numbers as the person named them; as data each one's metric (`followers`,
 * `profile_views` …), the word typed and the value.
 */
export function buildLoggedLinkedin(values: { metric: string; label: string; value: number }[]): TReply {
  return confirmation(loggedLinkedinText(values), {
    type: 'linkedin_logged',
    values: values.map((v) => ({ metric: v.metric, label: v.label, value: v.value })),
  });
}

/** `/kpi log post`: as data `{ type: 'post_logged', network, shares, comments, likes }`. */
export function buildLoggedPost(r: {
  network: string;
  shares: number;
  comments: number;
  likes: number;
}): TReply {
  return confirmation(loggedPostText(r), {
    type: 'post_logged',
    network: r.network,
    shares: r.shares,
    comments: r.comments,
    likes: r.likes,
  });
}

/** `/kpi quiz`: as data the course, the score, the maximum and the share (a fraction). */
export function buildRecordedQuiz(r: { course: string; score: number; maxScore: number }): TReply {
  return confirmation(
    recordedQuizText(r),
    {
      type: 'quiz_recorded',
      course: r.course,
      score: r.score,
      maxScore: r.maxScore,
      share: r.score / r.maxScore,
    },
    [r.course],
  );
}

/** `names`: what people typed in the words (a course), each isolated in the terminal's words. */
function confirmation(words: string, data: TReplyData, names: string[] = []): TReply {
  return buildConfirmation({ mrkdwn: escapeMrkdwn(words), plain: plainWithNames(words, names), data });
}
