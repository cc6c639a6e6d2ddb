import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./support/auth";

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id);
}

test("sign-in pages have no serious accessibility violations", async ({ page }) => {
  for (const path of ["/sign-in", "/staff/sign-in"]) {
    await page.goto(path);
    expect(await seriousViolations(page), path).toEqual([]);
  }
});

test("role home pages have no serious accessibility violations", async ({ page }) => {
  await signIn(page, "patient10@custodia.test");
  expect(await seriousViolations(page)).toEqual([]);
});
