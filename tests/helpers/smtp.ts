import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  to: string[];
  subject: string;
  text: string;
  raw: string;
}

/** The text of a single-part message: its body, base64-decoded when so encoded (lib/mail/send.ts does). */
function parse(raw: string, to: string[]): ReceivedMail {
  const split = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, " ");
  const body = raw.slice(split + 4);
  const subject = /^Subject: (.*)$/im.exec(head)?.[1] ?? "";
  const base64 = /^Content-Transfer-Encoding: base64$/im.test(head);
  return { to, subject, raw, text: base64 ? Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8") : body };
}

/**
 * A real SMTP server in this process (no TLS, no auth): the application sends to it through nodemailer
 * exactly as to a hospital's relay, and the test reads what arrived.
 */
export async function startSmtpServer() {
  const received: ReceivedMail[] = [];
  const waiting: { to: string; resolve: (m: ReceivedMail) => void }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const mail = parse(Buffer.concat(chunks).toString("utf8"), session.envelope.rcptTo.map((r) => r.address.toLowerCase()));
        received.push(mail);
        for (const w of waiting.filter((w) => mail.to.includes(w.to))) {
          waiting.splice(waiting.indexOf(w), 1);
          w.resolve(mail);
        }
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    /** All messages received so far for this address. */
    to: (address: string) => received.filter((m) => m.to.includes(address.toLowerCase())),
    /** The next message for this address (or one already received), within a few seconds. */
    next(address: string, timeoutMs = 10_000): Promise<ReceivedMail> {
      const already = received.find((m) => m.to.includes(address.toLowerCase()));
      if (already) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        waiting.push({ to: address.toLowerCase(), resolve });
        setTimeout(() => reject(new Error(`no message for ${address} within ${timeoutMs} ms`)), timeoutMs).unref();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The one link of a message to this path (e.g. /activate/), or a failure naming what arrived. */
export function linkIn(mail: ReceivedMail, path: string): string {
  const match = new RegExp(`https?://[^\\s]+${path}[A-Za-z0-9_-]+`).exec(mail.text);
  if (!match) throw new Error(`no ${path} link in: ${mail.text}`);
  return match[0];
}

export const tokenOf = (link: string) => link.slice(link.lastIndexOf("/") + 1);
