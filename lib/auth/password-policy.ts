import { dictionary } from "@zxcvbn-ts/language-common";
import { PASSWORD_MAX, PASSWORD_MIN } from "@/lib/validation/password";

/**
 * The one password policy (NIST SP 800-63B 3.1.1.2): length between PASSWORD_MIN and PASSWORD_MAX, and not a
 * value known to attackers: the ~49,000 most common passwords from breach corpora (shipped by zxcvbn-ts, no
 * network lookup), a single character or short pattern repeated, or words of this context (the service's
 * name, the person's e-mail). No composition rules: they make passwords harder to remember, not to guess.
 */
const common = new Set(dictionary["passwords-common"].map((p) => p.toLowerCase()));

const CONTEXT_WORDS = ["custodia"];

export interface PasswordContext {
  email?: string;
}

/** The problem with a proposed password, in words for the person choosing it; null when it is acceptable. */
export function passwordProblem(password: string, context: PasswordContext = {}): string | null {
  if (password.length < PASSWORD_MIN) return `Use at least ${PASSWORD_MIN} characters.`;
  if (password.length > PASSWORD_MAX) return `Use at most ${PASSWORD_MAX} characters.`;
  const lower = password.toLowerCase();
  if (common.has(lower) || common.has(lower.replace(/\s+/g, ""))) {
    return "This password appears in lists of breached or common passwords. Choose another, for example a few unrelated words.";
  }
  // "aaaaaaaaaaaa", "abcabcabcabc", "121212121212": a short unit repeated is guessed early.
  if (/^(.{1,4})\1+$/su.test(lower)) return "Avoid a short pattern repeated. Choose a few unrelated words.";
  const bare = (text: string) => text.toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");
  const local = bare(context.email?.split("@")[0] ?? "");
  const words = [...CONTEXT_WORDS, ...(local.length >= 4 ? [local] : [])];
  if (words.some((word) => bare(password).startsWith(word) && bare(password).length - word.length < 8)) {
    return "Avoid your e-mail address or the name of this service in your password.";
  }
  return null;
}
