import type { App, BlockButtonAction } from '@slack/bolt';
import type { TSlackDeps } from '../../deps.js';
import { SHARE_ACTION } from '../../views/share.js';
import { shareAction } from './share.js';

export function register(app: App, deps: TSlackDeps): void {
  app.action<BlockButtonAction>(SHARE_ACTION, shareAction(deps));
}
