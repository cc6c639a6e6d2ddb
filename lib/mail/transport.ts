import type SMTPTransport from "nodemailer/lib/smtp-transport";

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

/**
 * Activation and reset links are bearer credentials. In production an smtp:// relay must upgrade to TLS with
 * STARTTLS (nodemailer's requireTLS: no clear-text fallback when someone on the path strips the offer), except
 * a relay on this host's loopback, where no network is crossed; smtps:// is TLS from the start. Certificates
 * are checked as nodemailer does by default.
 */
export function smtpTransportOptions(smtpUrl: string, production: boolean): SMTPTransport.Options {
  const url = new URL(smtpUrl);
  const secure = url.protocol === "smtps:";
  // Built from the URL here: nodemailer ignores every other option when it is handed a `url`.
  return {
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    requireTLS: production && !secure && !LOOPBACK.test(url.hostname),
  };
}
