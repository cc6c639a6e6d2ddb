import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./support/auth";
import { query } from "./support/db";

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id);
}

test("an administrator adds a processor whose BAA ends in 10 days and is warned; a missing transfer mechanism is refused first", async ({ page }) => {
  const name = `Scan Labs ${Date.now()}`;
  await signIn(page, "admin@custodia.test");
  await page.getByRole("link", { name: "Processors" }).click();
  await expect(page.getByRole("heading", { name: "Processors", level: 1 })).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);

  const form = page.getByRole("form", { name: "Add a processor" });
  await form.getByLabel("Processor (vendor) name").fill(name);
  await form.getByLabel("What they do for you").fill("Reads imaging studies");
  await form.getByLabel("Agreement").selectOption("baa");
  await form.getByLabel("Document reference").fill("Contracts / 2025 / scan-labs-baa.pdf");
  await form.getByLabel("Signed on").fill(day(-355));
  await form.getByLabel("Ends on").fill(day(10));
  await form.getByLabel("Country").fill("US");
  await form.getByLabel("Health data").check();
  await form.getByRole("button", { name: "Add processor" }).click();
  await expect(form.getByText("A processor outside the EU/EEA needs a transfer mechanism")).toBeVisible();
  expect(await query("SELECT 1 FROM processor WHERE name = $1", [name])).toHaveLength(0);

  await form.getByLabel("Transfer mechanism (outside the EU/EEA)").selectOption("scc");
  await form.getByRole("button", { name: "Add processor" }).click();
  await expect(form.getByText("Processor added.")).toBeVisible();

  const warning = page.getByRole("alert").filter({ hasText: /renewing/ }).filter({ hasText: name });
  await expect(warning).toContainText(`${name} (BAA): Ends on ${day(10)}, in 10 days`);
  const card = page.getByRole("region", { name });
  await expect(card).toContainText("Agreement ending soon.");
  await expect(card).toContainText("United States (US); transfer under Standard contractual clauses");
  expect(await seriousViolations(page)).toEqual([]);

  // Shared e2e database: leave it as found.
  await card.getByText("Edit or remove").click();
  await card.getByRole("button", { name: `Remove ${name}` }).click();
  await expect(page.getByRole("region", { name })).toHaveCount(0);
});

test("an auditor reads the records of processing and downloads them as CSV", async ({ page }) => {
  await signIn(page, "auditor1@custodia.test");
  await page.getByRole("link", { name: "Data map" }).click();
  await expect(page.getByRole("heading", { name: "Records of processing" })).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
  const identity = page.getByRole("region", { name: /patient_identity/ });
  await identity.getByText("Show its 14 columns").click();
  await expect(identity.getByRole("row", { name: /ssn_enc/ })).toContainText("Yes");
  const csv = await page.request.get("/api/data-map?format=csv");
  expect(csv.headers()["content-type"]).toMatch(/text\/csv/);
  expect(await csv.text()).toMatch(/^table,tableDescription,column,category,purpose,legalBasis,retention,encrypted,recipients\n/);
});
