import { expect, test } from "@playwright/test";
import { submitPassword, pageAlert } from "./support/auth";
import { auditEventsSince, lastAuditSeq } from "./support/db";

test("five wrong passwords lock the account, even against the right password", async ({ page }) => {
  const email = "patient50@custodia.test";
  const since = await lastAuditSeq();
  for (let i = 0; i < 4; i++) {
    await submitPassword(page, email, `wrong-password-${i}`);
    await expect(pageAlert(page)).toHaveText("The email or password is incorrect.");
  }
  await submitPassword(page, email, "wrong-password-final");
  await expect(pageAlert(page)).toContainText("Too many failed attempts");
  await submitPassword(page, email);
  await expect(pageAlert(page)).toContainText("Too many failed attempts");
  await expect(page).toHaveURL(/\/sign-in$/);
  const events = await auditEventsSince(since);
  expect(events.filter((e) => e.action === "auth.lockout")).toHaveLength(1);
  expect(events.filter((e) => e.action === "auth.sign_in" && e.outcome === "allowed")).toHaveLength(0);
});
