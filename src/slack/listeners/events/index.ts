import type { App } from '@slack/bolt';
import type { TSlackDeps } from '../../deps.js';
import { appHomeOpened } from './home.js';

export function register(app: App, deps: TSlackDeps): void {
  app.event('app_home_opened', appHomeOpened(deps));
}
