import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { navigation } from "../components/shell/navigation";
import { signIn } from "./support/auth";

// Issue 13, item 1: on a phone no page is wider than the screen and the whole menu stays reachable.
test.use({ viewport: { width: 390, height: 844 } });
// Each test walks every page of a role with an axe scan per page: more pages than one default timeout allows.
test.describe.configure({ timeout: 180_000 });

async function expectNoHorizontalOverflow(page: Page, path: string) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.scrollingElement!.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  expect(scrollWidth, `${path} is ${scrollWidth}px wide on a ${innerWidth}px screen`).toBeLessThanOrEqual(innerWidth);
}

async function expectNoSeriousAxeViolations(page: Page, path: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id);
  expect(serious, path).toEqual([]);
}

/** Each page: fits the screen, passes axe, and leaves a screenshot in test-results/ (git-ignored) to look at. */
async function visitAll(page: Page, paths: string[]) {
  for (const path of paths) {
    await page.goto(path);
    await expect(page.locator("h1").first()).toBeVisible();
    await expectNoHorizontalOverflow(page, path);
    await expectNoSeriousAxeViolations(page, path);
    const name = path.replace(/^\//, "").replace(/\//g, "-") || "home";
    await page.screenshot({ path: `test-results/screenshots/phone/${name}.png`, fullPage: true });
  }
}

/** The menu is collapsed behind one button; opened by keyboard it shows every link and sign-out. */
async function expectMenuReachable(page: Page, labels: string[]) {
  const menu = page.getByRole("navigation", { name: "Main" });
  for (const label of labels) await expect(menu.getByRole("link", { name: label, exact: true })).toBeHidden();
  await menu.getByText("Menu").focus();
  await page.keyboard.press("Enter");
  for (const label of labels) await expect(menu.getByRole("link", { name: label, exact: true })).toBeVisible();
  await expect(menu.getByRole("button", { name: "Sign out" })).toBeVisible();
  await expectNoHorizontalOverflow(page, "open menu");
  await menu.getByRole("link", { name: labels.at(-1)!, exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`${navigation[roleOf(page)].at(-1)!.href}$`));
  await expect(menu.getByRole("link", { name: labels[0], exact: true })).toBeHidden();
}

function roleOf(page: Page): keyof typeof navigation {
  return new URL(page.url()).pathname.split("/")[1] as keyof typeof navigation;
}

const labels = (role: keyof typeof navigation) => navigation[role].map((n) => n.label);
const paths = (role: keyof typeof navigation) => navigation[role].map((n) => n.href);

test("sign-in pages fit a phone", async ({ page }) => {
  await visitAll(page, ["/sign-in", "/staff/sign-in", "/activate/patient/not-a-real-link"]);
});

test("patient pages fit a phone and the menu reaches every page", async ({ page }) => {
  await signIn(page, "patient05@custodia.test");
  await expectMenuReachable(page, labels("patient"));
  await visitAll(page, [...paths("patient"), "/patient/security"]);
});

test("clinician pages fit a phone, the chart included", async ({ page }) => {
  await signIn(page, "clinician2@custodia.test");
  await expectMenuReachable(page, labels("clinician"));
  await visitAll(page, paths("clinician"));
  await page.goto("/clinician");
  await page.getByRole("table", { name: "Patients of my care teams" }).getByRole("link").first().click();
  await expect(page).toHaveURL(/\/clinician\/patients\//);
  await expectNoHorizontalOverflow(page, "chart");
  await expectNoSeriousAxeViolations(page, "chart");
});

test("auditor pages fit a phone; events show patient and outcome", async ({ page }) => {
  // Six menu pages (processors and data map included) and an event, each checked by axe.
  test.setTimeout(120_000);
  await signIn(page, "auditor2@custodia.test");
  await expectMenuReachable(page, labels("auditor"));
  await visitAll(page, [...paths("auditor"), "/auditor/incidents/new"]);
  await page.goto("/auditor/events");
  const firstRow = page.getByRole("table", { name: /Audit events/ }).getByRole("row").nth(1);
  for (const column of ["Patient", "Outcome"]) await expect(firstRow.locator(`[data-label="${column}"]`)).toBeVisible();
  await firstRow.getByRole("link").click();
  await expect(page.getByRole("heading", { name: /Event \d+/ })).toBeVisible();
  await expectNoHorizontalOverflow(page, "event detail");
  await expectNoSeriousAxeViolations(page, "event detail");
});

test("admin pages fit a phone", async ({ page }) => {
  // Six menu pages (processors and data map included), each checked by axe.
  test.setTimeout(120_000);
  await signIn(page, "admin@custodia.test");
  await expectMenuReachable(page, labels("admin"));
  await visitAll(page, [...paths("admin"), "/admin/incidents/new"]);
});
