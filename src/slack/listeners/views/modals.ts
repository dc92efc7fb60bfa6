import type { App, BlockButtonAction, SlackShortcut } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { isAppError } from '../../../errors.js';
import { localDateOf } from '../../../metrics/periods.js';
import type { TServiceContext } from '../../../services/context.js';
import { isServiceError } from '../../../services/errors.js';
import { logActivity, logLinkedin, recordQuiz } from '../../../services/log.js';
import { actorRep, isAdmin, NOT_A_REP } from '../../../services/permissions.js';
import { setTarget } from '../../../services/targets.js';
import { unescapeMrkdwn } from '../../../views/help.js';
import { loggedActivityText, loggedLinkedinText, recordedQuizText } from '../../../views/logged.js';
import {
  activityModal,
  blockForField,
  linkedinModal,
  MODAL,
  messageModal,
  OPEN_MODAL_ACTION,
  quizModal,
  readSubmission,
  type TModalInput,
  type TModalKind,
  type TViewState,
  targetModal,
} from '../../../views/modals.js';
import { targetSetText } from '../../../views/targets.js';
import { commandContext, type TSlackDeps } from '../../deps.js';

const KINDS = Object.keys(MODAL) as TModalKind[];

/**
 * Opens a modal for the person (from a shortcut, an App Home button or `/kpi log` without details). Who may not
 * use it is told so in a small modal instead: logging is for reps, targets for admins.
 */
export async function openModal(
  deps: TSlackDeps,
  kind: TModalKind,
  input: { client: WebClient; triggerId: string; teamId: string; userId: string },
): Promise<void> {
  const ctx = await commandContext(deps, input.teamId, input.userId);
  let view: ReturnType<typeof messageModal>;
  if (kind === 'target') {
    const admin = isAdmin(ctx, await actorRep(ctx));
    if (!admin) deps.logger.info({ actor: input.userId }, 'permission denied: target modal');
    view = admin
      ? targetModal()
      : messageModal(
          'Set a target',
          'Sorry, targets are set by KPI Bot admins. Ask one, or see yours with `/kpi me`.',
        );
  } else if (!ctx.actor.repId) {
    view = messageModal('KPI Bot', NOT_A_REP);
  } else if (kind === 'activity') {
    const d = localDateOf(ctx.now, ctx.workspace.timezone);
    view = activityModal(`${d.y}-${String(d.m + 1).padStart(2, '0')}-${String(d.d).padStart(2, '0')}`);
  } else {
    view = kind === 'linkedin' ? linkedinModal() : quizModal();
  }
  await input.client.views.open({ trigger_id: input.triggerId, view });
}

/**
 * Calls the service the modal stands for, with the form's values (the same service the matching `/kpi` command
 * calls), and says what was done in plain text.
 */
async function submit(ctx: TServiceContext, submission: TModalInput): Promise<string> {
  switch (submission.kind) {
    case 'activity':
      return loggedActivityText(await logActivity(ctx, submission.input));
    case 'linkedin':
      await logLinkedin(ctx, submission.input);
      return loggedLinkedinText(submission.labels);
    case 'quiz':
      return recordedQuizText(await recordQuiz(ctx, submission.input));
    case 'target':
      // The view writes Slack markup (names escaped); the "Done" modal shows plain text.
      return unescapeMrkdwn(targetSetText(await setTarget(ctx, submission.input), ctx.workspace));
  }
}

export function register(app: App, deps: TSlackDeps): void {
  for (const kind of KINDS) {
    const open = OPEN_MODAL_ACTION[kind];
    // Global shortcut (lightning menu) and App Home button.
    app.shortcut<SlackShortcut>(open, async ({ ack, shortcut, client, logger }) => {
      await ack();
      const teamId = shortcut.team?.id ?? shortcut.user.team_id ?? '';
      await openModal(deps, kind, {
        client,
        triggerId: shortcut.trigger_id,
        teamId,
        userId: shortcut.user.id,
      }).catch((error) => logger.error(error));
    });
    app.action<BlockButtonAction>(open, async ({ ack, body, client, logger }) => {
      await ack();
      const teamId = body.team?.id ?? body.user.team_id ?? '';
      await openModal(deps, kind, { client, triggerId: body.trigger_id, teamId, userId: body.user.id }).catch(
        (error) => logger.error(error),
      );
    });
    app.view(MODAL[kind], async ({ ack, body, view, logger }) => {
      const submission = readSubmission(kind, view.state.values as TViewState);
      if ('errors' in submission) {
        await ack({ response_action: 'errors', errors: submission.errors });
        return;
      }
      try {
        const teamId = body.team?.id ?? body.user.team_id ?? '';
        const ctx = await commandContext(deps, teamId, body.user.id);
        let done: string;
        try {
          done = await submit(ctx, submission);
        } catch (error) {
          // Stored but not applied yet: it will count without another try, so the form closes saying so
          // (a field error would invite a second, double-counted submission).
          if (isAppError(error) && error.code === 'store_unavailable' && /^Saved/.test(error.message)) {
            await ack({
              response_action: 'update',
              view: messageModal('Saved', error.message, 'plain_text'),
            });
            return;
          }
          // A refusal (bad input, not allowed, not set up as a rep): shown on the field it names.
          if (!isServiceError(error)) throw error;
          await ack({
            response_action: 'errors',
            errors: { [blockForField(kind, error.field)]: error.message.slice(0, 300) },
          });
          return;
        }
        await ack({ response_action: 'update', view: messageModal('Done', done, 'plain_text') });
      } catch (error) {
        logger.error(error);
        await ack({
          response_action: 'errors',
          errors: {
            [blockForField(kind, undefined)]:
              'KPI Bot could not save this just now. Please try again in a minute.',
          },
        });
      }
    });
  }
}
