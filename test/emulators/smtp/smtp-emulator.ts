import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A loopback SMTP server (AUTH PLAIN/LOGIN, no TLS) that parses what it receives. */
export class SmtpEmulator {
  readonly mails: { envelope: string[]; mail: ParsedMail }[] = [];
  port = 0;
  private server: SMTPServer | null = null;

  constructor(private readonly auth: { user: string; pass: string }) {}

  async start(): Promise<this> {
    this.server = new SMTPServer({
      secure: false,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      authOptional: false,
      onAuth: (a, _s, cb) =>
        a.username === this.auth.user && a.password === this.auth.pass
          ? cb(null, { user: a.username })
          : cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 })),
      onData: (stream, session, cb) => {
        simpleParser(stream)
          .then((mail) => {
            this.mails.push({ envelope: session.envelope.rcptTo.map((r) => r.address), mail });
            cb();
          })
          .catch((err: Error) => cb(err));
      },
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}
