import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { signIn, submitPassword } from "./support/auth";
import { query } from "./support/db";

// Nurse Nia North in the demo seed; put back as she was at the end, since the e2e servers share one database.
const clinician = "clinician3@custodia.test";
const clinicianName = "Nurse Nia North";

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id);
}

function staffCard(admin: Page) {
  return admin.getByRole("region", { name: clinicianName });
}

test("disabling an account, changing its role or resetting its MFA stops the open session on its very next request", async ({ page: admin, browser }) => {
  // She signs in three times and each sign-in waits for a fresh 30 s TOTP step.
  test.setTimeout(180_000);
  const clinicianContext = await browser.newContext();
  const nurse = await clinicianContext.newPage();

  await signIn(admin, "admin@custodia.test");
  await admin.getByRole("link", { name: "Staff" }).click();
  await expect(admin.getByRole("heading", { name: "Staff accounts" })).toBeVisible();
  expect(await seriousViolations(admin)).toEqual([]);

  await test.step("disable: the clinician's next click lands on the sign-in page", async () => {
    await signIn(nurse, clinician);
    await staffCard(admin).getByRole("button", { name: "Disable account" }).click();
    await expect(staffCard(admin).getByRole("button", { name: "Re-enable account" })).toBeVisible();
    await nurse.getByRole("link", { name: "Break-glass" }).click();
    await expect(nurse).toHaveURL(/\/staff\/sign-in\?reason=user-changed/);
    await staffCard(admin).getByRole("button", { name: "Re-enable account" }).click();
    await expect(staffCard(admin).getByRole("button", { name: "Disable account" })).toBeVisible();
  });

  await test.step("role change: the same, and the auditors get an alert", async () => {
    await signIn(nurse, clinician);
    await staffCard(admin).getByLabel("Role", { exact: true }).selectOption("auditor");
    await staffCard(admin).getByRole("button", { name: "Change role" }).click();
    await expect(staffCard(admin).getByRole("definition").filter({ hasText: /^Auditor$/ })).toBeVisible();
    await nurse.getByRole("link", { name: "My patients" }).click();
    await expect(nurse).toHaveURL(/\/staff\/sign-in\?reason=user-changed/);
    const alerts = await query<{ details: { after: string } }>("SELECT details FROM alert WHERE kind = 'privilege_change' AND details->>'change' = 'role'");
    expect(alerts.map((a) => a.details.after)).toContain("auditor");
    await staffCard(admin).getByLabel("Role", { exact: true }).selectOption("clinician");
    await staffCard(admin).getByRole("button", { name: "Change role" }).click();
    await expect(staffCard(admin).getByRole("definition").filter({ hasText: /^Clinician$/ })).toBeVisible();
  });

  await test.step("MFA reset: the same, and her next sign-in enrols a new authenticator", async () => {
    const card = staffCard(admin);
    const userId = await card.locator("input[name=userId]").first().getAttribute("value");
    const [saved] = await query<{ mfa_secret_enc: string; mfa_enrolled_at: Date }>("SELECT mfa_secret_enc, mfa_enrolled_at FROM app_user WHERE id = $1", [userId]);
    await signIn(nurse, clinician);
    await card.getByText("Reset two-step verification").click();
    await card.getByLabel("Reason (recorded in the audit log)").fill("Lost her phone; identity checked at the desk");
    await card.getByRole("button", { name: "Reset and end their sessions" }).click();
    await expect(card.getByRole("definition").filter({ hasText: /^Not set up/ })).toBeVisible();
    await nurse.getByRole("link", { name: "My patients" }).click();
    await expect(nurse).toHaveURL(/\/staff\/sign-in\?reason=user-changed/);
    await submitPassword(nurse, clinician);
    await expect(nurse).toHaveURL(/\/mfa\/enroll$/);
    // Her demo authenticator back, as the seed made it (the ciphertext is bound to her row, so it still opens).
    await query("UPDATE app_user SET mfa_secret_enc = $1, mfa_enrolled_at = $2, mfa_pending_secret_enc = NULL WHERE id = $3", [
      saved!.mfa_secret_enc,
      saved!.mfa_enrolled_at,
      userId,
    ]);
  });

  await test.step("an administrator is offered no change to their own account", async () => {
    await expect(admin.getByRole("region", { name: "Ada Admin" }).getByRole("button")).toHaveCount(0);
  });
  await clinicianContext.close();
});

test("every signed-in user reaches their sessions and password from the menu", async ({ page }) => {
  await signIn(page, "patient09@custodia.test");
  await page.getByRole("link", { name: "Account" }).click();
  await expect(page.getByRole("heading", { name: "Account and security" })).toBeVisible();
  await expect(page.getByRole("cell", { name: /This device/ })).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByLabel("Current password").fill("Custodia-demo-2026");
  await page.getByLabel("New password", { exact: true }).fill("qwerty123456");
  await page.getByLabel("New password again").fill("qwerty123456");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("breached or common").first()).toBeVisible();
});
