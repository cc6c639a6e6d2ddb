import "server-only";
import { mkdir, writeFile } from "node:fs/promises";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import nodemailer from "nodemailer";
import { config, isProduction } from "@/lib/config";
import { smtpTransportOptions } from "./transport";

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/** How a message left: by SMTP, into the development outbox, or not at all (production without SMTP_URL). */
export type Delivery = { via: "smtp" } | { via: "outbox"; id: string } | { via: "none"; reason: string };

export const NO_MAIL_IN_PRODUCTION = "E-mail is not set up on this server (SMTP_URL is not set), so no message was sent.";

/** Whether sendMail can deliver a message (SMTP, or the development outbox); false in production without SMTP_URL. */
export function mailCanBeSent(): boolean {
  return Boolean(config().smtpUrl) || !isProduction();
}

export function outboxDir(): string {
  return join(config().dataDir, "outbox");
}

/**
 * Sends one message. SMTP_URL set: through that server (TLS as its URL says; required in production, see
 * transport.ts). Unset outside production: written
 * as .eml (the message as a mail server would receive it) and .json (for the mailbox page) into the outbox, so
 * the demo works with no mail server. Unset in production: nothing is sent and the caller is told why; a
 * production install never writes links to disk.
 */
export async function sendMail(message: MailMessage): Promise<Delivery> {
  const { smtpUrl, mailFrom } = config();
  // Base64 body: a link is never split by quoted-printable soft line breaks in the raw message.
  const mail = { from: mailFrom, to: message.to, subject: message.subject, text: message.text, textEncoding: "base64" as const };
  if (smtpUrl) {
    await nodemailer.createTransport(smtpTransportOptions(smtpUrl, isProduction())).sendMail(mail);
    return { via: "smtp" };
  }
  if (!mailCanBeSent()) return { via: "none", reason: NO_MAIL_IN_PRODUCTION };
  const info = await nodemailer.createTransport({ streamTransport: true, buffer: true }).sendMail(mail);
  const id = `${new Date().toISOString().replace(/[:.]/g, "-")}-${randomUUID().slice(0, 8)}`;
  await mkdir(outboxDir(), { recursive: true, mode: 0o700 });
  await writeFile(join(outboxDir(), `${id}.eml`), info.message as Buffer, { mode: 0o600 });
  const record: OutboxMessage = { id, ...message, sentAt: new Date().toISOString() };
  await writeFile(join(outboxDir(), `${id}.json`), JSON.stringify(record, null, 2), { mode: 0o600 });
  return { via: "outbox", id };
}

export interface OutboxMessage extends MailMessage {
  id: string;
  sentAt: string;
}
