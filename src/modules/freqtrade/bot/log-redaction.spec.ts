import { describe, expect, it } from '@jest/globals';
import { redactSecrets } from './log-redaction.js';

describe('redactSecrets', () => {
  it('hides the ws token in uvicorn’s access line', () => {
    expect(
      redactSecrets(
        '2026-11-23 04:28:45,733 - uvicorn.error - INFO - 127.0.0.1:56276 - "WebSocket /api/v1/message/ws?token=l2GsRqh6keOJ" [accepted]',
      ),
    ).toBe(
      '2026-11-23 04:28:45,733 - uvicorn.error - INFO - 127.0.0.1:56276 - "WebSocket /api/v1/message/ws?token=***" [accepted]',
    );
  });

  it('hides credentials in proxy URLs and secret-looking config keys', () => {
    expect(
      redactSecrets(
        "Applying additional ccxt config: {'socksProxy': 'socks5://bob:s3cret@10.0.0.1:1080', 'password': 'pw', 'urls': {'api': 'http://127.0.0.1:9/api/v3'}}",
      ),
    ).toBe(
      "Applying additional ccxt config: {'socksProxy': 'socks5://***:***@10.0.0.1:1080', 'password': '***', 'urls': {'api': 'http://127.0.0.1:9/api/v3'}}",
    );
  });

  it('leaves ordinary lines alone', () => {
    const line = '2026-11-23 04:28:45,637 - freqtrade.worker - INFO - Changing state to: RUNNING';
    expect(redactSecrets(line)).toBe(line);
  });
});
