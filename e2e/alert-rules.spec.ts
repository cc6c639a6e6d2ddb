import { execFile } from "node:child_process";
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { promisify } from "node:util";
import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { pageAlert, signIn, submitPassword } from "./support/auth";
import { e2eDatabaseUrl, lastAuditSeq, query } from "./support/db";

const SECRET = "e2e-siem-secret-at-least-32-characters-long";

test("a failed sign-in burst becomes an alert: the auditor sees its severity, its evidence and its SIEM delivery", async ({ page }) => {
  const email = "patient46@custodia.test";
  const since = await lastAuditSeq();
  for (let i = 0; i < 3; i++) {
    await submitPassword(page, email, `wrong-password-${i}`);
    await expect(pageAlert(page)).toHaveText("The email or password is incorrect.");
  }

  // The SIEM: accepts only a valid signature over timestamp and body.
  const received: { id: string; rule: string }[] = [];
  const siem = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const expected = Buffer.from(`sha256=${createHmac("sha256", SECRET).update(`${req.headers["x-custodia-timestamp"]}.${body}`).digest("hex")}`);
      const given = Buffer.from(String(req.headers["x-custodia-signature"] ?? ""));
      const valid = given.length === expected.length && timingSafeEqual(given, expected);
      if (valid) received.push(JSON.parse(body));
      res.writeHead(valid ? 200 : 401).end();
    });
  });
  await new Promise<void>((resolve) => siem.listen(0, "127.0.0.1", resolve));
  try {
    // One pass of the jobs the runner schedules every minute, against the portal's database and keys.
    // Not execFileSync: the receiver lives in this process and must answer while the job runs.
    await promisify(execFile)("npm", ["run", "-s", "alerts:run"], {
      env: {
        ...process.env, CUSTODIA_ENV: "test", DATABASE_URL: e2eDatabaseUrl(), ALERT_FAILED_SIGN_INS_PER_ACCOUNT: "3",
        SIEM_WEBHOOK_URL: `http://127.0.0.1:${(siem.address() as { port: number }).port}/alerts`, SIEM_WEBHOOK_SECRET: SECRET,
      },
    });
  } finally {
    await new Promise((resolve) => siem.close(resolve));
  }
  const [alert] = await query<{ id: string; actor_id: string; evidence: string[] }>(
    `SELECT a.id, a.actor_id::text, a.evidence::text[] FROM alert a WHERE a.rule = 'failed-sign-ins-account' AND a.actor_id =
       (SELECT actor_id FROM audit_event WHERE seq > $1 AND action = 'auth.sign_in' AND outcome = 'denied' LIMIT 1)`,
    [since],
  );
  expect(alert?.evidence).toHaveLength(3);
  expect(received.filter((r) => r.id === alert!.id)).toEqual([expect.objectContaining({ rule: "failed-sign-ins-account" })]);

  await signIn(page, "auditor1@custodia.test");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Alerts", exact: true }).click();
  const row = page.getByRole("row").filter({ hasText: "Failed sign-ins" }).filter({ hasText: alert!.actor_id.slice(0, 8) });
  await expect(row).toContainText("medium");
  await expect(row).toContainText("webhook: delivered");
  // With the evidence and delivery columns filled: no serious axe violation, and no wider than a 390 px phone.
  const axe = await new AxeBuilder({ page }).analyze();
  expect(axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id)).toEqual([]);
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await page.evaluate(() => document.scrollingElement!.scrollWidth)).toBeLessThanOrEqual(390);
  await row.getByRole("link", { name: `event ${alert!.evidence[0]}` }).click();
  await expect(page.getByRole("heading", { name: `Event ${alert!.evidence[0]}` })).toBeVisible();
  await expect(page.getByText("auth.sign_in")).toBeVisible();
});
