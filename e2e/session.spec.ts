import { expect, test } from "@playwright/test";
import { signIn, signOut, pageAlert } from "./support/auth";
import { auditEventsSince, lastAuditSeq } from "./support/db";
import { idleServer } from "./support/settings";

test("after sign-out, replaying the old session cookie is refused", async ({ page, browser }) => {
  await signIn(page, "patient05@custodia.test");
  const stolen = await page.context().cookies();
  expect(stolen.some((c) => c.name.includes("authjs.session-token"))).toBe(true);
  await signOut(page);

  const attacker = await browser.newContext();
  await attacker.addCookies(stolen);
  const replay = await attacker.newPage();
  await replay.goto("/patient");
  await expect(replay).toHaveURL(/\/sign-in\?reason=revoked/);
  await attacker.close();
});

test("an idle session times out on the server", async ({ page }) => {
  // The second e2e server runs with SESSION_IDLE_SECONDS=4.
  await page.goto(`${idleServer()}/sign-in`);
  await page.getByLabel("Email").fill("patient06@custodia.test");
  await page.getByLabel("Password").fill("Custodia-demo-2026");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(`${idleServer()}/patient`);
  const since = await lastAuditSeq();
  await page.waitForTimeout(5_500);
  await page.goto(`${idleServer()}/patient`);
  await expect(page).toHaveURL(/\/sign-in\?reason=idle/);
  await expect(page.getByText("signed out after a period of inactivity")).toBeVisible();
  expect((await auditEventsSince(since)).map((e) => e.action)).toContain("auth.session_timeout");
});

test("a patient cannot sign in through the staff sign-in", async ({ page }) => {
  const since = await lastAuditSeq();
  await page.goto("/staff/sign-in");
  await page.getByLabel("Email").fill("patient07@custodia.test");
  await page.getByLabel("Password").fill("Custodia-demo-2026");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(pageAlert(page)).toContainText("cannot sign in here");
  await page.goto("/clinician");
  await expect(page).toHaveURL(/\/staff\/sign-in\?reason=missing/);
  const refusals = (await auditEventsSince(since)).filter((e) => e.action === "auth.sign_in");
  expect(refusals).toHaveLength(1);
  expect(refusals[0]).toMatchObject({ outcome: "denied", details: { reason: "wrong-portal" } });
});

test("staff cannot sign in through the patient sign-in", async ({ page }) => {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill("clinician3@custodia.test");
  await page.getByLabel("Password").fill("Custodia-demo-2026");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(pageAlert(page)).toContainText("cannot sign in here");
});

test("signing out ends the session and shows the sign-in page", async ({ page }) => {
  await signIn(page, "patient08@custodia.test");
  await signOut(page);
  await page.goto("/patient");
  await expect(page).toHaveURL(/\/sign-in\?reason=/);
});
