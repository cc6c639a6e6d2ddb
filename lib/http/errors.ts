import "server-only";
import { forbidden, notFound } from "next/navigation";
import { ZodError } from "zod";
import { DomainError, InvalidInput } from "@/lib/access/errors";
import { fieldRefusal, type FormState } from "@/lib/validation/form-state";
import { errorTable } from "./error-table";

export interface DescribedError {
  status: number;
  message: string;
  errors?: Record<string, string[]>;
}

/** Domain errors become the status and words of lib/http/error-table.ts; anything else is a bug (null). */
export function describeError(error: unknown): DescribedError | null {
  if (error instanceof DomainError) {
    const entry = errorTable[error.code];
    return {
      status: entry.status,
      message: error.userMessage ?? entry.message,
      ...(error instanceof InvalidInput ? { errors: error.fieldErrors } : {}),
    };
  }
  if (error instanceof ZodError) {
    const entry = errorTable["invalid-input"];
    return { status: entry.status, message: entry.message, errors: error.flatten().fieldErrors as Record<string, string[]> };
  }
  return null;
}

export function jsonError(error: unknown): Response {
  const described = describeError(error);
  if (!described) throw error;
  return Response.json({ error: described.message, fields: described.errors }, { status: described.status });
}

/**
 * For server actions: a domain error becomes form feedback; anything else is a bug and propagates. A refusal
 * that names a field says its sentence under that field only (fieldRefusal).
 */
export function formError(error: unknown): FormState {
  const described = describeError(error);
  if (!described) throw error;
  return fieldRefusal(described.errors, described.message);
}

/**
 * For pages, and for form actions that have no state to carry a message: out-of-scope and forbidden become
 * Next's 404/403 responses. An id that does not parse names nothing the actor may see: also 404.
 */
export function pageError(error: unknown): never {
  const status = describeError(error)?.status;
  if (status === 404 || error instanceof ZodError) notFound();
  if (status === 403) forbidden();
  throw error;
}
