import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { parseAmount } from '../domain/money.js';
import type { TLinkedinMetric } from '../domain/social.js';
import { SCALAR_METRICS } from '../metrics/scalar.js';
import { clipMrkdwn, clipPlainText, LIMITS } from './blocks.js';

/**
 * Modals for what people log and for targets: pure builders, and pure readers of a submission that give either
 * the typed input of the service the matching command calls (src/services: one set of rules for a form and a
 * typed command) or errors per field, shown by Slack under the field. A service's refusal names its input
 * field; SERVICE_FIELD_BLOCK says which block shows it.
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

/** A submission read into the input of the service its modal calls. */
export type TModalInput =
  | {
      kind: 'activity';
      input: {
        kind: 'call' | 'email' | 'meeting';
        count: number;
        personalized: boolean | null;
        date: string;
      };
    }
  | {
      kind: 'linkedin';
      input: { values: { metric: TLinkedinMetric; value: number }[] };
      /** The numbers under the form's labels, for the "Done" message. */
      labels: { label: string; value: number }[];
    }
  | { kind: 'quiz'; input: { course: string; score: number; maxScore: number } }
  | {
      kind: 'target';
      input: {
        scope: 'workspace' | 'rep' | 'team';
        who?: string;
        metricId: string;
        amount: string;
        period: 'week' | 'month' | 'quarter' | 'year';
      };
    };

export type TSubmission = TModalInput | { errors: Record<string, string> };

/** The block that shows a service's refusal about one of its input fields; else the modal's main field. */
export const SERVICE_FIELD_BLOCK: Record<TModalKind, Record<string, string> & { main: string }> = {
  activity: { main: 'count', kind: 'kind', count: 'count', personalized: 'style', date: 'date' },
  linkedin: { main: 'followers' },
  quiz: { main: 'score', course: 'course', score: 'score', maxScore: 'max' },
  target: {
    main: 'amount',
    scope: 'scope',
    who: 'user',
    metricId: 'metric',
    amount: 'amount',
    period: 'period',
  },
};

/** The block a refusal is shown on. */
export function blockForField(kind: TModalKind, field: string | undefined): string {
  const blocks = SERVICE_FIELD_BLOCK[kind];
  return (field && blocks[field]) || blocks.main;
}

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

const numberInput = (
  blockId: string,
  label: string,
  opts: { optional?: boolean; initial?: string; decimal?: boolean } = {},
) =>
  ({
    type: 'input',
    block_id: blockId,
    optional: opts.optional ?? false,
    label: plain(label),
    element: {
      type: 'number_input',
      action_id: V,
      is_decimal_allowed: opts.decimal ?? false,
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

/** The LinkedIn form's fields: block id, label, and the number it is in the store. */
export const LINKEDIN_FIELDS: [string, string, TLinkedinMetric][] = [
  ['followers', 'Followers', 'followers'],
  ['views', 'Profile views (last 90 days)', 'profile_views'],
  ['requests_sent', 'Connection requests sent', 'requests_sent'],
  ['accepted', 'Connection requests accepted', 'requests_accepted'],
  ['inquiries', 'Inquiries received', 'inquiries'],
  ['referrals', 'Referrals received', 'referrals'],
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
    numberInput('score', 'Score', { decimal: true }),
    numberInput('max', 'Out of', { initial: '100', decimal: true }),
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
    blocks: [
      {
        type: 'section',
        text: {
          type: format,
          text: format === 'mrkdwn' ? clipMrkdwn(text) : clipPlainText(text, LIMITS.text),
        },
      },
    ],
  };
}

const read = (state: TViewState, block: string) => state[block]?.[V];
const textOf = (state: TViewState, block: string) => (read(state, block)?.value ?? '').trim();
const choiceOf = (state: TViewState, block: string) => read(state, block)?.selected_option?.value ?? '';

/**
 * A number field's shape and bounds, with the same limits as the service and the typed command (so a value one
 * accepts the other accepts): whole numbers, or decimals where `decimals` (a quiz score, 7.25/10).
 */
function wholeNumber(raw: string, max: number, min = 0, decimals = false): string | null {
  if (!(decimals ? /^\d+(\.\d+)?$/ : /^\d+$/).test(raw))
    return decimals ? 'A number, please (e.g. 42 or 7.5).' : 'A whole number, please.';
  const n = Number(raw);
  if (n < min) return `At least ${min}.`;
  if (n > max) return `At most ${max.toLocaleString('en-US')}.`;
  return null;
}

/** Reads a submitted modal: the input of its service, or errors keyed by block id. */
export function readSubmission(kind: TModalKind, state: TViewState): TSubmission {
  const errors: Record<string, string> = {};
  switch (kind) {
    case 'activity': {
      const what = choiceOf(state, 'kind');
      if (what !== 'call' && what !== 'email' && what !== 'meeting')
        errors.kind = 'Choose calls, emails or meetings.';
      const count = textOf(state, 'count');
      const countError = wholeNumber(count, 10_000, 1);
      if (countError) errors.count = countError;
      const style = choiceOf(state, 'style');
      const date = read(state, 'date')?.selected_date ?? '';
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) errors.date = 'Pick a day.';
      if (Object.keys(errors).length) return { errors };
      return {
        kind,
        input: {
          kind: what as 'call' | 'email' | 'meeting',
          count: Number(count),
          personalized: style === 'personalized' ? true : style === 'generic' ? false : null,
          date,
        },
      };
    }
    case 'linkedin': {
      const values: { metric: TLinkedinMetric; value: number }[] = [];
      const labels: { label: string; value: number }[] = [];
      for (const [id, , metric] of LINKEDIN_FIELDS) {
        const raw = textOf(state, id);
        if (!raw) continue;
        const error = wholeNumber(raw, 1_000_000_000);
        if (error) errors[id] = error;
        else {
          values.push({ metric, value: Number(raw) });
          labels.push({ label: id, value: Number(raw) });
        }
      }
      if (Object.keys(errors).length) return { errors };
      if (values.length === 0) return { errors: { followers: 'Fill in at least one number.' } };
      return { kind, input: { values }, labels };
    }
    case 'quiz': {
      const course = textOf(state, 'course').replace(/\s+/g, ' ');
      if (!course) errors.course = 'Name the course or quiz.';
      const score = textOf(state, 'score');
      const max = textOf(state, 'max') || '100';
      const scoreError = wholeNumber(score, 1_000_000, 0, true);
      const maxError = wholeNumber(max, 1_000_000, 0, true) ?? (Number(max) > 0 ? null : 'More than 0.');
      if (scoreError) errors.score = scoreError;
      if (maxError) errors.max = maxError;
      if (!scoreError && !maxError && Number(score) > Number(max))
        errors.score = `More than the maximum (${max}).`;
      if (Object.keys(errors).length) return { errors };
      return { kind, input: { course, score: Number(score), maxScore: Number(max) } };
    }
    case 'target': {
      const scope = choiceOf(state, 'scope');
      const user = read(state, 'user')?.selected_user ?? '';
      if (scope !== 'workspace' && scope !== 'rep' && scope !== 'team')
        errors.scope = 'Choose who the target is for.';
      if ((scope === 'rep' || scope === 'team') && !/^[UW][A-Z0-9]+$/.test(user))
        errors.user = scope === 'rep' ? 'Choose the rep.' : 'Choose the manager whose team it is.';
      const metric = choiceOf(state, 'metric');
      if (!TARGET_METRICS.some((m) => m.id === metric)) errors.metric = 'Choose a metric.';
      const amount = textOf(state, 'amount');
      const value = parseAmount(amount);
      if (value === null || value <= 0) errors.amount = 'A positive number, like 50000, 50k, 1.5m or 25%.';
      const period = PERIOD_OF[choiceOf(state, 'period')];
      if (!period) errors.period = 'Choose a period.';
      if (Object.keys(errors).length || !period) return { errors };
      return {
        kind,
        input: {
          scope: scope as 'workspace' | 'rep' | 'team',
          who: scope === 'workspace' ? undefined : `<@${user}>`,
          metricId: metric,
          amount: amount.replace(/\s+/g, ''),
          period,
        },
      };
    }
  }
}

const PERIOD_OF: Record<string, 'week' | 'month' | 'quarter' | 'year' | undefined> = {
  weekly: 'week',
  monthly: 'month',
  quarterly: 'quarter',
  yearly: 'year',
};
