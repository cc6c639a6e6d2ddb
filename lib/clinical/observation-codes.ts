/**
 * The observations a clinician may record: common vitals and laboratory results, each with its LOINC code,
 * the display name people read, the one UCUM unit we store it in, and the range a real measurement can fall
 * in. The range refuses typing slips (heart rate −5, weight 700 kg), not abnormal results: it is wide on
 * purpose, well outside normal values. A code not listed here cannot be recorded.
 */
export interface ObservationCode {
  code: string;
  display: string;
  /** UCUM, as stored and exported (FHIR Quantity.code). */
  unit: string;
  /** The unit as people read it. */
  unitLabel: string;
  min: number;
  max: number;
}

export const observationCodes = [
  { code: "8867-4", display: "Heart rate", unit: "/min", unitLabel: "beats/min", min: 20, max: 250 },
  { code: "8480-6", display: "Systolic blood pressure", unit: "mm[Hg]", unitLabel: "mmHg", min: 50, max: 260 },
  { code: "8462-4", display: "Diastolic blood pressure", unit: "mm[Hg]", unitLabel: "mmHg", min: 20, max: 160 },
  { code: "9279-1", display: "Respiratory rate", unit: "/min", unitLabel: "breaths/min", min: 4, max: 70 },
  { code: "8310-5", display: "Body temperature", unit: "Cel", unitLabel: "°C", min: 30, max: 44 },
  { code: "2708-6", display: "Oxygen saturation", unit: "%", unitLabel: "%", min: 50, max: 100 },
  { code: "29463-7", display: "Body weight", unit: "kg", unitLabel: "kg", min: 0.3, max: 350 },
  { code: "8302-2", display: "Body height", unit: "cm", unitLabel: "cm", min: 20, max: 250 },
  { code: "39156-5", display: "Body mass index", unit: "kg/m2", unitLabel: "kg/m²", min: 8, max: 90 },
  { code: "4548-4", display: "Hemoglobin A1c", unit: "%", unitLabel: "%", min: 3, max: 20 },
  { code: "2339-0", display: "Glucose (blood)", unit: "mg/dL", unitLabel: "mg/dL", min: 10, max: 1500 },
  { code: "718-7", display: "Hemoglobin", unit: "g/dL", unitLabel: "g/dL", min: 2, max: 25 },
  { code: "2160-0", display: "Creatinine", unit: "mg/dL", unitLabel: "mg/dL", min: 0.1, max: 25 },
  { code: "2823-3", display: "Potassium", unit: "mmol/L", unitLabel: "mmol/L", min: 1, max: 10 },
  { code: "2951-2", display: "Sodium", unit: "mmol/L", unitLabel: "mmol/L", min: 100, max: 180 },
  { code: "2093-3", display: "Total cholesterol", unit: "mg/dL", unitLabel: "mg/dL", min: 50, max: 700 },
  { code: "2085-9", display: "HDL cholesterol", unit: "mg/dL", unitLabel: "mg/dL", min: 5, max: 200 },
  { code: "13457-7", display: "LDL cholesterol (calculated)", unit: "mg/dL", unitLabel: "mg/dL", min: 5, max: 500 },
  { code: "6690-2", display: "White blood cell count", unit: "10*3/uL", unitLabel: "×10³/µL", min: 0.1, max: 200 },
  { code: "777-3", display: "Platelet count", unit: "10*3/uL", unitLabel: "×10³/µL", min: 1, max: 2000 },
] as const satisfies readonly ObservationCode[];

export type ObservationCodeValue = (typeof observationCodes)[number]["code"];

const byCode = new Map<string, ObservationCode>(observationCodes.map((c) => [c.code, c]));

export function observationCode(code: string): ObservationCode | undefined {
  return byCode.get(code);
}
