import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BOT_SCOPES } from '../../src/slack/app.js';
import { SUBSCRIBED_EVENTS } from '../../src/slack/listeners/events/index.js';
import { OPEN_MODAL_ACTION } from '../../src/views/modals.js';

/** Issue 13, part 7: manifest.yml says what the code does (it is what a workspace admin approves). */
const manifest = readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8');

/** The `- item` lines of the list under `key:` (indented deeper than the key). */
function listUnder(key: string): string[] {
  const lines = manifest.split('\n');
  const at = lines.findIndex((l) => l.trim() === `${key}:`);
  if (at < 0) throw new Error(`manifest.yml has no ${key}`);
  const indent = lines[at]?.search(/\S/) ?? 0;
  const out: string[] = [];
  for (const line of lines.slice(at + 1)) {
    if (!line.trim() || line.trim().startsWith('#')) continue;
    if (line.search(/\S/) <= indent) break;
    const m = /^\s*- (\S+)\s*$/.exec(line);
    if (m?.[1]) out.push(m[1]);
  }
  return out;
}

const setting = (key: string) => new RegExp(`^\\s*${key}: (\\S+)`, 'm').exec(manifest)?.[1];

describe('manifest.yml and the code agree', () => {
  it('subscribes to exactly the events the app listens to', () => {
    expect(listUnder('bot_events').sort()).toEqual([...SUBSCRIBED_EVENTS].sort());
  });

  it('asks for exactly the bot scopes the OAuth install asks for', () => {
    expect(listUnder('bot').sort()).toEqual([...BOT_SCOPES].sort());
  });

  it('has a read-only Messages tab, since the bot reads no messages', () => {
    expect(SUBSCRIBED_EVENTS.some((e) => e.startsWith('message'))).toBe(false);
    expect(setting('messages_tab_enabled')).toBe('true');
    expect(setting('messages_tab_read_only_enabled')).toBe('true');
  });

  it('allows org-wide installs, as docs/slack-setup.md promises for Enterprise Grid', () => {
    expect(readFileSync(new URL('../../docs/slack-setup.md', import.meta.url), 'utf8')).toMatch(
      /Enterprise Grid/,
    );
    expect(setting('org_deploy_enabled')).toBe('true');
  });

  it('lists the global shortcuts the app opens forms for', () => {
    const ids = [...manifest.matchAll(/callback_id: (\S+)/g)].map((m) => m[1]);
    expect(ids.sort()).toEqual(Object.values(OPEN_MODAL_ACTION).sort());
  });
});
