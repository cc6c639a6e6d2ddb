import { expect, test } from "@playwright/test";
import { signIn } from "./support/auth";

// Issue 11 item 2: clinic hours and time zone per care team for the after-hours alert.
test("an admin gives a care team its own clinic hours, is told what is wrong with a bad time zone, and can go back to the global hours", async ({ page: admin }) => {
  const team = `E2E Hours ${Date.now()}`;
  await signIn(admin, "admin@custodia.test");
  await admin.goto("/admin/care-teams");
  await admin.getByRole("form", { name: "New care team" }).getByLabel("Team name").fill(team);
  await admin.getByRole("form", { name: "New care team" }).getByRole("button", { name: "Create team" }).click();
  const form = admin.getByRole("region", { name: team }).getByRole("form", { name: `Clinic hours of ${team}` });
  await expect(form.getByText("Clinic hours: the global setting.")).toBeVisible();

  await form.getByLabel("Hours (e.g. 08:00-18:00)").fill("12:00-18:00");
  await form.getByLabel("Days (e.g. Mon-Fri)").fill("Mon-Fri");
  await form.getByLabel("Time zone (e.g. Europe/Paris)").fill("Mars/Olympus_Mons");
  await form.getByRole("button", { name: "Save hours" }).click();
  await expect(form.getByText("Choose a time zone such as Europe/Paris or America/New_York").first()).toBeVisible();

  await form.getByLabel("Time zone (e.g. Europe/Paris)").fill("Europe/Paris");
  await form.getByRole("button", { name: "Save hours" }).click();
  await expect(form.getByText("Clinic hours saved.")).toBeVisible();
  await admin.reload();
  const saved = admin.getByRole("region", { name: team }).getByRole("form", { name: `Clinic hours of ${team}` });
  await expect(saved.getByText("Clinic hours: 12:00-18:00, Mon-Fri, Europe/Paris.")).toBeVisible();

  for (const label of ["Hours (e.g. 08:00-18:00)", "Days (e.g. Mon-Fri)", "Time zone (e.g. Europe/Paris)"]) await saved.getByLabel(label).fill("");
  await saved.getByRole("button", { name: "Save hours" }).click();
  await expect(saved.getByText("Clinic hours saved.")).toBeVisible();
  await admin.reload();
  await expect(admin.getByRole("region", { name: team }).getByText("Clinic hours: the global setting.")).toBeVisible();
});
