import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Signature checks of the webhook sources. Pure: headers and raw body in, a reason or null out. */

export const MAX_SKEW_MS = 5 * 60_000;

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** HubSpot v3 decodes these in the request URI before signing (its docs' table). */
const HUBSPOT_DECODE: Record<string, string> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};
export function hubspotDecodeUri(uri: string): string {
  return uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => HUBSPOT_DECODE[m.toUpperCase()] ?? m);
}

export function hubspotSignatureV3(
  secret: string,
  method: string,
  uri: string,
  body: string,
  timestamp: string,
) {
  return createHmac('sha256', secret).update(`${method}${uri}${body}${timestamp}`, 'utf8').digest('base64');
}
export function hubspotSignatureV1(secret: string, body: string) {
  return createHash('sha256').update(`${secret}${body}`, 'utf8').digest('hex');
}
export function hubspotSignatureV2(secret: string, method: string, uri: string, body: string) {
  return createHash('sha256').update(`${secret}${method}${uri}${body}`, 'utf8').digest('hex');
}

type THeaders = Record<string, string | string[] | undefined>;
const header = (h: THeaders, name: string) => {
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * Checks a HubSpot request: v3 (X-HubSpot-Signature-v3 + X-HubSpot-Request-Timestamp within 5 minutes) always;
 * v1/v2 (X-HubSpot-Signature + -Version) only when `legacy` allows them. `uris` are the request URIs to try
 * (the URL HubSpot called is not always known behind proxies: the configured public URL, then the Host).
 */
/**
 * What can be checked of a HubSpot request before its body is read: a signature header, and a fresh timestamp
 * for v3. Null when the body is worth reading.
 */
export function checkHubSpotHeaders(headers: THeaders, now: number): string | null {
  if (header(headers, 'x-hubspot-signature-v3')) {
    const ts = header(headers, 'x-hubspot-request-timestamp') ?? '';
    if (!/^\d{10,16}$/.test(ts)) return 'X-HubSpot-Request-Timestamp is missing or not milliseconds';
    if (Math.abs(now - Number(ts)) > MAX_SKEW_MS)
      return 'X-HubSpot-Request-Timestamp is more than 5 minutes off';
    return null;
  }
  return header(headers, 'x-hubspot-signature') ? null : 'X-HubSpot-Signature-v3 header is missing';
}

export function checkHubSpot(opts: {
  secret: string;
  legacy: ('v1' | 'v2')[];
  method: string;
  uris: string[];
  body: string;
  headers: THeaders;
  now: number;
}): string | null {
  const early = checkHubSpotHeaders(opts.headers, opts.now);
  if (early) return early;
  const v3 = header(opts.headers, 'x-hubspot-signature-v3');
  if (v3) {
    const ts = header(opts.headers, 'x-hubspot-request-timestamp') ?? '';
    const ok = opts.uris.some((u) =>
      safeEqual(hubspotSignatureV3(opts.secret, opts.method, hubspotDecodeUri(u), opts.body, ts), v3),
    );
    return ok ? null : 'X-HubSpot-Signature-v3 does not match';
  }
  const legacy = header(opts.headers, 'x-hubspot-signature');
  if (!legacy) return 'X-HubSpot-Signature-v3 header is missing';
  const version = (header(opts.headers, 'x-hubspot-signature-version') ?? 'v1').toLowerCase();
  // The header's own text is not repeated (it would reach the log unauthenticated).
  if (version !== 'v1' && version !== 'v2') return 'X-HubSpot-Signature-Version must be v1 or v2';
  if (!opts.legacy.includes(version))
    return `HubSpot signature ${version} is not accepted (set HUBSPOT_SIGNATURE_VERSIONS to allow it)`;
  const ok =
    version === 'v1'
      ? safeEqual(hubspotSignatureV1(opts.secret, opts.body), legacy)
      : opts.uris.some((u) => safeEqual(hubspotSignatureV2(opts.secret, opts.method, u, opts.body), legacy));
  return ok ? null : 'X-HubSpot-Signature does not match';
}

/** Pipedrive: HTTP basic auth as configured on the webhook (http_auth_user / http_auth_password). */
export function checkBasicAuth(headers: THeaders, user: string, password: string): string | null {
  const auth = header(headers, 'authorization') ?? '';
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(auth.trim());
  if (!m) return 'Authorization: Basic header is missing';
  const decoded = Buffer.from(m[1] ?? '', 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return 'Authorization header is malformed';
  // Compare both parts fully (no early exit) in constant time.
  const okUser = safeEqual(decoded.slice(0, i), user);
  const okPassword = safeEqual(decoded.slice(i + 1), password);
  return okUser && okPassword ? null : 'wrong user or password';
}

/** The generic API: X-KPI-Signature = "v1=" + hex HMAC-SHA256(secret, "v1:" + X-KPI-Timestamp + ":" + body). */
export function genericSignature(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`v1:${timestamp}:${body}`, 'utf8').digest('hex')}`;
}

/** What can be checked of a generic API request before its body is read: both headers, a fresh timestamp. */
export function checkGenericHeaders(headers: THeaders, now: number): string | null {
  const sig = header(headers, 'x-kpi-signature');
  const ts = header(headers, 'x-kpi-timestamp');
  if (!sig) return 'X-KPI-Signature header is missing';
  if (!ts || !/^\d{9,11}$/.test(ts)) return 'X-KPI-Timestamp must be Unix seconds';
  if (Math.abs(now - Number(ts) * 1000) > MAX_SKEW_MS) return 'X-KPI-Timestamp is more than 5 minutes off';
  return null;
}

export function checkGeneric(secret: string, headers: THeaders, body: string, now: number): string | null {
  const early = checkGenericHeaders(headers, now);
  if (early) return early;
  const sig = header(headers, 'x-kpi-signature') ?? '';
  const ts = header(headers, 'x-kpi-timestamp') ?? '';
  return safeEqual(genericSignature(secret, ts, body), sig) ? null : 'X-KPI-Signature does not match';
}
