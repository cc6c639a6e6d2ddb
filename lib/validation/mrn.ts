/**
 * The hospital's MRNs are "MRN-" and six digits (lib/demo/accounts.ts). People type the digits alone, or
 * with spaces, a missing dash or lower case; all of those name the same MRN. Returns the written form, or
 * null when the text is not an MRN of that shape (a typo, or an identifier from elsewhere).
 */
export function canonicalMrn(typed: string): string | null {
  const compact = typed.normalize("NFKC").replace(/\s+/g, "").toUpperCase();
  const digits = /^\d{6}$/.test(compact) ? compact : /^MRN-?(\d{6})$/.exec(compact)?.[1];
  return digits ? `MRN-${digits}` : null;
}
