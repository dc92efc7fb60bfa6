import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, maskSecrets, toBoltLogger } from '../src/logger.js';

function memoryLogger(level = 'debug') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger(level, stream), lines };
}

describe('logs', () => {
  it('are JSON lines with the message and fields', () => {
    const { logger, lines } = memoryLogger();
    logger.info({ port: 3000 }, 'listening');
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      msg: 'listening',
      port: 3000,
      app: 'kpi-bot',
      level: 30,
    });
  });

  it('never contain tokens or secrets passed as fields', () => {
    const { logger, lines } = memoryLogger();
    logger.info(
      {
        token: 'xoxb-111-222-secret',
        installation: { botToken: 'xoxb-333-secret', clientSecret: 'cs-secret' },
        req: { headers: { authorization: 'Basic dXNlcjpwYXNz' } },
      },
      'installed',
    );
    const out = lines.join('');
    expect(out).not.toMatch(/secret|dXNlcjpwYXNz/);
    expect(out).toContain('[redacted]');
  });

  it('mask Slack tokens inside Bolt and WebClient messages', () => {
    const { logger, lines } = memoryLogger();
    const bolt = toBoltLogger(logger);
    bolt.error(
      'http request failed for xoxb-123-456-abcdef and xapp-1-A1-999-zzz',
      new Error('boom xoxp-9-9'),
    );
    const out = lines.join('');
    expect(out).not.toMatch(/abcdef|999-zzz|xoxp-9-9/);
    expect(out).toContain('"component":"bolt"');
    expect(maskSecrets('token xoxb-1-2-3 end')).toBe('token xoxb-[redacted] end');
  });

  it('follow the level Bolt sets', () => {
    const { logger, lines } = memoryLogger('info');
    const bolt = toBoltLogger(logger);
    bolt.debug('hidden');
    expect(lines).toHaveLength(0);
    bolt.setLevel('debug' as never);
    bolt.debug('shown');
    expect(lines).toHaveLength(1);
    expect(bolt.getLevel()).toBe('debug');
  });
});
