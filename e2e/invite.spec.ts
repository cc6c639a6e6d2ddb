import { expect, test } from "@playwright/test";
import { signIn, submitPassword } from "./support/auth";
import { query } from "./support/db";

// The demo runs without a mail server: the invitation lands in the development outbox and the invitee opens
// it from the mailbox page, as they would from their inbox.
test("an administrator invites a clinician, who activates the account from the mailbox and reaches TOTP enrolment", async ({ page: admin, browser }) => {
  const started = new Date();
  const email = `new.clinician.${Date.now()}@custodia.test`;
  await signIn(admin, "admin@custodia.test");
  await admin.goto("/admin/staff");
  const invite = admin.getByRole("form", { name: "Invite a staff member" });
  await invite.getByLabel("Name").fill("Dr Nova Newcomer");
  await invite.getByLabel("E-mail").fill(email);
  await invite.getByLabel("Role").selectOption("clinician");
  await invite.getByRole("button", { name: "Send invitation" }).click();
  await expect(invite.getByText(`Invitation for ${email} written to the development mailbox`)).toBeVisible();
  await expect(admin.getByRole("region", { name: "Dr Nova Newcomer" }).getByText(/^Invited, link open until/)).toBeVisible();

  const invitee = await (await browser.newContext()).newPage();
  await invitee.goto("/dev/mailbox");
  const message = invitee.getByRole("article", { name: `Message to ${email}` });
  await message.getByRole("link", { name: /\/activate\// }).click();
  await expect(invitee.getByRole("heading", { name: "Activate your account" })).toBeVisible();

  await invitee.getByLabel("New password", { exact: true }).fill("password1234");
  await invitee.getByLabel("New password again").fill("password1234");
  await invitee.getByRole("button", { name: "Set password and continue" }).click();
  await expect(invitee.getByText(/breached or common/)).toBeVisible();

  await invitee.getByLabel("New password", { exact: true }).fill("orchard lantern before dawn");
  await invitee.getByLabel("New password again").fill("orchard lantern before dawn");
  await invitee.getByRole("button", { name: "Set password and continue" }).click();
  await expect(invitee).toHaveURL(/\/mfa\/enroll$/);
  await expect(invitee.getByRole("heading", { name: "Set up two-step verification" })).toBeVisible();

  // The link was single-use.
  await invitee.goBack();
  await invitee.getByLabel("New password", { exact: true }).fill("another orchard lantern");
  await invitee.getByLabel("New password again").fill("another orchard lantern");
  await invitee.getByRole("button", { name: "Set password and continue" }).click();
  await expect(invitee.getByText(/This link is not valid any more/)).toBeVisible();
  // This invitee's activations only: other specs (dev-journey) activate accounts of their own.
  const events = await query<{ outcome: string }>("SELECT outcome FROM audit_event WHERE action = 'user.activate' AND occurred_at >= $1 ORDER BY seq", [started]);
  expect(events.map((e) => e.outcome)).toEqual(["allowed", "denied"]);
});

// patient27 is used by no other spec; the new password is a different one, so the old must stop working.
test("a patient who forgot their password gets a link from the mailbox, sets a new one and signs in with it", async ({ page }) => {
  const email = "patient27@custodia.test";
  await page.goto("/sign-in");
  await page.getByRole("link", { name: "Forgot password?" }).click();
  // The sign-in page has an "Email" field too: fill only once the client-side navigation has replaced it.
  await expect(page.getByRole("heading", { name: "Forgot password" })).toBeVisible();
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Send me a link" }).click();
  const answer = await page.getByRole("status").filter({ hasText: "If an account uses this address" }).textContent();
  await page.getByLabel("Email").fill("nobody.here@custodia.test");
  await page.getByRole("button", { name: "Send me a link" }).click();
  await expect(page.getByRole("status").filter({ hasText: "If an account uses this address" })).toHaveText(answer!);

  await expect(async () => {
    await page.goto("/dev/mailbox");
    await expect(page.getByRole("article", { name: `Message to ${email}` })).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 10_000 });
  await expect(page.getByRole("article", { name: "Message to nobody.here@custodia.test" })).toHaveCount(0);
  await page.getByRole("article", { name: `Message to ${email}` }).first().getByRole("link", { name: /\/reset-password\// }).click();
  await page.getByLabel("New password", { exact: true }).fill("quiet harbour in november");
  await page.getByLabel("New password again").fill("quiet harbour in november");
  await page.getByRole("button", { name: "Save new password" }).click();
  await expect(page).toHaveURL(/\/sign-in\?reason=password-reset$/);
  await expect(page.getByText("Your new password is saved")).toBeVisible();
  await submitPassword(page, email, "quiet harbour in november");
  await expect(page).toHaveURL(/\/patient$/);
});
