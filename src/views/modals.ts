import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { parseAmount } from '../domain/money.js';
import { SCALAR_METRICS } from '../metrics/scalar.js';

/**
 * Modals for what people log and for targets: pure builders, and pure readers of a submission that either give
 * the `/kpi` command text to run (so a modal and a typed command are one code path with one set of rules) or
 * errors per field, shown by Slack under the field.
 */

export const MODAL = {
  activity: 'kpi_modal_activity',
  linkedin: 'kpi_modal_linkedin',
  quiz: 'kpi_modal_quiz',
  target: 'kpi_modal_target',
} as const;
export type TModalKind = keyof typeof MODAL;

/** Global shortcuts (manifest) and App Home buttons that open each modal. */
export const OPEN_MODAL_ACTION: Record<TModalKind, string> = {
  activity: 'kpi_open_activity',
  linkedin: 'kpi_open_linkedin',
  quiz: 'kpi_open_quiz',
  target: 'kpi_open_target',
};

/** Submission state as Slack sends it: block id -> action id -> the element's value. */
export type TViewState = Record<
  string,
  Record<
    string,
    {
      value?: string | null;
      selected_option?: { value: string } | null;
      selected_date?: string | null;
      selected_user?: string | null;
    }
  >
>;

export type TSubmission = { text: string } | { errors: Record<string, string> };

const plain = (text: string) => ({ type: 'plain_text' as const, text });
const option = (text: string, value: string): PlainTextOption => ({ text: plain(text), value });
const V = 'v';

function modal(kind: TModalKind, title: string, submit: string, blocks: KnownBlock[]): ModalView {
  return {
    type: 'modal',
    callback_id: MODAL[kind],
    title: plain(title),
    submit: plain(submit),
    close: plain('Cancel'),
    blocks,
  };
}

const numberInput = (blockId: string, label: string, opts: { optional?: boolean; initial?: string } = {}) =>
  ({
    type: 'input',
    block_id: blockId,
    optional: opts.optional ?? false,
    label: plain(label),
    element: {
      type: 'number_input',
      action_id: V,
      is_decimal_allowed: false,
      min_value: '0',
      ...(opts.initial ? { initial_value: opts.initial } : {}),
    },
  }) as KnownBlock;

/** Log calls, emails or meetings: how many, personalized or generic, on which day (today by default). */
export function activityModal(today: string): ModalView {
  return modal('activity', 'Log outreach', 'Log', [
    {
      type: 'input',
      block_id: 'kind',
      label: plain('What'),
      element: {
        type: 'static_select',
        action_id: V,
        initial_option: option('Calls', 'call'),
        options: [option('Calls', 'call'), option('Emails', 'email'), option('Meetings', 'meeting')],
      },
    },
    numberInput('count', 'How many', { initial: '1' }),
    {
      type: 'input',
      block_id: 'style',
      optional: true,
      label: plain('Personalized or generic?'),
      element: {
        type: 'radio_buttons',
        action_id: V,
        options: [
          option('Personalized (written for this person)', 'personalized'),
          option('Generic (a template or sequence)', 'generic'),
        ],
      },
    },
    {
      type: 'input',
      block_id: 'date',
      label: plain('On'),
      element: { type: 'datepicker', action_id: V, initial_date: today },
    },
  ]);
}

export const LINKEDIN_FIELDS: [string, string][] = [
  ['followers', 'Followers'],
  ['views', 'Profile views (last 90 days)'],
  ['requests_sent', 'Connection requests sent'],
  ['accepted', 'Connection requests accepted'],
  ['inquiries', 'Inquiries received'],
  ['referrals', 'Referrals received'],
];

/** Today's LinkedIn profile numbers; any of them. */
export function linkedinModal(): ModalView {
  return modal('linkedin', 'LinkedIn numbers', 'Log', [
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: 'Fill in the numbers you have from your LinkedIn profile today.' }],
    },
    ...LINKEDIN_FIELDS.map(([id, label]) => numberInput(id, label, { optional: true })),
  ]);
}

/** A product quiz result. */
export function quizModal(): ModalView {
  return modal('quiz', 'Quiz score', 'Record', [
    {
      type: 'input',
      block_id: 'course',
      label: plain('Course or quiz'),
      element: { type: 'plain_text_input', action_id: V, max_length: 300 },
    },
    numberInput('score', 'Score'),
    numberInput('max', 'Out of', { initial: '100' }),
  ]);
}

const TARGET_METRICS = SCALAR_METRICS.filter((m) => m.unit !== 'percent_change');

/** A target for everyone, a rep or a manager's team (admins). */
export function targetModal(): ModalView {
  return modal('target', 'Set a target', 'Set', [
    {
      type: 'input',
      block_id: 'scope',
      label: plain('For'),
      element: {
        type: 'static_select',
        action_id: V,
        initial_option: option('Everyone', 'workspace'),
        options: [
          option('Everyone', 'workspace'),
          option('One rep', 'rep'),
          option("A manager's team", 'team'),
        ],
      },
    },
    {
      type: 'input',
      block_id: 'user',
      optional: true,
      label: plain('Rep or manager'),
      hint: plain('Needed for one rep or a team.'),
      element: { type: 'users_select', action_id: V },
    },
    {
      type: 'input',
      block_id: 'metric',
      label: plain('Metric'),
      element: {
        type: 'static_select',
        action_id: V,
        initial_option: option('Won revenue', 'sales.won_total'),
        options: TARGET_METRICS.slice(0, 100).map((m) => option(m.title.slice(0, 75), m.id)),
      },
    },
    {
      type: 'input',
      block_id: 'amount',
      label: plain('Target'),
      hint: plain('A number: 50000, 50k, 1.5m, or 25% for a rate. Money is in the workspace currency.'),
      element: { type: 'plain_text_input', action_id: V, max_length: 40 },
    },
    {
      type: 'input',
      block_id: 'period',
      label: plain('Per'),
      element: {
        type: 'static_select',
        action_id: V,
        initial_option: option('Month', 'monthly'),
        options: [
          option('Week', 'weekly'),
          option('Month', 'monthly'),
          option('Quarter', 'quarterly'),
          option('Year', 'yearly'),
        ],
      },
    },
  ]);
}

/** A modal that only says something (a refusal, or what was done). */
export function messageModal(
  title: string,
  text: string,
  format: 'mrkdwn' | 'plain_text' = 'mrkdwn',
): ModalView {
  return {
    type: 'modal',
    title: plain(title.slice(0, 24)),
    close: plain('Close'),
    blocks: [{ type: 'section', text: { type: format, text: text.slice(0, 3000) } }],
  };
}

const read = (state: TViewState, block: string) => state[block]?.[V];
const textOf = (state: TViewState, block: string) => (read(state, block)?.value ?? '').trim();
const choiceOf = (state: TViewState, block: string) => read(state, block)?.selected_option?.value ?? '';

function wholeNumber(raw: string, max: number, min = 0): string | null {
  if (!/^\d+$/.test(raw)) return 'A whole number, please.';
  const n = Number(raw);
  if (n < min) return `At least ${min}.`;
  if (n > max) return `At most ${max.toLocaleString('en-US')}.`;
  return null;
}

/** Reads a submitted modal: the command text to run, or errors keyed by block id. */
export function readSubmission(kind: TModalKind, state: TViewState): TSubmission {
  const errors: Record<string, string> = {};
  switch (kind) {
    case 'activity': {
      const what = choiceOf(state, 'kind');
      if (!['call', 'email', 'meeting'].includes(what)) errors.kind = 'Choose calls, emails or meetings.';
      const count = textOf(state, 'count');
      const countError = wholeNumber(count, 10_000, 1);
      if (countError) errors.count = countError;
      const style = choiceOf(state, 'style');
      const date = read(state, 'date')?.selected_date ?? '';
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) errors.date = 'Pick a day.';
      if (Object.keys(errors).length) return { errors };
      return {
        text: ['log', what, count, style === 'personalized' || style === 'generic' ? style : '', date]
          .filter(Boolean)
          .join(' '),
      };
    }
    case 'linkedin': {
      const pairs: string[] = [];
      for (const [id] of LINKEDIN_FIELDS) {
        const raw = textOf(state, id);
        if (!raw) continue;
        const error = wholeNumber(raw, 100_000_000);
        if (error) errors[id] = error;
        else pairs.push(`${id}=${raw}`);
      }
      if (Object.keys(errors).length) return { errors };
      if (pairs.length === 0) return { errors: { followers: 'Fill in at least one number.' } };
      return { text: `log linkedin ${pairs.join(' ')}` };
    }
    case 'quiz': {
      // Quotes would end the course name early in the command text: typographic ones read the same.
      const course = textOf(state, 'course').replace(/"/g, '”').replace(/\s+/g, ' ');
      if (!course) errors.course = 'Name the course or quiz.';
      const score = textOf(state, 'score');
      const max = textOf(state, 'max') || '100';
      const scoreError = wholeNumber(score, 1_000_000);
      const maxError = wholeNumber(max, 1_000_000, 1);
      if (scoreError) errors.score = scoreError;
      if (maxError) errors.max = maxError;
      if (!scoreError && !maxError && Number(score) > Number(max))
        errors.score = `More than the maximum (${max}).`;
      if (Object.keys(errors).length) return { errors };
      return { text: `quiz "${course}" ${score}/${max}` };
    }
    case 'target': {
      const scope = choiceOf(state, 'scope');
      const user = read(state, 'user')?.selected_user ?? '';
      if (!['workspace', 'rep', 'team'].includes(scope)) errors.scope = 'Choose who the target is for.';
      if ((scope === 'rep' || scope === 'team') && !/^[UW][A-Z0-9]+$/.test(user))
        errors.user = scope === 'rep' ? 'Choose the rep.' : 'Choose the manager whose team it is.';
      const metric = choiceOf(state, 'metric');
      if (!TARGET_METRICS.some((m) => m.id === metric)) errors.metric = 'Choose a metric.';
      const amount = textOf(state, 'amount');
      const value = parseAmount(amount);
      if (value === null || value <= 0) errors.amount = 'A positive number, like 50000, 50k, 1.5m or 25%.';
      const period = choiceOf(state, 'period');
      if (!['weekly', 'monthly', 'quarterly', 'yearly'].includes(period)) errors.period = 'Choose a period.';
      if (Object.keys(errors).length) return { errors };
      // `team` alone is everyone (the workspace's target).
      const who = scope === 'rep' ? `<@${user}>` : scope === 'team' ? `team <@${user}>` : 'team';
      return {
        text: ['target set', who, metric, amount.replace(/\s+/g, ''), period].filter(Boolean).join(' '),
      };
    }
  }
}

/** Where a refusal by the command itself is shown: the field it is about, else the modal's main field. */
export function fieldForRefusal(kind: TModalKind, refusal: string): string {
  // The first line says what is wrong; the usage lines after it mention every field.
  const message = refusal.split('\n')[0] ?? refusal;
  if (kind === 'activity' && /date|future/i.test(message)) return 'date';
  if (kind === 'quiz' && /course/i.test(message)) return 'course';
  if (kind === 'target' && /metric/i.test(message) && !/amount|target of/i.test(message)) return 'metric';
  if (kind === 'target' && /do not know|not a rep|manager|team/i.test(message)) return 'user';
  return { activity: 'count', linkedin: 'followers', quiz: 'score', target: 'amount' }[kind];
}
