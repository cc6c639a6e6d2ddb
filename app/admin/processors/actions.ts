"use server";

import { actionClient } from "@/lib/http/action";
import { createProcessor, deleteProcessor, updateProcessor } from "@/lib/services/processors";
import type { FormState } from "@/lib/validation/form-state";
import { processorFormValues, processorIdSchema, processorSchema } from "@/lib/validation/processor";

const admin = actionClient("admin");
const revalidate = "/admin/processors";

export async function createProcessorAction(_: FormState, form: FormData): Promise<FormState> {
  return admin.form(form, { schema: processorSchema, read: processorFormValues, run: createProcessor, revalidate, done: "Processor added." });
}

/** The id is checked by the service: a processor removed meanwhile is "not found" from the error table. */
export async function updateProcessorAction(_: FormState, form: FormData): Promise<FormState> {
  return admin.form(form, {
    schema: processorSchema,
    read: processorFormValues,
    run: (actor, input) => updateProcessor(actor, String(form.get("id") ?? ""), input),
    revalidate,
    done: "Changes saved.",
  });
}

export async function deleteProcessorAction(_: FormState, form: FormData): Promise<FormState> {
  return admin.form(form, { schema: processorIdSchema, run: deleteProcessor, revalidate, done: "Processor removed." });
}
