import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { navigation } from "../components/shell/navigation";
import { signIn } from "./support/auth";

// Issue 13 "done when": axe at both sizes on every page (phone-layout.spec.ts walks 390 px), and screenshots of
// each role's pages at 1280×800 in test-results/screenshots/desktop (git-ignored) for anyone to look at.
test.use({ viewport: { width: 1280, height: 800 } });
// Generous: axe per page is slow on a shared CI machine (a loaded 2-core box took over 3 minutes for one role).
test.describe.configure({ timeout: 600_000 });

async function check(page: Page, name: string) {
  await expect(page.locator("h1").first()).toBeVisible();
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.nodes[0]?.target}`);
  expect(serious, name).toEqual([]);
  await page.screenshot({ path: `test-results/screenshots/desktop/${name}.png`, fullPage: true });
}

async function visitAll(page: Page, paths: string[]) {
  for (const path of paths) {
    await page.goto(path);
    await check(page, path.replace(/^\//, "").replace(/\//g, "-") || "home");
  }
}

/** A nested page says where it is, and its first crumb leads back up. */
async function expectBreadcrumbs(page: Page, up: string, current: string | RegExp) {
  const trail = page.getByRole("navigation", { name: "Breadcrumb" });
  await expect(trail.getByRole("link", { name: up, exact: true })).toBeVisible();
  await expect(trail.locator('[aria-current="page"]')).toHaveText(current);
}

const paths = (role: keyof typeof navigation) => navigation[role].map((n) => n.href);

test("sign-in pages pass axe at desktop width", async ({ page }) => {
  await visitAll(page, ["/sign-in", "/staff/sign-in", "/forgot-password", "/activate/patient/not-a-real-link"]);
});

test("patient pages pass axe at desktop width", async ({ page }) => {
  await signIn(page, "patient20@custodia.test");
  await visitAll(page, [...paths("patient"), "/patient/security"]);
});

test("clinician pages pass axe at desktop width; the chart and an amendment have breadcrumbs", async ({ page }) => {
  await signIn(page, "clinician2@custodia.test");
  await visitAll(page, paths("clinician"));
  await page.goto("/clinician");
  await page.getByRole("table", { name: "Patients of my care teams" }).getByRole("link").first().click();
  await expect(page).toHaveURL(/\/clinician\/patients\//);
  const name = (await page.locator("h1").first().innerText()).trim();
  await expectBreadcrumbs(page, "My patients", name);
  await check(page, "clinician-chart");
  const amend = page.getByRole("link", { name: /^Amend/ }).first();
  if (await amend.count()) {
    await amend.click();
    await expectBreadcrumbs(page, "My patients", /^Amend /);
    await page.getByRole("navigation", { name: "Breadcrumb" }).getByRole("link", { name }).click();
    await expect(page.locator("h1").first()).toHaveText(name);
  }
});

test("auditor pages pass axe at desktop width; an event and an incident have breadcrumbs", async ({ page }) => {
  await signIn(page, "auditor2@custodia.test");
  await visitAll(page, [...paths("auditor"), "/auditor/incidents/new"]);
  await expectBreadcrumbs(page, "Incidents", "Open an incident");
  await page.goto("/auditor/events");
  await page.getByRole("table", { name: /Audit events/ }).getByRole("row").nth(1).getByRole("link").click();
  await expectBreadcrumbs(page, "Events", /^Event \d+$/);
  await check(page, "auditor-event");
  await page.getByRole("navigation", { name: "Breadcrumb" }).getByRole("link", { name: "Events" }).click();
  await expect(page).toHaveURL(/\/auditor\/events$/);

  // Alerts name who raised them and when in words, for the eye and for a screen reader alike: no raw
  // timestamps, and an alert without an account (the schema-change alerts of the start-up) says so.
  const alerts = page.getByRole("table", { name: "Alerts, newest first" });
  const schemaChange = alerts.getByRole("row").filter({ hasText: "Database schema change" }).first();
  // The alert-rules job raises them within a minute of the start.
  await expect(async () => {
    await page.goto("/auditor/alerts");
    await expect(schemaChange).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 90_000 });
  await expect(schemaChange).toContainText("System (no account)");
  await expect(schemaChange.getByRole("button", { name: /^Acknowledge the Database schema change alert of [A-Z][a-z]{2} \d/ })).toBeVisible();
  expect(await alerts.innerText()).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
  await page.goto("/auditor/incidents/new");
  await expect(page.getByRole("checkbox", { name: /^Database schema change .* System \(no account\)$/ }).first()).toBeVisible();
  await expect(page.getByText("account unknown")).toHaveCount(0);
});

test("admin pages pass axe at desktop width", async ({ page }) => {
  await signIn(page, "admin@custodia.test");
  await visitAll(page, [...paths("admin"), "/admin/incidents/new"]);
  await expectBreadcrumbs(page, "Incidents", "Open an incident");
});
