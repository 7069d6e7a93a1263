import { createHash, createHmac, randomUUID } from 'node:crypto';
import { VendorEmulator, type RecordedRequest, type Reply } from '../vendor-http/vendor-emulator.js';

/** RFC 3986 percent-encoding as Alibaba Cloud's gateway canonicalises (space → %20, `~` kept). */
function percent(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const hex = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');

/** The canonical request the gateway rebuilds from what it received (V3, §5.1). */
export function acs3CanonicalRequest(
  method: string,
  query: [string, string][],
  headers: Record<string, string>,
  signedHeaders: string[],
  bodySha256: string,
): string {
  const q = [...query]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${percent(k)}=${percent(v)}`)
    .join('&');
  const h = signedHeaders.map((n) => `${n}:${(headers[n] ?? '').trim()}\n`).join('');
  return `${method}\n/\n${q}\n${h}\n${signedHeaders.join(';')}\n${bodySha256}`;
}

export function acs3Signature(secret: string, canonical: string): string {
  return createHmac('sha256', secret)
    .update(`ACS3-HMAC-SHA256\n${hex(canonical)}`)
    .digest('hex');
}

/**
 * dysmsapi SendSms (V3 signatures): checks Authorization against the received headers and query,
 * x-acs-content-sha256 against the body, x-acs-date ±15 min, nonce reuse; answers
 * SignatureDoesNotMatch with HTTP 400 (echoing the string-to-sign, as Aliyun does) and business
 * errors with HTTP 200. Per-number limit 1/min → isv.BUSINESS_LIMIT_CONTROL.
 */
export class AliyunSmsEmulator extends VendorEmulator {
  readonly keys = new Map<string, string>();
  readonly sent: { phone: string; signName: string; templateCode: string; params: Record<string, string> }[] =
    [];
  private readonly nonces = new Map<string, number>();
  private readonly lastByPhone = new Map<string, number>();

  protected handle(r: RecordedRequest): Reply {
    const requestId = randomUUID().toUpperCase();
    const auth = r.headers.authorization ?? '';
    const m = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
    if (!m)
      return {
        status: 400,
        body: { Code: 'MissingAuthorization', Message: 'Authorization is mandatory', RequestId: requestId },
      };
    const secret = this.keys.get(m[1]!);
    if (secret === undefined)
      return {
        status: 404,
        body: {
          Code: 'InvalidAccessKeyId.NotFound',
          Message: 'Specified access key is not found.',
          RequestId: requestId,
        },
      };
    if (hex(r.body) !== r.headers['x-acs-content-sha256'])
      return {
        status: 400,
        body: { Code: 'ContentSHA256NotMatched', Message: 'content sha256 mismatch', RequestId: requestId },
      };
    const date = Date.parse(r.headers['x-acs-date'] ?? '');
    if (
      !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(r.headers['x-acs-date'] ?? '') ||
      Math.abs(this.now() - date) > 15 * 60_000
    )
      return {
        status: 400,
        body: {
          Code: 'InvalidTimeStamp.Expired',
          Message: 'Specified time stamp or date value is expired.',
          RequestId: requestId,
        },
      };
    const signed = m[2]!.split(';');
    if (
      !signed.includes('host') ||
      !signed.includes('x-acs-date') ||
      !signed.includes('x-acs-signature-nonce')
    )
      return {
        status: 400,
        body: { Code: 'IncompleteSignature', Message: 'signed headers incomplete', RequestId: requestId },
      };
    const canonical = acs3CanonicalRequest(r.method, [...r.query.entries()], r.headers, signed, hex(r.body));
    if (acs3Signature(secret, canonical) !== m[3]) {
      return {
        status: 400,
        body: {
          Code: 'SignatureDoesNotMatch',
          Message: `Specified signature does not match our calculation. server string to sign is:ACS3-HMAC-SHA256\n${hex(canonical)} canonical:${canonical}`,
          RequestId: requestId,
        },
      };
    }
    const nonce = r.headers['x-acs-signature-nonce'] ?? '';
    if (this.nonces.has(nonce))
      return {
        status: 400,
        body: { Code: 'SignatureNonceUsed', Message: 'nonce used', RequestId: requestId },
      };
    this.nonces.set(nonce, r.at);
    if (r.headers['x-acs-action'] !== 'SendSms' || r.headers['x-acs-version'] !== '2017-05-25')
      return {
        status: 400,
        body: { Code: 'InvalidAction.NotFound', Message: 'action', RequestId: requestId },
      };
    const phones = (r.query.get('PhoneNumbers') ?? '').split(',').filter(Boolean);
    if (!phones.length)
      return {
        status: 200,
        body: { Code: 'isv.MOBILE_NUMBER_ILLEGAL', Message: 'illegal', RequestId: requestId },
      };
    let params: Record<string, string>;
    try {
      params = JSON.parse(r.query.get('TemplateParam') ?? '{}') as Record<string, string>;
    } catch {
      return {
        status: 200,
        body: {
          Code: 'isv.INVALID_JSON_PARAM',
          Message: 'JSON参数不合法，只接受字符串值',
          RequestId: requestId,
        },
      };
    }
    if (Object.values(params).some((v) => typeof v !== 'string'))
      return {
        status: 200,
        body: {
          Code: 'isv.INVALID_JSON_PARAM',
          Message: 'JSON参数不合法，只接受字符串值',
          RequestId: requestId,
        },
      };
    for (const p of phones) {
      const last = this.lastByPhone.get(p);
      if (last !== undefined && r.at - last < 60_000)
        return {
          status: 200,
          body: {
            Code: 'isv.BUSINESS_LIMIT_CONTROL',
            Message: '触发分钟级流控Permits:1',
            RequestId: requestId,
          },
        };
    }
    for (const p of phones) {
      this.lastByPhone.set(p, r.at);
      this.sent.push({
        phone: p,
        signName: r.query.get('SignName') ?? '',
        templateCode: r.query.get('TemplateCode') ?? '',
        params,
      });
    }
    return {
      status: 200,
      body: { Code: 'OK', Message: 'OK', BizId: `${Date.now()}^0`, RequestId: requestId },
    };
  }
}
