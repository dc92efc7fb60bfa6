import type { TWorkspaceSettings } from '../../domain/settings.js';
import { type TCanonicalEvent, ZCanonicalEvent } from '../events.js';
import { translateHubSpot, ZHubSpotEvent } from './hubspot.js';
import { parsePipedrive, translatePipedrive } from './pipedrive.js';

/**
 * Turns one stored inbox payload into canonical events, by source. Payloads were validated on receipt;
 * parsing again here applies defaults and keeps a corrupt row from being applied half-way.
 */
export function translate(source: string, payload: unknown, settings: TWorkspaceSettings): TCanonicalEvent[] {
  switch (source) {
    case 'hubspot':
      return translateHubSpot(ZHubSpotEvent.parse(payload), settings);
    case 'pipedrive': {
      const parsed = parsePipedrive(payload);
      if (!parsed.success) throw parsed.error;
      return translatePipedrive(parsed.data);
    }
    default:
      return [ZCanonicalEvent.parse(payload)];
  }
}
