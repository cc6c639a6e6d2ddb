import { z } from "zod";

/**
 * Consent purposes and the text a patient is shown for each. A new wording gets a new version, and every
 * consent event records the version that was on screen (GDPR Art. 7(1): the controller must demonstrate it).
 */
export const purposeSchema = z.enum(["treatment", "care_coordination", "research", "analytics", "marketing"]);
export type Purpose = z.infer<typeof purposeSchema>;

export interface PurposeText {
  purpose: Purpose;
  title: string;
  version: string;
  text: string;
  /** What withdrawing changes, shown before the patient confirms it (issue 13 item 7). Only what the system does. */
  withdrawing: string;
}

export const purposeTexts: Record<Purpose, PurposeText> = {
  treatment: {
    purpose: "treatment",
    title: "Treatment",
    // HIPAA 164.506: treatment needs no consent, so the text must not suggest that withdrawing stops it.
    version: "2026-12",
    text:
      "Your care team uses your record to look after you. Under US health privacy law (HIPAA), your care does not depend on this consent: " +
      "giving it records that you agree, withdrawing it records that you object. Neither changes who in your care team can see your record.",
    withdrawing:
      "Your objection is recorded with the date. Your care team can still see your record to treat you, and records the law requires are kept. " +
      "To limit how your data is used, make a restriction request on the Requests page.",
  },
  care_coordination: {
    purpose: "care_coordination",
    title: "Sharing with other providers",
    version: "2026-01",
    text: "We may share the relevant parts of your record with other hospitals and doctors who treat you.",
    withdrawing: "From now on we will not share your record with other hospitals and doctors. What was shared before stays with them.",
  },
  research: {
    purpose: "research",
    title: "Medical research",
    version: "2026-03",
    text: "Pseudonymized data from your record (no name, address or identifiers) may be included in approved research datasets.",
    withdrawing: "From now on your data is left out of every new research dataset. Data already given to an approved study cannot be taken back out of it.",
  },
  analytics: {
    purpose: "analytics",
    title: "Service analytics",
    version: "2026-01",
    text: "Pseudonymized data may be used to measure and improve the quality of our services.",
    withdrawing: "From now on your data is left out of our service measurements.",
  },
  marketing: {
    purpose: "marketing",
    title: "News and offers",
    version: "2026-01",
    text: "We may contact you about health programmes and events.",
    withdrawing: "We will stop contacting you about health programmes and events.",
  },
};
