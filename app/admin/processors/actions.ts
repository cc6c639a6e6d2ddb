"use server";

import { revalidatePath } from "next/cache";
import { requireActor } from "@/lib/auth/require-actor";
import { formError } from "@/lib/http/errors";
import { createProcessor, deleteProcessor, updateProcessor } from "@/lib/services/processors";
import type { FormState } from "@/lib/validation/form-state";
import { processorFormValues, processorIdSchema, processorSchema } from "@/lib/validation/processor";

async function save(form: FormData, write: (input: ReturnType<typeof processorSchema.parse>) => Promise<unknown>, done: string): Promise<FormState> {
  const input = processorSchema.safeParse(processorFormValues(form));
  if (!input.success) return { ok: false, errors: input.error.flatten().fieldErrors };
  try {
    await write(input.data);
  } catch (error) {
    return formError(error);
  }
  revalidatePath("/admin/processors");
  return { ok: true, message: done };
}

export async function createProcessorAction(_: FormState, form: FormData): Promise<FormState> {
  const actor = await requireActor("admin");
  return save(form, (input) => createProcessor(actor, input), "Processor added.");
}

export async function updateProcessorAction(_: FormState, form: FormData): Promise<FormState> {
  const actor = await requireActor("admin");
  const target = processorIdSchema.safeParse({ id: form.get("id") });
  if (!target.success) return { ok: false, message: "This processor no longer exists. Reload the page." };
  return save(form, (input) => updateProcessor(actor, target.data.id, input), "Changes saved.");
}

export async function deleteProcessorAction(_: FormState, form: FormData): Promise<FormState> {
  const actor = await requireActor("admin");
  const target = processorIdSchema.safeParse({ id: form.get("id") });
  if (!target.success) return { ok: false, message: "This processor no longer exists. Reload the page." };
  try {
    await deleteProcessor(actor, target.data);
  } catch (error) {
    return formError(error);
  }
  revalidatePath("/admin/processors");
  return { ok: true, message: "Processor removed." };
}
