/** What every server action returns to its form. */
export interface FormState {
  ok: boolean;
  message?: string;
  errors?: Record<string, string[] | undefined>;
}

export const initialFormState: FormState = { ok: false };

/**
 * A refusal that names fields (issue 13 item 3: every message next to its field, once): each sentence is shown
 * under its field, so the form's answer only points there (and FormResult moves focus to the first one). The
 * service's own summary is kept only for a refusal that names no field.
 */
export function fieldRefusal(errors: Record<string, string[] | undefined> | undefined, message?: string): FormState {
  const named = Object.values(errors ?? {}).filter((list) => list && list.length > 0).length;
  if (named === 0) return { ok: false, message };
  return { ok: false, message: named === 1 ? "Please check the highlighted field." : "Please check the highlighted fields.", errors };
}

/** For a refusal shown where no field is (a filter read from the address): the fields' sentences, else the message. */
export function refusalSentences(state: FormState): string {
  const sentences = Object.values(state.errors ?? {}).flatMap((list) => list?.slice(0, 1) ?? []);
  return sentences.length ? sentences.join(" ") : (state.message ?? "");
}
