import type { KnownBlock } from '@slack/types';
import { plainOfLookalikes } from '../domain/lookalikes.js';

/**
 * Turns Slack mrkdwn into plain terminal text: links show their label and address, emphasis marks go, and user
 * text escaped with escapeMrkdwn shows as written (its look-alikes and invisible marks undone).
 */
export function mrkdwnToText(mrkdwn: string): string {
  // Code spans are shown as written (a cron schedule's * is not emphasis).
  return plainOfLookalikes(
    mrkdwn
      .split(/(`[^`\n]+`)/)
      .map((part, i) => (i % 2 === 1 ? unescapeEntities(part.slice(1, -1)) : plainOf(part)))
      .join(''),
  );
}

const unescapeEntities = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function plainOf(mrkdwn: string): string {
  return mrkdwn
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<(https?:[^>]+)>/g, '$1')
    .replace(/<@([A-Z0-9]+)(\|([^>]+))?>/g, (_, id, __, label) => `@${label ?? id}`)
    .replace(/<#([A-Z0-9]+)(\|([^>]+))?>/g, (_, id, __, label) => `#${label ?? id}`)
    .replace(/<!(here|channel|everyone)>/g, '@$1')
    .replace(/(^|[\s(])\*([^*\n]+)\*(?=[\s).,:;!?]|$)/g, '$1$2')
    .replace(/(^|[\s(])_([^_\n]+)_(?=[\s).,:;!?]|$)/g, '$1$2')
    .replace(/`([^`\n]+)`/g, '$1')
    .replace(/:warning:/g, '!')
    .replace(/:white_check_mark:/g, '✓')
    .replace(/:chart_with_upwards_trend: ?/g, '↗ ')
    .replace(/:zzz: ?/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

type TTextObject = { type: string; text: string };

function textOf(t: TTextObject | undefined): string {
  if (!t) return '';
  return t.type === 'mrkdwn' ? mrkdwnToText(t.text) : t.text;
}

/**
 * Renders Block Kit as plain text for the terminal outbox (jobs' messages) and logs (a command's reply has its
 * own terminal view, TReply.terminal): one or more lines per block, no blank lines
 * inside a reply (so a script can split replies on blank lines). Images show their alt text.
 */
export function blocksToText(blocks: readonly KnownBlock[], fallback = ''): string {
  if (blocks.length === 0) return fallback;
  const lines: string[] = [];
  for (const block of blocks) {
    switch (block.type) {
      case 'header':
        lines.push(block.text.text.toUpperCase());
        break;
      case 'section': {
        if (block.text) lines.push(textOf(block.text));
        // One field a line; a field's own line breaks become separators.
        if (block.fields) lines.push(...block.fields.map((f) => textOf(f).replace(/\n+/g, ' · ')));
        break;
      }
      case 'context':
        lines.push(
          block.elements
            .map((e) => ('text' in e ? textOf(e as TTextObject) : 'alt_text' in e ? `[${e.alt_text}]` : ''))
            .filter(Boolean)
            .join('  '),
        );
        break;
      case 'divider':
        lines.push('────────');
        break;
      case 'image':
        lines.push(`[image: ${block.alt_text}]`);
        break;
      case 'actions':
        lines.push(
          block.elements
            .map((e) => ('text' in e && e.text ? `[${textOf(e.text as TTextObject)}]` : ''))
            .filter(Boolean)
            .join(' '),
        );
        break;
      default:
        break;
    }
  }
  return lines
    .join('\n')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .join('\n');
}
