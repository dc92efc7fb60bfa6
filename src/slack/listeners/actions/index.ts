import type { App, BlockButtonAction, BlockOverflowAction } from '@slack/bolt';
import {
  ALERT_HANDLED_ACTION,
  ALERT_ITEM_ACTION,
  ALERT_SNOOZE_ACTION,
  RANK_OPT_IN_ACTION,
  RANK_OPT_OUT_ACTION,
} from '../../../views/jobs.js';
import { SHARE_ACTION } from '../../../views/share.js';
import type { TSlackDeps } from '../../deps.js';
import { alertAction, alertItemAction, rankOptAction } from './jobs.js';
import { shareAction } from './share.js';

export function register(app: App, deps: TSlackDeps): void {
  app.action<BlockButtonAction>(SHARE_ACTION, shareAction(deps));
  app.action<BlockButtonAction>(RANK_OPT_IN_ACTION, rankOptAction(deps, true));
  app.action<BlockButtonAction>(RANK_OPT_OUT_ACTION, rankOptAction(deps, false));
  app.action<BlockButtonAction>(ALERT_SNOOZE_ACTION, alertAction(deps, 'snooze'));
  app.action<BlockButtonAction>(ALERT_HANDLED_ACTION, alertAction(deps, 'handled'));
  app.action<BlockOverflowAction>(ALERT_ITEM_ACTION, alertItemAction(deps));
}
