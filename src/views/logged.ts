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
