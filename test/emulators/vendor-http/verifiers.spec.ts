import { describe, expect, it } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import { acs3CanonicalRequest, acs3Signature } from '../aliyun-sms/aliyun-sms-emulator.js';
import { expectedDingtalkSign } from '../dingtalk/dingtalk-emulator.js';
import { expectedFeishuSign } from '../feishu/feishu-emulator.js';
import { telegramHtmlError } from '../telegram/telegram-emulator.js';
import { tc3Expected } from '../tencent-sms/tencent-sms-emulator.js';

// The emulators' verifiers against channels-reference.md §11 — independent of src/infra/channels.
describe('emulator verifiers reproduce the reference vectors', () => {
  it('Feishu (1) and DingTalk (2)', () => {
    expect(expectedFeishuSign('1599360473', 'demo')).toBe('l1N0gAcBjdwBvGm1xMjOF0XSyaLRpR7tuO5dHfhAYc8=');
    expect(encodeURIComponent(expectedDingtalkSign('1577262236757', 'this is secret'))).toBe(
      'hmPWwU%2B7lVdm3ZZz0r9tSfx0L4Q26jWOZr9%2BGs6EZQM%3D',
    );
  });

  it('Aliyun V3 RunInstances (3, published) and SendSms (4)', () => {
    const empty = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    const signed = [
      'host',
      'x-acs-action',
      'x-acs-content-sha256',
      'x-acs-date',
      'x-acs-signature-nonce',
      'x-acs-version',
    ];
    const run = acs3CanonicalRequest(
      'POST',
      [
        ['ImageId', 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd'],
        ['RegionId', 'cn-shanghai'],
      ],
      {
        host: 'ecs.cn-shanghai.aliyuncs.com',
        'x-acs-action': 'RunInstances',
        'x-acs-content-sha256': empty,
        'x-acs-date': '2023-10-26T10:22:32Z',
        'x-acs-signature-nonce': '3156853299f313e23d1673dc12e1703d',
        'x-acs-version': '2014-05-26',
      },
      signed,
      empty,
    );
    expect(acs3Signature('YourAccessKeySecret', run)).toBe(
      '06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0',
    );
    const sms = acs3CanonicalRequest(
      'POST',
      [
        ['TemplateParam', '{"pair":"BTC/USDT","side":"BUY"}'],
        ['PhoneNumbers', '13800138000'],
        ['SignName', 'BTCWatcher'],
        ['TemplateCode', 'SMS_123456789'],
      ],
      {
        host: 'dysmsapi.aliyuncs.com',
        'x-acs-action': 'SendSms',
        'x-acs-content-sha256': empty,
        'x-acs-date': '2024-01-15T14:25:30Z',
        'x-acs-signature-nonce': '7f1e2d3c4b5a69788796a5b4c3d2e1f0',
        'x-acs-version': '2017-05-25',
      },
      signed,
      empty,
    );
    expect(acs3Signature('testAccessKeySecret', sms)).toBe(
      '21a3a701c118350230e226aba6bad431af8d5c80f928dee3955c3edc850e8e23',
    );
  });

  it('Tencent TC3 CVM (8, published) and SendSms (10)', () => {
    expect(
      tc3Expected({
        secretKey: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE',
        service: 'cvm',
        timestamp: '1551113065',
        signedHeaders: ['content-type', 'host'],
        headers: { 'content-type': 'application/json; charset=utf-8', host: 'cvm.tencentcloudapi.com' },
        body: '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}',
      }),
    ).toBe('72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168');
    expect(
      tc3Expected({
        secretKey: 'testSecretKey',
        service: 'sms',
        timestamp: '1705328730',
        signedHeaders: ['content-type', 'host'],
        headers: { 'content-type': 'application/json', host: 'sms.tencentcloudapi.com' },
        body: '{"PhoneNumberSet":["+8613800138000"],"SmsSdkAppId":"1400006666","SignName":"BTCWatcher","TemplateId":"1234567","TemplateParamSet":["BTC/USDT","BUY"]}',
      }),
    ).toBe('c8bf860d686c00ab8c0b723c56447cf8ad2aab7549fc53f2c2660ca5c4353569');
  });

  it('Standard Webhooks (11, published) through the reference library', () => {
    const wh = new Webhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    expect(wh.sign('msg_p5jXN8AQM9LWM0D4loKWxJek', new Date(1614265330 * 1000), '{"test": 2432232314}')).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('Telegram HTML check refuses bare markup characters and unknown tags', () => {
    expect(telegramHtmlError('<b>BUY</b> BTC/USDT &lt;1h&gt;')).toBeNull();
    expect(telegramHtmlError('a < b')).not.toBeNull();
    expect(telegramHtmlError('<div>x</div>')).not.toBeNull();
  });
});
