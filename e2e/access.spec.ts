import { expect, test } from "@playwright/test";
import { signIn } from "./support/auth";
import { auditEventsSince, lastAuditSeq, query } from "./support/db";

const homes = ["/patient", "/clinician", "/auditor", "/admin"];
const cases = [
  { email: "patient04@custodia.test", own: "/patient" },
  { email: "clinician2@custodia.test", own: "/clinician" },
  { email: "auditor2@custodia.test", own: "/auditor" },
  { email: "admin@custodia.test", own: "/admin" },
];

for (const { email, own } of cases) {
  test(`${email} is refused the other roles' pages with 403, and each refusal is recorded`, async ({ page }) => {
    await signIn(page, email);
    const [user] = await query<{ id: string }>(
      "SELECT u.id::text FROM app_user u JOIN audit_event a ON a.actor_id = u.id WHERE a.action = 'auth.sign_in' AND a.outcome = 'allowed' ORDER BY a.seq DESC LIMIT 1",
    );
    for (const path of homes.filter((h) => h !== own)) {
      const since = await lastAuditSeq();
      const response = await page.goto(path);
      expect(response?.status(), path).toBe(403);
      await expect(page.getByRole("heading", { name: /Not allowed/ })).toBeVisible();
      const denials = (await auditEventsSince(since)).filter((e) => e.action === "access.denied");
      expect(denials, path).toHaveLength(1);
      expect(denials[0]).toMatchObject({ outcome: "denied", actor_id: user!.id, details: { path, permission: `area.${path.slice(1)}` } });
    }
    const response = await page.goto(own);
    expect(response?.status()).toBe(200);
  });
}

test("an anonymous visitor is sent to sign in, not shown a page", async ({ page }) => {
  await page.goto("/clinician");
  await expect(page).toHaveURL(/\/staff\/sign-in\?reason=missing/);
  await page.goto("/patient");
  await expect(page).toHaveURL(/\/sign-in\?reason=missing/);
});
