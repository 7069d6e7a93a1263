import nodemailer from 'nodemailer';
import { proxyUrlWithCredentials } from '../http/proxy-endpoint.js';
import type {
  ChannelTarget,
  MessageContent,
  NotificationChannel,
  SendContext,
  SendOutcome,
} from './channel.port.js';
import { renderHtml, renderText } from './render.js';

/** SMTP through nodemailer (HTML + text). Timeouts are short: an alert that waits minutes is useless. */
export class EmailChannel implements NotificationChannel {
  readonly type = 'email' as const;

  async send(target: ChannelTarget, content: MessageContent, ctx: SendContext): Promise<SendOutcome> {
    const c = target.config;
    const started = performance.now();
    const transport = nodemailer.createTransport({
      host: String(c.host),
      port: Number(c.port),
      secure: c.secure === true,
      requireTLS: c.require_tls === true,
      ...(c.username ? { auth: { user: String(c.username), pass: String(c.password ?? '') } } : {}),
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
      dnsTimeout: 10_000,
      // HTTP CONNECT proxies only: SOCKS would need the `socks` module wired in.
      ...(target.proxy && target.proxy.type !== 'socks5'
        ? { proxy: proxyUrlWithCredentials(target.proxy) }
        : {}),
    });
    try {
      const info = await transport.sendMail({
        from: String(c.from),
        to: (c.to as string[]).join(', '),
        subject: content.title,
        text: [content.title, ...renderText(content)].join('\n'),
        html: renderHtml(content),
        messageId: `<${ctx.id}@btc-watcher>`,
      });
      return {
        ok: true,
        retryable: false,
        vendorId: info.messageId ?? null,
        latencyMs: Math.round(performance.now() - started),
      };
    } catch (err) {
      const e = err as { code?: string; responseCode?: number };
      const latencyMs = Math.round(performance.now() - started);
      const error = `smtp ${e.code ?? 'error'}${e.responseCode ? ` ${e.responseCode}` : ''}`;
      // Bad credentials or refused addresses will fail the same way again; 4xx SMTP replies are transient.
      const permanent =
        e.code === 'EAUTH' ||
        e.code === 'EENVELOPE' ||
        (e.responseCode !== undefined && e.responseCode >= 500);
      return { ok: false, retryable: !permanent, error, latencyMs };
    } finally {
      transport.close();
    }
  }
}
