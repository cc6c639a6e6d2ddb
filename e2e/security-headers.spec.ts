import { expect, test } from "@playwright/test";
import { signIn } from "./support/auth";

test("pages carry a nonce CSP, HSTS, framing and sniffing protection, and no X-Powered-By", async ({ request }) => {
  const first = await request.get("/sign-in");
  const second = await request.get("/sign-in");
  const h = first.headers();
  expect(h["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
  expect(h["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(h["content-security-policy"]).not.toEqual(second.headers()["content-security-policy"]);
  expect(h["strict-transport-security"]).toContain("max-age=");
  expect(h["x-content-type-options"]).toBe("nosniff");
  expect(h["referrer-policy"]).toBe("no-referrer");
  expect(h["x-frame-options"]).toBe("DENY");
  expect(h["x-powered-by"]).toBeUndefined();
});

test("authenticated pages are not cacheable", async ({ page }) => {
  await signIn(page, "patient09@custodia.test");
  const response = await page.goto("/patient");
  expect(response?.headers()["cache-control"]).toContain("no-store");
});

test("the browser runs the page's scripts under the CSP without violations", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error" && /Content Security Policy/i.test(msg.text())) violations.push(msg.text());
  });
  await page.goto("/sign-in");
  // Client-side validation only works if React hydrated, i.e. its scripts were allowed to run.
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Enter your email address")).toBeVisible();
  expect(violations).toEqual([]);
});
