import { describe, expect, it } from "vitest";
import { can, permissions, type Permission } from "./permissions";
import { roles } from "./roles";

const all = Object.keys(permissions) as Permission[];
const phi = all.filter((p) => p.startsWith("self.") || p.startsWith("patients.") || p.startsWith("chart.") || p === "breakGlass.use");

describe("permission table", () => {
  it("gives every role its own area and no other", () => {
    for (const role of roles) {
      for (const area of roles) expect(can(role, `area.${area}`), `${role} in ${area}`).toBe(role === area);
    }
  });

  it("keeps auditors and admins away from personal health data (least privilege)", () => {
    for (const permission of phi) {
      expect(can("auditor", permission), permission).toBe(false);
      expect(can("admin", permission), permission).toBe(false);
    }
  });

  it("lets only patients act on their own data and only clinicians read charts", () => {
    for (const permission of all.filter((p) => p.startsWith("self."))) {
      expect(roles.filter((r) => can(r, permission))).toEqual(["patient"]);
    }
    expect(roles.filter((r) => can(r, "chart.read"))).toEqual(["clinician"]);
  });

  it("keeps the audit log out of clinicians' and patients' reach", () => {
    for (const permission of all.filter((p) => p.startsWith("audit."))) {
      expect(roles.filter((r) => can(r, permission))).toEqual(["auditor"]);
    }
  });

  it("lets admins and auditors keep the incident register, and only admins print letters (the one PHI read)", () => {
    expect(roles.filter((r) => can(r, "incidents.read"))).toEqual(["auditor", "admin"]);
    expect(roles.filter((r) => can(r, "incidents.manage"))).toEqual(["auditor", "admin"]);
    expect(roles.filter((r) => can(r, "incidents.letters"))).toEqual(["admin"]);
  });

  it("the table is exactly as documented", () => {
    expect(permissions).toEqual({
      "area.patient": ["patient"],
      "area.clinician": ["clinician"],
      "area.auditor": ["auditor"],
      "area.admin": ["admin"],
      "self.record.read": ["patient"],
      "self.consent.manage": ["patient"],
      "self.export": ["patient"],
      "self.requests.manage": ["patient"],
      "self.accessLog.read": ["patient"],
      "patients.list": ["clinician"],
      "patients.search": ["clinician"],
      "patients.register": ["clinician"],
      "chart.read": ["clinician"],
      "chart.write": ["clinician"],
      "breakGlass.use": ["clinician"],
      "audit.read": ["auditor"],
      "audit.export": ["auditor"],
      "audit.verify": ["auditor"],
      "alerts.review": ["auditor"],
      "breakGlass.review": ["auditor"],
      "incidents.read": ["auditor", "admin"],
      "accessReview.read": ["auditor", "admin"],
      "incidents.manage": ["auditor", "admin"],
      "incidents.letters": ["admin"],
      "users.manage": ["admin"],
      "careTeams.manage": ["admin"],
      "careTeams.assignOwn": ["clinician"],
      "retention.manage": ["admin"],
      "jobs.read": ["admin", "auditor"],
      "erasure.manage": ["admin"],
      "keys.manage": ["admin"],
      "backups.manage": ["admin"],
      "dataMap.read": ["admin", "auditor"],
      "processors.read": ["admin", "auditor"],
      "processors.manage": ["admin"],
    });
  });
});
