import "server-only";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import type { Permission } from "@/lib/access/permissions";
import type { Role } from "@/lib/access/roles";
import { requireActor } from "@/lib/auth/require-actor";
import { fieldRefusal, type FormState } from "@/lib/validation/form-state";
import { formError, pageError } from "./errors";

/** For services that parse their input themselves (they are also called with other shapes): their ZodError maps the same way. */
export const parsedByService = z.record(z.string(), z.unknown());

/** For a button that sends nothing but the click. */
export const noFields = z.object({});

interface Step<S extends z.ZodType, R> {
  schema: S;
  /** What the schema reads; by default the form's fields (undeclared ones are dropped by the schema). */
  read?: (form: FormData) => unknown;
  run: (actor: Actor, input: z.output<S>) => Promise<R>;
  revalidate?: string | ((actor: Actor) => string);
  /** For forms whose fields the person does not type (hidden, buttons): one sentence instead of field errors. */
  unreadable?: string;
}

interface FormStep<S extends z.ZodType, R, St extends FormState> extends Step<S, R> {
  /** Runs after revalidation and outside the error mapping, so a redirect() here is never taken for a refusal. */
  done: string | ((result: R, input: z.output<S>, actor: Actor) => St);
}

/**
 * The one shape of a server action. In order: the area gate (session, MFA, role; a wrong role is a recorded
 * denial and a 403), the permission when the area does not decide it (authorize() records the denial), the
 * zod schema (field errors go back to the form and nothing runs), the service (which authorizes its own
 * scope and audits in its transaction), a domain error mapped through lib/http/error-table.ts (anything
 * else is a bug and propagates), then revalidation.
 */
export function actionClient(area?: Role, permission?: Permission) {
  /** Throws a domain error for a refusal; the caller maps it. */
  async function authorized(actor: Actor) {
    if (permission) await authorize(actor, permission);
  }
  function parse<S extends z.ZodType>(form: FormData, step: Step<S, unknown>) {
    return step.schema.safeParse(step.read ? step.read(form) : Object.fromEntries(form));
  }
  // The page and every page under it: a list and its detail pages show the same rows.
  function revalidate(actor: Actor, path: Step<z.ZodType, unknown>["revalidate"]) {
    if (path) revalidatePath(typeof path === "string" ? path : path(actor), "layout");
  }
  return {
    /** An action behind useActionState: refusals come back as the form's message and field errors. */
    async form<S extends z.ZodType, R, St extends FormState = FormState>(form: FormData, step: FormStep<S, R, St>): Promise<St> {
      const actor = await requireActor(area);
      let result: R;
      let input: z.output<S>;
      try {
        await authorized(actor);
        const parsed = parse(form, step);
        if (!parsed.success) return (step.unreadable ? { ok: false, message: step.unreadable } : fieldRefusal(z.flattenError(parsed.error).fieldErrors)) as St;
        input = parsed.data;
        result = await step.run(actor, input);
      } catch (error) {
        return formError(error) as St;
      }
      revalidate(actor, step.revalidate);
      return typeof step.done === "string" ? ({ ok: true, message: step.done } as St) : step.done(result, input, actor);
    },
    /** A plain form button with no state for a message: an unknown or out-of-scope target is a 404, a refusal a 403. */
    async button<S extends z.ZodType, R>(form: FormData, step: Step<S, R>): Promise<void> {
      const actor = await requireActor(area);
      try {
        await authorized(actor);
        const parsed = parse(form, step);
        if (!parsed.success) throw parsed.error;
        await step.run(actor, parsed.data);
      } catch (error) {
        pageError(error);
      }
      revalidate(actor, step.revalidate);
    },
  };
}
