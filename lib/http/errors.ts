import { forbidden, notFound } from "next/navigation";
import { AccessDenied, Conflict, InvalidInput, NotFound, TooManyRequests } from "@/lib/access/errors";
import type { FormState } from "@/lib/validation/form-state";
import { ZodError } from "zod";

/** The one place where domain errors become HTTP statuses and plain, actionable messages. */
export function describeError(error: unknown): { status: number; message: string; errors?: Record<string, string[]> } | null {
  if (error instanceof AccessDenied) return { status: 403, message: "You are not allowed to do that. The attempt was recorded." };
  if (error instanceof NotFound) return { status: 404, message: "Not found, or not yours to see." };
  if (error instanceof TooManyRequests) return { status: 429, message: error.userMessage };
  if (error instanceof Conflict) return { status: 409, message: error.message };
  if (error instanceof InvalidInput) return { status: 400, message: error.message, errors: error.fieldErrors };
  if (error instanceof ZodError) return { status: 400, message: "Some fields are not valid.", errors: error.flatten().fieldErrors as Record<string, string[]> };
  return null;
}

export function jsonError(error: unknown): Response {
  const described = describeError(error);
  if (!described) throw error;
  return Response.json({ error: described.message, fields: described.errors }, { status: described.status });
}

/** For server actions: a domain error becomes form feedback; anything else is a bug and propagates. */
export function formError(error: unknown): FormState {
  const described = describeError(error);
  if (!described) throw error;
  return { ok: false, message: described.message, errors: described.errors };
}

/** For pages: out-of-scope and forbidden render Next's 404/403 pages. */
export function pageError(error: unknown): never {
  if (error instanceof NotFound) notFound();
  if (error instanceof AccessDenied) forbidden();
  throw error;
}
