import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSmtpServer } from "@/tests/helpers/smtp";
import { smtpTransportOptions } from "./transport";

describe("the mail relay's transport", () => {
  it("in production requires STARTTLS from a relay across the network; loopback, smtps:// and development do not", () => {
    expect(smtpTransportOptions("smtp://relay.example.org:587", true).requireTLS).toBe(true);
    expect(smtpTransportOptions("smtp://user:pass@10.0.0.5:25", true).requireTLS).toBe(true);
    expect(smtpTransportOptions("smtps://relay.example.org:465", true).requireTLS).toBe(false);
    expect(smtpTransportOptions("smtp://127.0.0.1:25", true).requireTLS).toBe(false);
    expect(smtpTransportOptions("smtp://localhost:25", true).requireTLS).toBe(false);
    expect(smtpTransportOptions("smtp://relay.example.org:587", false).requireTLS).toBe(false);
    expect(smtpTransportOptions("smtp://portal%40h.org:p%3Ass@relay.example.org", true)).toEqual({
      host: "relay.example.org", port: 587, secure: false, auth: { user: "portal@h.org", pass: "p:ss" }, requireTLS: true,
    });
  });

  describe("against a real relay that offers no STARTTLS", () => {
    let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
    beforeAll(async () => {
      smtp = await startSmtpServer();
    });
    afterAll(async () => {
      await smtp.close();
    });

    it("requireTLS refuses to hand over the message in clear text, and nothing arrives", async () => {
      const options = { ...smtpTransportOptions(smtp.url, true), requireTLS: true };
      const sent = nodemailer.createTransport(options).sendMail({ from: "a@example.org", to: "b@example.org", subject: "link", text: "https://x/activate/secret" });
      await expect(sent).rejects.toThrow(/STARTTLS/);
      expect(smtp.received).toEqual([]);
    });
  });
});
