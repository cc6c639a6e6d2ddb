import { expect, test } from "@playwright/test";
import { generate } from "otplib";
import { demoTotpSecret } from "../lib/demo/accounts";
import { freshTotp, submitPassword, pageAlert } from "./support/auth";

test("a new clinician must enrol TOTP on first sign-in and gets recovery codes once", async ({ page }) => {
  await submitPassword(page, "newhire@custodia.test");
  await expect(page).toHaveURL(/\/mfa\/enroll$/);
  // Staff pages stay closed until enrolment is done.
  await page.goto("/clinician");
  await expect(page).toHaveURL(/\/mfa\/enroll$/);
  await expect(page.getByRole("img", { name: /QR code/ })).toBeVisible();
  const secret = (await page.getByTestId("totp-secret").innerText()).trim();

  await page.getByLabel("Code from your app").fill("000000");
  await page.getByRole("button", { name: "Turn on two-step verification" }).click();
  await expect(pageAlert(page)).toContainText("does not match");

  await page.getByLabel("Code from your app").fill(await freshTotp(secret));
  await page.getByRole("button", { name: "Turn on two-step verification" }).click();
  const codes = page.getByRole("list", { name: "Recovery codes" }).getByRole("listitem");
  await expect(codes).toHaveCount(10);
  const recovery = (await codes.first().innerText()).trim();
  await page.getByRole("link", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/clinician$/);

  // A recovery code works once.
  await page.getByRole("button", { name: "Sign out" }).click();
  for (const expected of ["ok", "refused"]) {
    await submitPassword(page, "newhire@custodia.test");
    await expect(page).toHaveURL(/\/mfa$/);
    await page.getByLabel("Authentication code").fill(recovery);
    await page.getByRole("button", { name: "Verify" }).click();
    if (expected === "ok") {
      await expect(page).toHaveURL(/\/clinician$/);
      await page.getByRole("button", { name: "Sign out" }).click();
    } else {
      await expect(pageAlert(page)).toContainText("not valid");
    }
  }
});

test("a TOTP code that was already used is refused", async ({ page, browser }) => {
  const email = "clinician5@custodia.test";
  const code = await freshTotp(demoTotpSecret(email));
  await submitPassword(page, email);
  await page.getByLabel("Authentication code").fill(code);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page).toHaveURL(/\/clinician$/);

  const other = await browser.newPage();
  await submitPassword(other, email);
  await other.getByLabel("Authentication code").fill(code);
  await other.getByRole("button", { name: "Verify" }).click();
  await expect(pageAlert(other)).toContainText("not valid");
  await expect(other).toHaveURL(/\/mfa$/);
  await other.close();
});

test("a wrong TOTP code is refused", async ({ page }) => {
  const email = "clinician4@custodia.test";
  const real = await generate({ secret: demoTotpSecret(email) });
  await submitPassword(page, email);
  await page.getByLabel("Authentication code").fill(real === "123456" ? "654321" : "123456");
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(pageAlert(page)).toContainText("not valid");
});
