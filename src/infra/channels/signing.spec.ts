import { describe, expect, it } from '@jest/globals';
import {
  acs3Sign,
  aliyunEncode,
  dingtalkSign,
  feishuSign,
  standardWebhookSignature,
  tc3Authorization,
} from './signing.js';

// Vectors from channels-reference.md §11.
describe('vendor signing', () => {
  it('Feishu: key = ts\\nsecret over an empty message (vector 1)', () => {
    expect(feishuSign('demo', 1599360473)).toBe('l1N0gAcBjdwBvGm1xMjOF0XSyaLRpR7tuO5dHfhAYc8=');
    expect(feishuSign('test-secret', 1599360473)).toBe('wSds2BzzFIIGf/WrhUO+NI1q/9j+FRJd3JNHKAq0NZY=');
  });

  it('DingTalk: key = secret over ts\\nsecret, URL-encoded for the query (vector 2)', () => {
    expect(encodeURIComponent(dingtalkSign('this is secret', 1577262236757))).toBe(
      'hmPWwU%2B7lVdm3ZZz0r9tSfx0L4Q26jWOZr9%2BGs6EZQM%3D',
    );
    expect(dingtalkSign('SEC0123456789abcdef', 1700000000000)).toBe(
      'TSZbRFUuvaSQaRKUpF970OPCb2/LcQAP3wOvwZIzBZk=',
    );
  });

  it('Standard Webhooks: the spec vector and ours (vectors 11, 12)', () => {
    expect(
      standardWebhookSignature(
        'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        'msg_p5jXN8AQM9LWM0D4loKWxJek',
        1614265330,
        '{"test": 2432232314}',
      ),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    const body =
      '{"type":"signal.created","timestamp":"2024-01-15T14:25:30Z","data":{"signal_id":12345,"strategy_id":1,"pair":"BTC/USDT","timeframe":"1h","side":"BUY","strength":85,"priority":"P0"}}';
    expect(
      standardWebhookSignature(
        'whsec_YnRjLXdhdGNoZXItdGVzdC1zZWNyZXQtMzJieXRlcyE=',
        'sig_01HQ7Z5K3Y8M2N4P6R8T0V2X4Z',
        1705328730,
        body,
      ),
    ).toBe('v1,5chKrlLHCbRLjcLcyaHlzUVmK+leK1N5xfdkSJl4kak=');
  });

  it('Aliyun ACS3: the published RunInstances vector (3) and our SendSms (4)', () => {
    const run = acs3Sign({
      method: 'POST',
      host: 'ecs.cn-shanghai.aliyuncs.com',
      query: { ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd', RegionId: 'cn-shanghai' },
      headers: {
        'x-acs-action': 'RunInstances',
        'x-acs-version': '2014-05-26',
        'x-acs-date': '2023-10-26T10:22:32Z',
        'x-acs-signature-nonce': '3156853299f313e23d1673dc12e1703d',
      },
      body: '',
      accessKeyId: 'YourAccessKeyId',
      accessKeySecret: 'YourAccessKeySecret',
    });
    expect(run.authorization).toBe(
      'ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0',
    );
    const sms = acs3Sign({
      method: 'POST',
      host: 'dysmsapi.aliyuncs.com',
      query: {
        PhoneNumbers: '13800138000',
        SignName: 'BTCWatcher',
        TemplateCode: 'SMS_123456789',
        TemplateParam: '{"pair":"BTC/USDT","side":"BUY"}',
      },
      headers: {
        'x-acs-action': 'SendSms',
        'x-acs-version': '2017-05-25',
        'x-acs-date': '2024-01-15T14:25:30Z',
        'x-acs-signature-nonce': '7f1e2d3c4b5a69788796a5b4c3d2e1f0',
      },
      body: '',
      accessKeyId: 'testAccessKeyId',
      accessKeySecret: 'testAccessKeySecret',
    });
    expect(sms.authorization).toMatch(
      /Signature=21a3a701c118350230e226aba6bad431af8d5c80f928dee3955c3edc850e8e23$/,
    );
    expect(aliyunEncode("a b!'()*~")).toBe('a%20b%21%27%28%29%2A~');
  });

  it('Tencent TC3: the published CVM vector (8) and our SendSms (10)', () => {
    expect(
      tc3Authorization({
        host: 'cvm.tencentcloudapi.com',
        service: 'cvm',
        contentType: 'application/json; charset=utf-8',
        body: '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}',
        timestampSec: 1551113065,
        secretId: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE',
        secretKey: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE',
      }),
    ).toBe(
      'TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168',
    );
    expect(
      tc3Authorization({
        host: 'sms.tencentcloudapi.com',
        service: 'sms',
        contentType: 'application/json',
        body: '{"PhoneNumberSet":["+8613800138000"],"SmsSdkAppId":"1400006666","SignName":"BTCWatcher","TemplateId":"1234567","TemplateParamSet":["BTC/USDT","BUY"]}',
        timestampSec: 1705328730,
        secretId: 'AKIDtestSecretId',
        secretKey: 'testSecretKey',
      }),
    ).toMatch(
      /Credential=AKIDtestSecretId\/2024-01-15\/sms\/tc3_request, .*Signature=c8bf860d686c00ab8c0b723c56447cf8ad2aab7549fc53f2c2660ca5c4353569$/,
    );
  });
});
