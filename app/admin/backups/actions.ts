"use server";

import { revalidatePath } from "next/cache";
import { requireActor } from "@/lib/auth/require-actor";
import { formError } from "@/lib/http/errors";
import { backUpNow, drillNow } from "@/lib/services/backups";
import type { FormState } from "@/lib/validation/form-state";

/** A failure is a result to show (the reason names the backup or the check), not a crash of the page. */
function failed(what: string, error: unknown): FormState {
  try {
    return formError(error);
  } catch {
    return { ok: false, message: `${what} failed: ${(error as Error).message}` };
  }
}

export async function runDrillAction(): Promise<FormState> {
  const actor = await requireActor("admin");
  try {
    const report = await drillNow(actor);
    revalidatePath("/admin/backups");
    const failedChecks = report.checks.filter((c) => !c.ok).map((c) => c.name);
    return report.ok
      ? { ok: true, message: `Drill of backup ${report.backupId} passed: ${report.checks.length} checks.` }
      : { ok: false, message: `Drill of backup ${report.backupId} failed: ${failedChecks.join(", ")}.` };
  } catch (error) {
    return failed("The drill", error);
  }
}

export async function backUpNowAction(): Promise<FormState> {
  const actor = await requireActor("admin");
  try {
    const id = await backUpNow(actor);
    revalidatePath("/admin/backups");
    return { ok: true, message: `Backup ${id} written.` };
  } catch (error) {
    return failed("The backup", error);
  }
}
