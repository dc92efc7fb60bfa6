import { describe, expect, it } from 'vitest';
import {
  checkBasicAuth,
  checkGeneric,
  checkHubSpot,
  genericSignature,
  hubspotDecodeUri,
  hubspotSignatureV1,
  hubspotSignatureV2,
  hubspotSignatureV3,
} from '../../src/ingest/auth.js';

// HubSpot's published test vectors: hubspot-api-nodejs test/unit/signature.spec.ts (v1, v2) and
// hubspot-api-python tests/spec/utils/test_signature.py (v1, v2, v3 with a fixed timestamp).
const SECRET = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy';
const NODE_V1_BODY =
  '[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]';
const PY_BODY = "{'example_field':'example_value'}";
const URI = 'https://www.example.com/webhook_uri';

describe('HubSpot signatures: published vectors', () => {
  it('v1 (Node SDK)', () => {
    expect(hubspotSignatureV1(SECRET, NODE_V1_BODY)).toBe(
      '232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de',
    );
  });
  it('v2 GET and POST (Node SDK)', () => {
    expect(hubspotSignatureV2(SECRET, 'GET', URI, '')).toBe(
      'eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e',
    );
    expect(hubspotSignatureV2(SECRET, 'POST', URI, '{"example_field":"example_value"}')).toBe(
      '9569219f8ba981ffa6f6f16aa0f48637d35d728c7e4d93d0d52efaa512af7900',
    );
  });
  it('v1, v2, v3 (Python SDK, timestamp 15000000) and v3 (Ruby SDK, 1700000300000)', () => {
    expect(hubspotSignatureV1(SECRET, PY_BODY)).toBe(
      '69fc6631a867edd4f9e9e627fc5c1148e3fbdd8b21837b6d2b8901c1fa57f750',
    );
    expect(hubspotSignatureV2(SECRET, 'POST', URI, PY_BODY)).toBe(
      '4fe4e3a7d3cf09db53be39d0a58130e2aaba074ec123a9e355b876a689a1c383',
    );
    expect(hubspotSignatureV3(SECRET, 'POST', URI, PY_BODY, '15000000')).toBe(
      'HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw=',
    );
    expect(hubspotSignatureV3(SECRET, 'POST', URI, PY_BODY, '1700000300000')).toBe(
      'RnbPH7+UMKVkbV32P8bz450N4M56aPmcru1+D3kSDtw=',
    );
  });

  const v3 = (over: Partial<Parameters<typeof checkHubSpot>[0]> = {}, sig?: string, ts = '1700000300000') =>
    checkHubSpot({
      secret: SECRET,
      legacy: [],
      method: 'POST',
      uris: [URI],
      body: PY_BODY,
      headers: {
        'x-hubspot-signature-v3': sig ?? 'RnbPH7+UMKVkbV32P8bz450N4M56aPmcru1+D3kSDtw=',
        'x-hubspot-request-timestamp': ts,
      },
      now: 1_700_000_300_000 + 60_000,
      ...over,
    });

  it('accepts the v3 vector within five minutes and refuses it after, or when anything differs', () => {
    expect(v3()).toBeNull();
    expect(v3({ now: 1_700_000_300_000 + 5 * 60_000 + 1 })).toMatch(/5 minutes/);
    expect(v3({ body: `${PY_BODY} ` })).toMatch(/does not match/);
    expect(v3({ secret: `${SECRET}x` })).toMatch(/does not match/);
    expect(v3({ method: 'PUT' })).toMatch(/does not match/);
    expect(v3({}, 'AAAA')).toMatch(/does not match/);
    expect(v3({}, undefined, 'soon')).toMatch(/timestamp/i);
    expect(v3({ headers: {} })).toMatch(/missing/);
  });

  it('decodes the characters HubSpot decodes before signing, and only those', () => {
    expect(hubspotDecodeUri('https://x.io/h?a=b%3Ac%2Fd%40e%20f')).toBe('https://x.io/h?a=b:c/d@e%20f');
    const uri = 'https://x.io/webhooks/hubspot?workspace=T1&k=a%3Ab';
    const sig = hubspotSignatureV3(
      SECRET,
      'POST',
      'https://x.io/webhooks/hubspot?workspace=T1&k=a:b',
      '[]',
      '1700000300000',
    );
    expect(v3({ uris: [uri], body: '[]' }, sig)).toBeNull();
  });

  it('refuses legacy v1/v2 signatures unless configured, then checks them', () => {
    const headers = {
      'x-hubspot-signature': hubspotSignatureV1(SECRET, PY_BODY),
      'x-hubspot-signature-version': 'v1',
    };
    const base = { secret: SECRET, method: 'POST', uris: [URI], body: PY_BODY, headers, now: Date.now() };
    expect(checkHubSpot({ ...base, legacy: [] })).toMatch(/not accepted/);
    expect(checkHubSpot({ ...base, legacy: ['v1'] })).toBeNull();
    expect(checkHubSpot({ ...base, legacy: ['v1'], body: '{}' })).toMatch(/does not match/);
    const v2 = {
      'x-hubspot-signature': hubspotSignatureV2(SECRET, 'POST', URI, PY_BODY),
      'x-hubspot-signature-version': 'v2',
    };
    expect(checkHubSpot({ ...base, headers: v2, legacy: ['v2'] })).toBeNull();
    expect(
      checkHubSpot({ ...base, headers: { ...v2, 'x-hubspot-signature-version': 'v9' }, legacy: ['v2'] }),
    ).toMatch(/must be v1 or v2/);
  });
});

describe('Pipedrive basic auth', () => {
  const basic = (s: string) => ({ authorization: `Basic ${Buffer.from(s).toString('base64')}` });
  it('accepts the configured user and password only', () => {
    expect(checkBasicAuth(basic('kpi:secret-pass'), 'kpi', 'secret-pass')).toBeNull();
    expect(checkBasicAuth(basic('kpi:secret-pasS'), 'kpi', 'secret-pass')).toMatch(/wrong/);
    expect(checkBasicAuth(basic('kpx:secret-pass'), 'kpi', 'secret-pass')).toMatch(/wrong/);
    expect(checkBasicAuth(basic('kpisecret-pass'), 'kpi', 'secret-pass')).toMatch(/malformed/);
    expect(checkBasicAuth({}, 'kpi', 'secret-pass')).toMatch(/missing/);
    expect(checkBasicAuth({ authorization: 'Bearer abc' }, 'kpi', 'secret-pass')).toMatch(/missing/);
  });
});

describe('generic API signature', () => {
  const secret = 'f3a9c1d27b5e4f60a8c9d0e1f2a3b4c5';
  const now = 1_764_000_000_000;
  const ts = String(now / 1000);
  it('is v1= hex HMAC-SHA256 over "v1:<timestamp>:<body>"', () => {
    // Independent worked example, computed with: printf 'v1:1764000000:{"a":1}' | openssl dgst -sha256 -hmac <secret>
    expect(genericSignature(secret, ts, '{"a":1}')).toBe(
      'v1=1cfcfe3e59b5af60d0c13d1950b06f91a7794c759e52677ff72698e1a10e119e',
    );
  });
  it('refuses a missing, stale, future or wrong signature', () => {
    const sig = genericSignature(secret, ts, '{}');
    expect(checkGeneric(secret, { 'x-kpi-signature': sig, 'x-kpi-timestamp': ts }, '{}', now)).toBeNull();
    expect(checkGeneric(secret, { 'x-kpi-timestamp': ts }, '{}', now)).toMatch(/missing/);
    expect(checkGeneric(secret, { 'x-kpi-signature': sig, 'x-kpi-timestamp': ts }, '{ }', now)).toMatch(
      /match/,
    );
    expect(
      checkGeneric(secret, { 'x-kpi-signature': sig, 'x-kpi-timestamp': ts }, '{}', now + 301_000),
    ).toMatch(/5 minutes/);
    expect(
      checkGeneric(secret, { 'x-kpi-signature': sig, 'x-kpi-timestamp': ts }, '{}', now - 301_000),
    ).toMatch(/5 minutes/);
    expect(checkGeneric(`${secret}x`, { 'x-kpi-signature': sig, 'x-kpi-timestamp': ts }, '{}', now)).toMatch(
      /match/,
    );
  });
});
