import { beforeAll, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import type { Actor } from "@/lib/access/actor";
import { AccessDenied, Conflict, NotFound } from "@/lib/access/errors";
import { createProcessor, deleteProcessor, listProcessors, raiseProcessorExpiryAlerts, updateProcessor } from "@/lib/services/processors";
import type { ProcessorInput } from "@/lib/validation/processor";
import { adminQuery } from "./helpers/db";
import { actorOf, makeUser } from "./helpers/fixtures";
import { asRuntimeRole } from "./helpers/runtime-role";

const DAY = 86_400_000;
const dayFrom = (now: Date, days: number) => new Date(now.getTime() + days * DAY).toISOString().slice(0, 10);

let counter = 0;
function processor(overrides: Partial<ProcessorInput> = {}, now = new Date()): ProcessorInput {
  counter += 1;
  return {
    name: `Vendor ${counter} ${Math.random().toString(36).slice(2, 8)}`,
    service: "Hosting of encrypted backups",
    agreement: "baa",
    signedOn: dayFrom(now, -300),
    expiresOn: dayFrom(now, 400),
    dataCategories: ["health", "identifier"],
    country: "DE",
    documentRef: "Contracts drive / 2026 / hosting.pdf",
    ...overrides,
  };
}

async function rowCount(): Promise<number> {
  return (await adminQuery<{ n: number }>("SELECT count(*)::int AS n FROM processor"))[0]!.n;
}

async function auditOf(action: string, resourceId: string) {
  return adminQuery<{ actor_id: string | null; actor_role: string; details: Record<string, unknown> }>(
    "SELECT actor_id::text, actor_role, details FROM audit_event WHERE action = $1 AND resource_id = $2 ORDER BY seq",
    [action, resourceId],
  );
}

async function deniedFor(actorId: string, permission: string) {
  return adminQuery("SELECT 1 FROM audit_event WHERE action = 'access.denied' AND outcome = 'denied' AND actor_id = $1 AND details->>'permission' = $2", [actorId, permission]);
}

function zodFields(error: unknown): Record<string, string[] | undefined> {
  expect(error).toBeInstanceOf(ZodError);
  return (error as ZodError).flatten().fieldErrors as Record<string, string[] | undefined>;
}

let admin: Actor;
let auditor: Actor;
let adminId: string;
beforeAll(async () => {
  const a = await makeUser("admin");
  adminId = a.id;
  admin = actorOf(a);
  auditor = actorOf(await makeUser("auditor"));
});

describe("processor register", () => {
  it("an administrator adds, edits and removes a processor; each change is audited with before and after", async () => {
    const created = await createProcessor(admin, processor({ name: "Acme Cloud", country: "us", transferMechanism: "scc", agreement: "both" }));
    expect(created).toMatchObject({ name: "Acme Cloud", country: "US", transferMechanism: "scc", agreement: "both", dataCategories: ["health", "identifier"] });
    expect(await auditOf("processor.create", created.id)).toEqual([
      { actor_id: adminId, actor_role: "admin", details: { after: expect.objectContaining({ name: "Acme Cloud", country: "US" }) } },
    ]);

    const updated = await updateProcessor(admin, created.id, processor({ name: "Acme Cloud", country: "US", transferMechanism: "adequacy", expiresOn: dayFrom(new Date(), 20) }));
    expect(updated.transferMechanism).toBe("adequacy");
    const [update] = await auditOf("processor.update", created.id);
    expect(update!.details).toMatchObject({ before: { transferMechanism: "scc" }, after: { transferMechanism: "adequacy", expiresOn: dayFrom(new Date(), 20) } });

    const listed = (await listProcessors(auditor)).find((p) => p.id === created.id);
    expect(listed).toMatchObject({ status: "expiring", daysLeft: 20 });

    await deleteProcessor(admin, { id: created.id });
    expect(await auditOf("processor.delete", created.id)).toEqual([
      { actor_id: adminId, actor_role: "admin", details: { before: expect.objectContaining({ name: "Acme Cloud", transferMechanism: "adequacy" }) } },
    ]);
    await expect(deleteProcessor(admin, { id: created.id })).rejects.toBeInstanceOf(NotFound);
  });

  it("refuses bad agreements with a message per field and stores nothing", async () => {
    const before = await rowCount();
    const now = new Date();
    const cases: [Partial<ProcessorInput>, string, RegExp][] = [
      [{ signedOn: dayFrom(now, 1) }, "signedOn", /cannot be in the future/],
      [{ expiresOn: dayFrom(now, -300) }, "expiresOn", /must end after it was signed/],
      [{ expiresOn: "2026-02-30" }, "expiresOn", /does not exist/],
      [{ country: "US" }, "transferMechanism", /outside the EU\/EEA needs a transfer mechanism/],
      [{ country: "XX" }, "country", /not a country code/],
      [{ dataCategories: [] }, "dataCategories", /at least one category/],
      [{ agreement: "nda" as "baa" }, "agreement", /type of agreement/],
      [{ name: "  " }, "name", /name/],
    ];
    for (const [overrides, field, message] of cases) {
      const error = await createProcessor(admin, processor(overrides)).catch((e: unknown) => e);
      expect(zodFields(error)[field]?.join(" "), field).toMatch(message);
    }
    expect(await rowCount()).toBe(before);
  });

  it("accepts a processor inside the EU/EEA without a transfer mechanism", async () => {
    const created = await createProcessor(admin, processor({ country: "NO", transferMechanism: undefined }));
    expect(created.transferMechanism).toBeNull();
  });

  it("keeps one entry per vendor name, also when two administrators add it at once", async () => {
    const name = `Twin Labs ${Date.now()}`;
    const results = await Promise.allSettled([createProcessor(admin, processor({ name })), createProcessor(admin, processor({ name: name.toUpperCase() }))]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(Conflict);
    expect((rejected.reason as Conflict).message).toMatch(/already registered/);
    expect(await adminQuery("SELECT 1 FROM processor WHERE lower(name) = lower($1)", [name])).toHaveLength(1);
  });

  it("lets auditors read but not change the register; clinicians and patients see nothing; each refusal is logged", async () => {
    const auditorUser = await makeUser("auditor");
    const before = await rowCount();
    await expect(createProcessor(actorOf(auditorUser), processor())).rejects.toBeInstanceOf(AccessDenied);
    expect(await deniedFor(auditorUser.id, "processors.manage")).toHaveLength(1);
    expect(await rowCount()).toBe(before);
    for (const role of ["clinician", "patient"] as const) {
      const user = await makeUser(role);
      await expect(listProcessors(actorOf(user))).rejects.toBeInstanceOf(AccessDenied);
      expect(await deniedFor(user.id, "processors.read")).toHaveLength(1);
    }
  });
});

describe("processor register: the second wall (runtime role, arbitrary SQL)", () => {
  it("lets no context but an administrator's write, and none but admin, auditor and system read", async () => {
    await createProcessor(admin, processor());
    const clinician = await makeUser("clinician");
    const auditorUser = await makeUser("auditor");
    expect(await asRuntimeRole("SELECT * FROM processor", [], { role: "clinician", actorId: clinician.id })).toEqual([]);
    expect(await asRuntimeRole("SELECT * FROM processor")).toEqual([]);
    expect((await asRuntimeRole("SELECT * FROM processor", [], { role: "auditor", actorId: auditorUser.id })).length).toBeGreaterThan(0);

    const insert = `INSERT INTO processor (id, name, service, agreement, signed_on, expires_on, data_categories, country, document_ref)
                    VALUES (gen_random_uuid(), 'Sneaky', 's', 'dpa', current_date - 1, current_date + 100, '["health"]', 'DE', 'x')`;
    await expect(asRuntimeRole(insert, [], { role: "auditor", actorId: auditorUser.id })).rejects.toThrow(/row-level security/);
    expect(await asRuntimeRole("UPDATE processor SET document_ref = 'moved' RETURNING id", [], { role: "auditor", actorId: auditorUser.id })).toEqual([]);
    expect(await asRuntimeRole("DELETE FROM processor RETURNING id", [], { role: "clinician", actorId: clinician.id })).toEqual([]);
    expect(await adminQuery("SELECT 1 FROM processor WHERE name = 'Sneaky' OR document_ref = 'moved'")).toEqual([]);
  });

  it("refuses, even from an administrator's context, a processor outside the EU/EEA without a transfer mechanism, an agreement ending before it began, or no data category", async () => {
    const row = (country: string, signed: string, expires: string, categories = '["health"]') =>
      `INSERT INTO processor (id, name, service, agreement, signed_on, expires_on, data_categories, country, document_ref)
       VALUES (gen_random_uuid(), 'Raw ${country}${signed}', 's', 'dpa', ${signed}, ${expires}, '${categories}', '${country}', 'x')`;
    await expect(asRuntimeRole(row("US", "current_date - 1", "current_date + 10"), [], { role: "admin", actorId: adminId })).rejects.toThrow(/processor_transfer_outside_eea/);
    await expect(asRuntimeRole(row("DE", "current_date - 1", "current_date - 2"), [], { role: "admin", actorId: adminId })).rejects.toThrow(/processor_expiry_after_signing/);
    await expect(asRuntimeRole(row("DE", "current_date - 1", "current_date + 10", "[]"), [], { role: "admin", actorId: adminId })).rejects.toThrow(/processor_data_categories_check/);
    expect(await adminQuery("SELECT 1 FROM processor WHERE name LIKE 'Raw %'")).toEqual([]);
  });
});

describe("raiseProcessorExpiryAlerts", () => {
  async function expiryAlerts(processorId: string) {
    return adminQuery<{ details: Record<string, unknown>; actor_id: string | null }>(
      "SELECT details, actor_id::text FROM alert WHERE kind = 'processor_expiry' AND details->>'processorId' = $1 ORDER BY created_at, details->>'threshold'",
      [processorId],
    );
  }

  it("alerts 30 days before and on expiry, once per processor and threshold, even from parallel runs", async () => {
    const now = new Date();
    const soon = await createProcessor(admin, processor({ expiresOn: dayFrom(now, 10) }));
    const later = await createProcessor(admin, processor({ expiresOn: dayFrom(now, 35) }));
    const ended = await createProcessor(admin, processor({ signedOn: dayFrom(now, -400), expiresOn: dayFrom(now, -1) }));

    const first = await Promise.all([raiseProcessorExpiryAlerts(now), raiseProcessorExpiryAlerts(now), raiseProcessorExpiryAlerts(now)]);
    const raised = first.flat().filter((r) => [soon.id, later.id, ended.id].includes(r.processorId));
    expect(raised).toHaveLength(2);
    expect(await expiryAlerts(soon.id)).toEqual([{ actor_id: null, details: expect.objectContaining({ threshold: "30-days", daysLeft: 10, expiresOn: soon.expiresOn, processorName: soon.name }) }]);
    expect(await expiryAlerts(ended.id)).toEqual([{ actor_id: null, details: expect.objectContaining({ threshold: "expired", daysLeft: -1 }) }]);
    expect(await expiryAlerts(later.id)).toEqual([]);

    expect((await raiseProcessorExpiryAlerts(now)).filter((r) => r.processorId === soon.id)).toEqual([]);
    expect(await expiryAlerts(soon.id)).toHaveLength(1);

    // Ten days on: the first agreement has ended (its second alert), the second is now within 30 days.
    const tenDaysOn = new Date(now.getTime() + 10 * DAY);
    await raiseProcessorExpiryAlerts(tenDaysOn);
    expect((await expiryAlerts(soon.id)).map((a) => a.details.threshold)).toEqual(["30-days", "expired"]);
    expect((await expiryAlerts(later.id)).map((a) => a.details.threshold)).toEqual(["30-days"]);
    expect(await expiryAlerts(ended.id)).toHaveLength(1);

    const events = await adminQuery<{ actor_role: string; details: Record<string, unknown> }>(
      "SELECT actor_role, details FROM audit_event WHERE action = 'processor.expiry_alert' AND resource_id = $1 ORDER BY seq",
      [soon.id],
    );
    expect(events).toEqual([
      { actor_role: "system", details: { threshold: "30-days", expiresOn: soon.expiresOn } },
      { actor_role: "system", details: { threshold: "expired", expiresOn: soon.expiresOn } },
    ]);
  });

  it("alerts again for a renewed agreement when the new end date comes near", async () => {
    const now = new Date();
    const input = processor({ expiresOn: dayFrom(now, 5) });
    const p = await createProcessor(admin, input);
    await raiseProcessorExpiryAlerts(now);
    await updateProcessor(admin, p.id, { ...input, signedOn: dayFrom(now, 0), expiresOn: dayFrom(now, 365) });
    expect((await raiseProcessorExpiryAlerts(now)).filter((r) => r.processorId === p.id)).toEqual([]);
    await raiseProcessorExpiryAlerts(new Date(now.getTime() + 340 * DAY));
    expect((await expiryAlerts(p.id)).map((a) => [a.details.threshold, a.details.expiresOn])).toEqual([
      ["30-days", dayFrom(now, 5)],
      ["30-days", dayFrom(now, 365)],
    ]);
  });
});
