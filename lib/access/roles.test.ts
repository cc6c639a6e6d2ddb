import { describe, expect, it } from "vitest";
import { can } from "./permissions";
import { mfaRequired, roleHome, roleLabel, roles, roleSchema } from "./roles";

describe("roles", () => {
  it("accepts exactly the four roles and refuses any other claimed role", () => {
    expect(roles).toEqual(["patient", "clinician", "auditor", "admin"]);
    expect(roleSchema.safeParse("superuser").success).toBe(false);
    expect(roleSchema.safeParse("Admin").success).toBe(false);
  });

  it("requires a second factor of every staff member and of no patient", () => {
    expect(roles.filter(mfaRequired)).toEqual(["clinician", "auditor", "admin"]);
  });

  it("sends each role home to the one area it may enter", () => {
    for (const role of roles) {
      expect(roleHome[role]).toBe(`/${role}`);
      expect(can(role, `area.${role}`)).toBe(true);
    }
  });

  it("names each role in words a person reads", () => {
    expect(roleLabel).toEqual({ patient: "Patient", clinician: "Clinician", auditor: "Auditor", admin: "Administrator" });
  });
});
