import { expect, type Page } from "@playwright/test";
import { generate } from "otplib";
import { DEMO_PASSWORD, demoAccount } from "../../lib/demo/accounts";

// A TOTP time step is accepted once per account; remember what we used so the next sign-in waits for a new one.
const usedSteps = new Map<string, number>();

export async function freshTotp(secret: string): Promise<string> {
  for (;;) {
    const step = Math.floor(Date.now() / 30_000);
    const last = usedSteps.get(secret) ?? -1;
    if (step > last) {
      usedSteps.set(secret, step);
      return generate({ secret, epoch: step * 30 });
    }
    await new Promise((r) => setTimeout(r, (step + 1) * 30_000 - Date.now() + 200));
  }
}

export function isStaff(email: string): boolean {
  return demoAccount(email)?.role !== "patient";
}

export async function submitPassword(page: Page, email: string, password = DEMO_PASSWORD, portal?: "patient" | "staff") {
  const where = portal ?? (isStaff(email) ? "staff" : "patient");
  await page.goto(where === "staff" ? "/staff/sign-in" : "/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Password, then TOTP when the account has it; ends on the role's home page. */
export async function signIn(page: Page, email: string) {
  const account = demoAccount(email);
  if (!account) throw new Error(`not a demo account: ${email}`);
  await submitPassword(page, email);
  if (account.totpSecret) {
    await expect(page).toHaveURL(/\/mfa$/);
    await page.getByLabel("Authentication code").fill(await freshTotp(account.totpSecret));
    await page.getByRole("button", { name: "Verify" }).click();
  }
  await expect(page).toHaveURL(new RegExp(`/${account.role}$`));
}

export async function signOut(page: Page) {
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in\?reason=signed-out/);
}

/** The page's own alert: Next's route announcer also has role "alert" but is empty or holds the title. */
export function pageAlert(page: Page) {
  return page.locator("main [role=alert], form [role=alert]").first();
}
