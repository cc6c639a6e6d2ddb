import type { ClinicalContent } from "@/lib/validation/patient";

/** FHIR R4 resources for the patient's export (GDPR Art. 20 portability in a format other systems import). */
type Resource = { resourceType: string; id: string } & Record<string, unknown>;

export interface ExportIdentity {
  patientId: string;
  givenName: string;
  familyName: string;
  birthDate: string;
  sex: string;
  mrn: string;
  address: string | null;
  phone: string | null;
  email: string | null;
}

export function patientResource(p: ExportIdentity): Resource {
  const telecom = [
    ...(p.phone ? [{ system: "phone", value: p.phone }] : []),
    ...(p.email ? [{ system: "email", value: p.email }] : []),
  ];
  return {
    resourceType: "Patient",
    id: p.patientId,
    identifier: [{ system: "urn:custodia:mrn", value: p.mrn }],
    name: [{ family: p.familyName, given: [p.givenName] }],
    gender: p.sex === "female" || p.sex === "male" || p.sex === "other" ? p.sex : "unknown",
    birthDate: p.birthDate,
    ...(telecom.length > 0 ? { telecom } : {}),
    ...(p.address ? { address: [{ text: p.address }] } : {}),
  };
}

export function clinicalResource(id: string, patientId: string, c: ClinicalContent): Resource {
  const subject = { reference: `Patient/${patientId}` };
  switch (c.kind) {
    case "encounter":
      return {
        resourceType: "Encounter",
        id,
        status: "finished",
        class: { system: "http://terminology.hl7.org/CodeSystem/v3-ActCode", code: "AMB", display: "ambulatory" },
        type: [{ text: c.type }],
        subject,
        period: { start: c.date },
        reasonCode: [{ text: c.reason }],
      };
    case "observation":
      return {
        resourceType: "Observation",
        id,
        status: "final",
        code: { coding: [{ system: "http://loinc.org", code: c.code, display: c.display }], text: c.display },
        subject,
        effectiveDateTime: c.date,
        valueQuantity: { value: c.value, unit: c.unit, system: "http://unitsofmeasure.org", code: c.unit },
      };
    case "note":
      return {
        resourceType: "DocumentReference",
        id,
        status: "current",
        description: c.title,
        subject,
        date: `${c.date}T00:00:00Z`,
        content: [{ attachment: { contentType: "text/plain", data: Buffer.from(c.text, "utf8").toString("base64"), title: c.title } }],
      };
    case "prescription":
      return {
        resourceType: "MedicationRequest",
        id,
        status: "active",
        intent: "order",
        medicationCodeableConcept: { text: c.medication },
        subject,
        authoredOn: c.date,
        dosageInstruction: [{ text: c.dosage }],
      };
    case "allergy":
      return {
        resourceType: "AllergyIntolerance",
        id,
        patient: subject,
        code: { text: c.substance },
        recordedDate: c.date,
        ...(c.reaction ? { reaction: [{ manifestation: [{ text: c.reaction }] }] } : {}),
      };
  }
}

export function consentResource(id: string, patientId: string, purpose: string, decision: string, at: string): Resource {
  return {
    resourceType: "Consent",
    id,
    status: decision === "granted" ? "active" : "inactive",
    scope: { coding: [{ system: "http://terminology.hl7.org/CodeSystem/consentscope", code: purpose === "research" ? "research" : "patient-privacy" }] },
    category: [{ text: purpose }],
    patient: { reference: `Patient/${patientId}` },
    dateTime: at,
    policyRule: { text: `custodia:${purpose}` },
    provision: { type: decision === "granted" ? "permit" : "deny" },
  };
}

export function auditEventResource(id: string, at: string, who: string, role: string, what: string): Resource {
  return {
    resourceType: "AuditEvent",
    id,
    type: { system: "http://terminology.hl7.org/CodeSystem/audit-event-type", code: "rest", display: "RESTful Operation" },
    recorded: at,
    outcome: "0",
    outcomeDesc: what,
    agent: [{ who: { display: who }, role: [{ text: role }], requestor: true }],
    source: { observer: { display: "Custodia" } },
  };
}
