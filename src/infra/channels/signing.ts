import { createHash, createHmac } from 'node:crypto';

/**
 * Vendor request signing (channels-reference.md §1–§8). Pure functions of their inputs, so each is
 * checked against the reference's vectors; callers sign the exact bytes they then send.
 */

/** Feishu: key = `${ts}\n${secret}`, message empty, Base64. `ts` in seconds. */
export function feishuSign(secret: string, timestampSec: number): string {
  return createHmac('sha256', `${timestampSec}\n${secret}`).update('').digest('base64');
}

/** DingTalk: key = secret, message = `${ts}\n${secret}`, Base64 (URL-encode it for the query). `ts` in ms. */
export function dingtalkSign(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64');
}

/** Standard Webhooks `v1,<base64>` over `${id}.${ts}.${body}` with the decoded `whsec_` key. */
export function standardWebhookSignature(
  secret: string,
  id: string,
  timestampSec: number,
  body: string,
): string {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSec}.${body}`).digest('base64')}`;
}

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** RFC 3986 as the Aliyun SDK does it: encodeURIComponent plus `!'()*`. */
export function aliyunEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export interface AcsSignInput {
  method: string;
  host: string;
  query: Record<string, string>;
  /** x-acs-* and content-type headers (lower-case names); host and x-acs-content-sha256 are added. */
  headers: Record<string, string>;
  body: string;
  accessKeyId: string;
  accessKeySecret: string;
}

/** Aliyun V3 `ACS3-HMAC-SHA256`: returns every header to send, Authorization included. */
export function acs3Sign(input: AcsSignInput): Record<string, string> {
  const headers: Record<string, string> = {
    ...input.headers,
    host: input.host,
    'x-acs-content-sha256': sha256Hex(input.body),
  };
  const signed = Object.keys(headers)
    .map((k) => k.toLowerCase())
    .filter((k) => k === 'host' || k === 'content-type' || k.startsWith('x-acs-'))
    .sort();
  const canonicalHeaders = signed.map((k) => `${k}:${headers[k]!.trim()}\n`).join('');
  const query = Object.keys(input.query)
    .sort()
    .map((k) => `${aliyunEncode(k)}=${aliyunEncode(input.query[k]!)}`)
    .join('&');
  const canonical = [
    input.method.toUpperCase(),
    '/',
    query,
    canonicalHeaders,
    signed.join(';'),
    headers['x-acs-content-sha256'],
  ].join('\n');
  const stringToSign = `ACS3-HMAC-SHA256\n${sha256Hex(canonical)}`;
  const signature = createHmac('sha256', input.accessKeySecret).update(stringToSign).digest('hex');
  return {
    ...headers,
    authorization: `ACS3-HMAC-SHA256 Credential=${input.accessKeyId},SignedHeaders=${signed.join(';')},Signature=${signature}`,
  };
}

export interface Tc3SignInput {
  host: string;
  service: string;
  contentType: string;
  body: string;
  timestampSec: number;
  secretId: string;
  secretKey: string;
}

/** Tencent Cloud `TC3-HMAC-SHA256` over `content-type;host`, as the Node SDK signs. Returns Authorization. */
export function tc3Authorization(input: Tc3SignInput): string {
  const canonicalHeaders = `content-type:${input.contentType.toLowerCase()}\nhost:${input.host.toLowerCase()}\n`;
  const signedHeaders = 'content-type;host';
  const canonical = `POST\n/\n\n${canonicalHeaders}\n${signedHeaders}\n${sha256Hex(input.body)}`;
  const date = new Date(input.timestampSec * 1000).toISOString().slice(0, 10);
  const scope = `${date}/${input.service}/tc3_request`;
  const stringToSign = `TC3-HMAC-SHA256\n${input.timestampSec}\n${scope}\n${sha256Hex(canonical)}`;
  const kDate = createHmac('sha256', `TC3${input.secretKey}`).update(date).digest();
  const kService = createHmac('sha256', kDate).update(input.service).digest();
  const kSigning = createHmac('sha256', kService).update('tc3_request').digest();
  const signature = createHmac('sha256', kSigning).update(stringToSign).digest('hex');
  return `TC3-HMAC-SHA256 Credential=${input.secretId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
}
