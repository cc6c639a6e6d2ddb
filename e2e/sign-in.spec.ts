import { expect, test } from "@playwright/test";
import { signIn, signOut, pageAlert } from "./support/auth";
import { auditEventsSince, lastAuditSeq } from "./support/db";

const accounts = [
  { email: "admin@custodia.test", home: "/admin" },
  { email: "auditor1@custodia.test", home: "/auditor" },
  { email: "clinician1@custodia.test", home: "/clinician" },
  { email: "patient01@custodia.test", home: "/patient" },
];

for (const { email, home } of accounts) {
  test(`${email} signs in with password and TOTP and lands on ${home}`, async ({ page }) => {
    const since = await lastAuditSeq();
    await signIn(page, email);
    await expect(page).toHaveURL(new RegExp(`${home}$`));
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Welcome");
    await expect(page.getByText("this session")).toBeVisible();
    const actions = (await auditEventsSince(since)).map((e) => `${e.action}:${e.outcome}`);
    expect(actions).toEqual(expect.arrayContaining(["auth.sign_in:allowed", "auth.mfa:allowed"]));
    await signOut(page);
  });
}

test("a patient without TOTP signs in with the password alone", async ({ page }) => {
  await signIn(page, "patient02@custodia.test");
  await expect(page.getByText("Two-step verification:")).toContainText("off");
});

test("unknown account and wrong password get the same answer", async ({ page }) => {
  const message = async (email: string) => {
    await page.goto("/sign-in");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    return pageAlert(page).innerText();
  };
  expect(await message("nobody@custodia.test")).toBe(await message("patient03@custodia.test"));
});

test("invalid input is refused in the browser before anything is sent", async ({ page }) => {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill("not-an-email");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Enter a valid email address")).toBeVisible();
  await expect(page).toHaveURL(/\/sign-in$/);
});

test.describe("submitted before the page's JavaScript has loaded", () => {
  test.use({ javaScriptEnabled: false });

  test("a password typed into sign-in never lands in the address (every browser-handled form posts: eslint.config.mjs)", async ({ page }) => {
    const sent: { method: string; url: string }[] = [];
    page.on("request", (r) => {
      if (r.isNavigationRequest()) sent.push({ method: r.method(), url: r.url() });
    });
    await page.goto("/sign-in");
    await page.getByLabel("Email").fill("patient03@custodia.test");
    await page.getByLabel("Password").fill("secret-typed-before-hydration");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForLoadState();
    expect(sent.at(-1)).toMatchObject({ method: "POST" });
    for (const request of sent) expect(request.url).not.toContain("secret-typed-before-hydration");
    expect(page.url()).not.toContain("secret-typed");
  });
});
