import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { TSlackDeps } from '../../deps.js';

/** `app_home_opened` on the Home tab: publish the person's dashboard (src/slack/home-dashboard.ts). */
export function appHomeOpened(deps: TSlackDeps) {
  return async ({ event, body, client }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs) => {
    if (event.tab !== 'home') return;
    await deps.home.opened(body.team_id, event.user, client);
  };
}
