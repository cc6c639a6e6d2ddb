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
}

export const purposeTexts: Record<Purpose, PurposeText> = {
  treatment: {
    purpose: "treatment",
    title: "Treatment",
    version: "2026-01",
    text: "Your care team uses your record to treat you. Withdrawing this tells us you object; records required by law are still kept.",
  },
  care_coordination: {
    purpose: "care_coordination",
    title: "Sharing with other providers",
    version: "2026-01",
    text: "We may share the relevant parts of your record with other hospitals and doctors who treat you.",
  },
  research: {
    purpose: "research",
    title: "Medical research",
    version: "2026-03",
    text: "Pseudonymized data from your record (no name, address or identifiers) may be included in approved research datasets.",
  },
  analytics: {
    purpose: "analytics",
    title: "Service analytics",
    version: "2026-01",
    text: "Pseudonymized data may be used to measure and improve the quality of our services.",
  },
  marketing: {
    purpose: "marketing",
    title: "News and offers",
    version: "2026-01",
    text: "We may contact you about health programmes and events.",
  },
};
