import { createHash, createHmac, randomUUID } from 'node:crypto';
import { VendorEmulator, type RecordedRequest, type Reply } from '../vendor-http/vendor-emulator.js';

const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const mac = (key: string | Buffer, s: string) => createHmac('sha256', key).update(s, 'utf8').digest();

/** TC3-HMAC-SHA256 as the API gateway checks it, from the received headers and body (§6). */
export function tc3Expected(opts: {
  secretKey: string;
  service: string;
  timestamp: string;
  signedHeaders: string[];
  headers: Record<string, string>;
  body: string;
}): string {
  const canonicalHeaders = opts.signedHeaders
    .map((h) => `${h}:${(opts.headers[h] ?? '').trim().toLowerCase()}\n`)
    .join('');
  const canonical = ['POST', '/', '', canonicalHeaders, opts.signedHeaders.join(';'), sha(opts.body)].join(
    '\n',
  );
  const date = new Date(Number(opts.timestamp) * 1000).toISOString().slice(0, 10);
  const toSign = [
    'TC3-HMAC-SHA256',
    opts.timestamp,
    `${date}/${opts.service}/tc3_request`,
    sha(canonical),
  ].join('\n');
  const kSigning = mac(mac(mac(`TC3${opts.secretKey}`, date), opts.service), 'tc3_request');
  return createHmac('sha256', kSigning).update(toSign, 'utf8').digest('hex');
}

/**
 * Tencent Cloud SMS SendSms 2021-01-11: verifies TC3 (±5 min), answers request-level errors in
 * `Response.Error` and per-number results in `SendStatusSet` (HTTP 200 either way). `failNumbers`
 * makes chosen numbers fail inside a "successful" answer.
 */
export class TencentSmsEmulator extends VendorEmulator {
  readonly keys = new Map<string, string>();
  readonly failNumbers = new Map<string, string>();
  readonly sent: { phone: string; templateId: string; params: string[] }[] = [];

  protected handle(r: RecordedRequest): Reply {
    const RequestId = randomUUID();
    const error = (Code: string, Message: string): Reply => ({
      status: 200,
      body: { Response: { Error: { Code, Message }, RequestId } },
    });
    const m =
      /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d\d-\d\d)\/([a-z]+)\/tc3_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
        r.headers.authorization ?? '',
      );
    if (!m) return error('AuthFailure.SignatureFailure', 'The provided credentials could not be validated.');
    const secretKey = this.keys.get(m[1]!);
    if (secretKey === undefined) return error('AuthFailure.SecretIdNotFound', 'The SecretId is not found');
    for (const h of ['x-tc-action', 'x-tc-version', 'x-tc-timestamp', 'x-tc-region'])
      if (!r.headers[h]) return error('MissingParameter', `missing ${h}`);
    const ts = r.headers['x-tc-timestamp']!;
    if (Math.abs(this.now() / 1000 - Number(ts)) > 300)
      return error('AuthFailure.SignatureExpire', 'Signature expired');
    const signed = m[4]!.split(';');
    if (!signed.includes('content-type') || !signed.includes('host'))
      return error('AuthFailure.SignatureFailure', 'signed headers');
    const want = tc3Expected({
      secretKey,
      service: m[3]!,
      timestamp: ts,
      signedHeaders: signed,
      headers: r.headers,
      body: r.body,
    });
    if (want !== m[5] || new Date(Number(ts) * 1000).toISOString().slice(0, 10) !== m[2])
      return error('AuthFailure.SignatureFailure', 'The provided credentials could not be validated.');
    const body = JSON.parse(r.body) as {
      PhoneNumberSet?: string[];
      TemplateId?: string;
      TemplateParamSet?: string[];
    };
    if (!body.PhoneNumberSet?.length) return error('MissingParameter.EmptyPhoneNumberSet', 'empty');
    const SendStatusSet = body.PhoneNumberSet.map((p) => {
      const code = this.failNumbers.get(p) ?? 'Ok';
      if (code === 'Ok')
        this.sent.push({ phone: p, templateId: body.TemplateId ?? '', params: body.TemplateParamSet ?? [] });
      return {
        SerialNo: `5000:${randomUUID()}`,
        PhoneNumber: p,
        Fee: 1,
        SessionContext: '',
        Code: code,
        Message: code === 'Ok' ? 'send success' : 'failed',
        IsoCode: 'CN',
      };
    });
    return { status: 200, body: { Response: { SendStatusSet, RequestId } } };
  }
}
