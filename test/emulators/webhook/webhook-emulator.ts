import { Webhook } from 'standardwebhooks';
import { VendorEmulator, type RecordedRequest, type Reply } from '../vendor-http/vendor-emulator.js';

/**
 * A receiver of our generic webhook that verifies with the reference `standardwebhooks` library and
 * is idempotent on `webhook-id`: `deliveries` holds each id once, `duplicates` counts repeats.
 */
export class WebhookReceiver extends VendorEmulator {
  secret = '';
  readonly deliveries = new Map<string, unknown>();
  duplicates = 0;
  rejected = 0;
  /** Hold each request this long before answering (a send in flight, for crash tests). */
  holdMs = 0;

  protected async handle(r: RecordedRequest): Promise<Reply> {
    if (this.holdMs) await new Promise((resolve) => setTimeout(resolve, this.holdMs));
    let payload: unknown;
    try {
      payload = new Webhook(this.secret).verify(r.body, {
        'webhook-id': r.headers['webhook-id'] ?? '',
        'webhook-timestamp': r.headers['webhook-timestamp'] ?? '',
        'webhook-signature': r.headers['webhook-signature'] ?? '',
      });
    } catch {
      this.rejected++;
      return { status: 401, body: { error: 'invalid signature' } };
    }
    const id = r.headers['webhook-id']!;
    if (this.deliveries.has(id)) this.duplicates++;
    else this.deliveries.set(id, payload);
    return { status: 204, body: '' };
  }
}
