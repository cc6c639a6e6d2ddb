import { expect, test } from "@playwright/test";
import { signIn } from "./support/auth";

// Issue 11, items 1 and 7: retention periods with their dry run, and the scheduled jobs' history.

test("an admin sees each period with its dry run, is told the bounds of a wrong one, and saves a right one", async ({ page }) => {
  await signIn(page, "admin@custodia.test");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Retention" }).click();
  await expect(page.getByRole("heading", { name: "Retention", level: 1 })).toBeVisible();
  await expect(page.getByRole("columnheader", { name: "Due now" })).toBeVisible();
  const form = page.getByRole("form", { name: "Retention period: Failed sign-in counters" });
  const days = form.getByLabel("Keep for (days)");
  await expect(days).toHaveValue("30");

  await days.fill("0");
  await form.getByRole("button", { name: "Save" }).click();
  await expect(form.getByText("Failed sign-in counters: keep them between 1 and 365 days")).toBeVisible();
  await expect(days).toHaveValue("0");

  await days.fill("45");
  await form.getByRole("button", { name: "Save" }).click();
  await expect(form.getByText("Retention period saved.")).toBeVisible();
  await page.reload();
  await expect(page.getByRole("form", { name: "Retention period: Failed sign-in counters" }).getByLabel("Keep for (days)")).toHaveValue("45");
  // Back to the default, for the specs that follow on this database.
  const again = page.getByRole("form", { name: "Retention period: Failed sign-in counters" });
  await again.getByLabel("Keep for (days)").fill("30");
  await again.getByRole("button", { name: "Save" }).click();
  await expect(again.getByText("Retention period saved.")).toBeVisible();
});

for (const [account, path] of [["admin@custodia.test", "/admin/jobs"], ["auditor1@custodia.test", "/auditor/jobs"]] as const) {
  test(`${account.split("@")[0]} sees the scheduled jobs`, async ({ page }) => {
    await signIn(page, account);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Jobs" }).click();
    await expect(page).toHaveURL(new RegExp(`${path}$`));
    await expect(page.getByRole("heading", { name: "Scheduled jobs", level: 1 })).toBeVisible();
    for (const job of ["erasure-processing", "retention-purge", "audit-verify"]) await expect(page.getByRole("cell", { name: job })).toBeVisible();
    await expect(page.getByRole("table", { name: "Recent job runs, newest first" }).or(page.getByText("No job has run yet."))).toBeVisible();
  });
}
