/**
 * Flat form fields → the nested clinical content the schema validates. Numbers arrive as strings from
 * FormData; empty strings are left for zod to reject with a field message.
 */
export function contentFromForm(form: FormData): Record<string, unknown> {
  const raw = Object.fromEntries([...form.entries()].filter(([k]) => !k.startsWith("$ACTION")));
  if (raw.kind === "observation" && typeof raw.value === "string" && raw.value.trim() !== "") {
    return { ...raw, value: Number(raw.value) };
  }
  return raw;
}
