import { beforeAll, describe, expect, it, vi } from "vitest";
import type { Actor } from "@/lib/access/actor";
import { errorTable } from "@/lib/http/error-table";
import { initialFormState } from "@/lib/validation/form-state";
import { adminQuery } from "./helpers/db";
import { actorOf, makeStaff, type TestUser } from "./helpers/fixtures";

// The session check needs a Next request; the actor it would return is set by each case.
const signedIn = vi.hoisted(() => ({ actor: null as Actor | null }));
vi.mock("@/lib/auth/require-actor", () => ({ requireActor: async () => signedIn.actor }));

const { openIncidentAction } = await import("@/app/incidents/actions");

let clinician: TestUser;

beforeAll(async () => {
  ({ clinician } = await makeStaff());
});

const denials = (actorId: string) =>
  adminQuery("SELECT 1 FROM audit_event WHERE actor_id = $1 AND action = 'access.denied' AND outcome = 'denied' AND details->>'permission' = 'incidents.manage'", [actorId]);

describe("the action client's permission gate", () => {
  it("refuses a clinician who posts the incident register's form, records it, and opens nothing", async () => {
    signedIn.actor = actorOf(clinician);
    const form = new FormData();
    form.set("title", "Laptop stolen");
    form.set("discoveredAt", "2026-03-01T10:00");
    const before = await adminQuery<{ n: string }>("SELECT count(*) AS n FROM incident");
    const state = await openIncidentAction(initialFormState, form);
    expect(state).toEqual({ ok: false, message: errorTable["access-denied"].message });
    expect(await denials(clinician.id)).toHaveLength(1);
    expect(await adminQuery<{ n: string }>("SELECT count(*) AS n FROM incident")).toEqual(before);
  });
});
