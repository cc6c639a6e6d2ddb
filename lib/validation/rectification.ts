import { z } from "zod";
import "./messages";

export const rectifiableFields = ["givenName", "familyName", "address", "phone", "email"] as const;
export type RectifiableField = (typeof rectifiableFields)[number];

/** The patient's words for each field, used in the form and in their request list. */
export const rectifiableLabels: Record<RectifiableField, string> = {
  givenName: "Given name",
  familyName: "Family name",
  address: "Address",
  phone: "Phone",
  email: "Email",
};

// Letters and combining marks of any script, so "Ñoño", "Zoë" and "Nguyễn" pass; markup, digits and emoji do not.
const name = /^[\p{L}\p{M}]+(?:[ '’-][\p{L}\p{M}]+)*$/u;
// An address line: letters, digits and the punctuation addresses use. No < > (markup), no emoji.
const address = /^[\p{L}\p{M}\p{N} ,.'’#/&()\n-]+$/u;
// E.164-ish: an optional +, then digits with the spaces, dashes, dots and brackets people type; 7–15 digits (E.164).
const phone = /^\+?[0-9 ().-]+$/;

/**
 * What a valid new value looks like, field by field; the message says what to type. The character check comes
 * first: its message is the one shown. A rectification becomes
 * the record itself (lib/services/data-requests.ts), so the value is checked as strictly as at registration.
 */
export const rectifiedValue: Record<RectifiableField, z.ZodType<string>> = {
  givenName: z.string().trim().regex(name, "Use letters, spaces, hyphens or apostrophes only.").max(100),
  familyName: z.string().trim().regex(name, "Use letters, spaces, hyphens or apostrophes only.").max(100),
  address: z
    .string()
    .trim()
    .min(5, "Enter the full address.")
    .max(300)
    .regex(address, "Use letters, numbers and ordinary punctuation only (no symbols like < > or emoji)."),
  phone: z
    .string()
    .trim()
    .regex(phone, "Enter a phone number with digits only, like +44 20 7946 0958.")
    .max(25)
    .refine((v) => {
      const digits = v.replace(/\D/g, "").length;
      return digits >= 7 && digits <= 15;
    }, "A phone number has 7 to 15 digits. Check the number."),
  email: z.email().max(254),
};
