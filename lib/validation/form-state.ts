/** What every server action returns to its form. */
export interface FormState {
  ok: boolean;
  message?: string;
  errors?: Record<string, string[] | undefined>;
}

export const initialFormState: FormState = { ok: false };
