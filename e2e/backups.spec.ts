import { expect, test } from "@playwright/test";
import { signIn } from "./support/auth";
import { auditEventsSince, lastAuditSeq } from "./support/db";

// Issue 12: an administrator sees the backups, the last drill and its outcome, and runs a drill. On both
// databases: on the embedded one the backup is the logical dump of decision 0017 and the drill restores it into
// a scratch embedded database.
test("an admin backs up, sees the backup listed, runs a drill and sees it passed", async ({ page }) => {
  test.setTimeout(240_000);
  await signIn(page, "admin@custodia.test");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Backups" }).click();
  await expect(page).toHaveURL(/\/admin\/backups$/);
  await expect(page.getByRole("heading", { name: "Backups", level: 1 })).toBeVisible();

  await page.getByRole("button", { name: "Back up now" }).click();
  await expect(page.getByText(/^Backup \d{8}T\d{6}Z-[0-9a-f]{6} written\.$/)).toBeVisible({ timeout: 60_000 });
  const table = page.getByRole("table", { name: "Backups, newest first" });
  await expect(table.getByRole("row")).toHaveCount(2);
  for (const header of ["Taken", "Size", "Key id", "Audit chain head", "Data keys"]) await expect(table.getByRole("columnheader", { name: header })).toBeVisible();
  await expect(table.getByRole("cell", { name: "Kept" })).toBeVisible();

  await page.getByRole("button", { name: "Run a drill" }).click();
  await expect(page.getByText(/^Drill of backup \S+ passed: \d+ checks\.$/)).toBeVisible({ timeout: 120_000 });
  await page.reload();
  await expect(page.getByText("Passed", { exact: true })).toBeVisible();

  // Fits a phone: nothing wider than the screen but the table's own scroller.
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});

test("a clinician is refused the backups page with 403, and the refusal is recorded", async ({ page }) => {
  await signIn(page, "clinician1@custodia.test");
  const since = await lastAuditSeq();
  const response = await page.goto("/admin/backups");
  expect(response?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: /Not allowed/ })).toBeVisible();
  await expect(page.getByRole("button", { name: "Run a drill" })).toHaveCount(0);
  const denials = (await auditEventsSince(since)).filter((e) => e.action === "access.denied");
  expect(denials).toHaveLength(1);
  expect(denials[0]).toMatchObject({ outcome: "denied", details: { path: "/admin/backups", permission: "area.admin" } });
});
