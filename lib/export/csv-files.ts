import "server-only";
import { observationCode } from "@/lib/clinical/observation-codes";
import { purposeTexts } from "@/lib/consent/purposes";
import type { ExportIdentity } from "@/lib/fhir/resources";
import type { AccessEntry } from "@/lib/services/access-log";
import type { ConsentHistoryEntry } from "@/lib/services/consent";
import type { RequestView } from "@/lib/services/data-requests";
import type { ExportRecord } from "@/lib/services/export";
import type { ClinicalContent, ClinicalKind } from "@/lib/validation/patient";

/**
 * The CSV download as people read it (issue 13 item 7): files named for what they hold, headings in words,
 * what the row is about first and our reference numbers last, and every file present with its headings even
 * when it has no rows (never a file holding the word "none").
 */
export interface CsvFile<T> {
  name: string;
  /** One line for the summary: what a row of this file is. */
  about: string;
  columns: string[];
  row: (item: T) => unknown[];
}

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : "");
const moment = (iso: string) => `${iso.replace("T", " ").slice(0, 19)} UTC`;

export const identityFile: CsvFile<ExportIdentity> = {
  name: "Your details.csv",
  about: "Your name, date of birth, contact details and medical record number.",
  columns: ["Given name", "Family name", "Date of birth", "Sex", "Medical record number", "Address", "Phone", "Email", "Patient reference"],
  row: (p) => [p.givenName, p.familyName, p.birthDate, p.sex, p.mrn, p.address, p.phone, p.email, p.patientId],
};

type Content<K extends ClinicalKind> = Extract<ClinicalContent, { kind: K }>;
const recordColumns = ["Version", "Recorded", "Entry reference", "Version reference"];
const recordTail = (r: ExportRecord) => [r.version, moment(r.recordedAt), r.entryId, r.recordId];

/** One file per kind of entry, every version of every entry (a corrected entry appears once per version). */
export const recordFiles: Record<ClinicalKind, CsvFile<ExportRecord>> = {
  allergy: {
    name: "Allergies.csv",
    about: "Allergies recorded by your care team.",
    columns: ["Date", "Substance", "Reaction", ...recordColumns],
    row: (r) => {
      const c = r.content as Content<"allergy">;
      return [c.date, c.substance, c.reaction, ...recordTail(r)];
    },
  },
  encounter: {
    name: "Visits.csv",
    about: "Your visits and appointments, with their reason.",
    columns: ["Date", "Type of visit", "Reason", ...recordColumns],
    row: (r) => {
      const c = r.content as Content<"encounter">;
      return [c.date, c.type, c.reason, ...recordTail(r)];
    },
  },
  note: {
    name: "Notes.csv",
    about: "Notes written by your care team.",
    columns: ["Date", "Title", "Note", ...recordColumns],
    row: (r) => {
      const c = r.content as Content<"note">;
      return [c.date, c.title, c.text, ...recordTail(r)];
    },
  },
  observation: {
    name: "Measurements and test results.csv",
    about: "Measurements such as blood pressure and heart rate, and laboratory results, with their units.",
    columns: ["Date", "Measurement", "Value", "Unit", "LOINC code", ...recordColumns],
    row: (r) => {
      const c = r.content as Content<"observation">;
      const known = observationCode(c.code);
      return [c.date, known?.display ?? c.display, c.value, known?.unitLabel ?? c.unit, c.code, ...recordTail(r)];
    },
  },
  prescription: {
    name: "Medications.csv",
    about: "Medicines prescribed for you, with the dose.",
    columns: ["Date", "Medicine", "Dose", ...recordColumns],
    row: (r) => {
      const c = r.content as Content<"prescription">;
      return [c.date, c.medication, c.dosage, ...recordTail(r)];
    },
  },
};

export const consentFile: CsvFile<ConsentHistoryEntry> = {
  name: "Consent history.csv",
  about: "Every consent you gave or withdrew, and the version of the text you were shown.",
  columns: ["When", "Purpose", "Decision", "Text version", "How", "By you"],
  row: (c) => [moment(c.at), purposeTexts[c.purpose].title, c.decision, c.textVersion, c.method, c.byPatient ? "yes" : "no"],
};

const statusWords: Record<string, string> = { pending: "waiting for a decision", scheduled: "scheduled", completed: "done", rejected: "refused", cancelled: "cancelled" };

export const requestsFile: CsvFile<RequestView> = {
  name: "Your requests.csv",
  about: "Requests you made about your data (corrections, restrictions, objections, erasure) and what became of them.",
  columns: ["Asked on", "Request", "Status", "Answer due (GDPR)", "Answer due (HIPAA)", "Erasure runs after", "Decision", "Request reference"],
  row: (r) => [day(r.createdAt), r.summary, statusWords[r.status] ?? r.status, day(r.gdprDueAt), day(r.hipaaDueAt), day(r.executeAfter), r.decisionReason, r.id],
};

export const accessFile: CsvFile<AccessEntry> = {
  name: "Who accessed your record.csv",
  about: "Every time someone opened, searched for, changed or exported your record, newest first.",
  columns: ["When", "Who", "Role", "What they did", "Emergency access"],
  row: (a) => [moment(a.at), a.who, a.role, a.what, a.breakGlass ? "yes" : "no"],
};

export const SUMMARY_FILE = "About this download (read me first).html";
