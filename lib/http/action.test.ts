import { beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { AccessDenied, NotFound } from "@/lib/access/errors";
import type { Actor } from "@/lib/access/actor";
import { errorTable } from "./error-table";

const actor = { userId: "u1", role: "admin" } as unknown as Actor;
const calls = vi.hoisted(() => ({ gate: [] as unknown[], authorize: [] as unknown[], revalidated: [] as unknown[], notFound: 0, refuse: false }));

vi.mock("@/lib/auth/require-actor", () => ({ requireActor: async (area?: string) => (calls.gate.push(area), actor) }));
vi.mock("@/lib/access/authorize", () => ({
  authorize: async (_: Actor, permission: string) => {
    calls.authorize.push(permission);
    if (calls.refuse) throw new AccessDenied(permission);
  },
}));
vi.mock("next/cache", () => ({ revalidatePath: (...args: unknown[]) => calls.revalidated.push(args) }));
vi.mock("next/navigation", () => ({
  notFound: () => {
    calls.notFound++;
    throw new Error("NEXT_NOT_FOUND");
  },
  forbidden: () => {
    throw new Error("NEXT_FORBIDDEN");
  },
}));

const { actionClient, parsedByService } = await import("./action");
const schema = z.object({ name: z.string().min(2, "Enter a name") });
const form = (fields: Record<string, string>) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  return f;
};

beforeEach(() => {
  calls.gate = [];
  calls.authorize = [];
  calls.revalidated = [];
  calls.notFound = 0;
  calls.refuse = false;
});

describe("the action client", () => {
  it("gates the area, parses, runs the service with the actor, revalidates and says it is done", async () => {
    const run = vi.fn(async () => 3);
    const state = await actionClient("admin").form(form({ name: "Ada", extra: "dropped" }), { schema, run, revalidate: "/admin/x", done: "Saved." });
    expect(state).toEqual({ ok: true, message: "Saved." });
    expect(calls.gate).toEqual(["admin"]);
    expect(run).toHaveBeenCalledWith(actor, { name: "Ada" });
    expect(calls.revalidated).toEqual([["/admin/x", "layout"]]);
  });

  it("returns field errors (the answer only points to them) and runs nothing when the input does not parse", async () => {
    const run = vi.fn(async () => undefined);
    const state = await actionClient("admin").form(form({ name: "A" }), { schema, run, revalidate: "/admin/x", done: "Saved." });
    expect(state).toEqual({ ok: false, message: "Please check the highlighted field.", errors: { name: ["Enter a name"] } });
    expect(run).not.toHaveBeenCalled();
    expect(calls.revalidated).toEqual([]);
  });

  it("says one sentence instead of field errors for a form the person did not type", async () => {
    const state = await actionClient("patient").form(form({}), { schema, run: async () => undefined, done: "Saved.", unreadable: "That change could not be read." });
    expect(state).toEqual({ ok: false, message: "That change could not be read." });
  });

  it("answers a domain error with the error table's words and does not revalidate", async () => {
    const run = async () => {
      throw new NotFound("care team");
    };
    const state = await actionClient("admin").form(form({ name: "Ada" }), { schema, run, revalidate: "/admin/x", done: "Saved." });
    expect(state).toEqual({ ok: false, message: errorTable["not-found"].message });
    expect(calls.revalidated).toEqual([]);
  });

  it("refuses before parsing when the permission is missing, with the recorded-attempt message", async () => {
    calls.refuse = true;
    const run = vi.fn(async () => undefined);
    const state = await actionClient(undefined, "incidents.manage").form(form({ name: "Ada" }), { schema, run, done: "Saved." });
    expect(state).toEqual({ ok: false, message: errorTable["access-denied"].message });
    expect(calls.authorize).toEqual(["incidents.manage"]);
    expect(run).not.toHaveBeenCalled();
  });

  it("lets a bug propagate instead of dressing it as a refusal", async () => {
    const run = async () => {
      throw new TypeError("bug");
    };
    await expect(actionClient("admin").form(form({ name: "Ada" }), { schema, run, done: "Saved." })).rejects.toThrow(TypeError);
  });

  it("runs done outside the error mapping, so its redirect is not taken for a refusal", async () => {
    const redirect = new Error("NEXT_REDIRECT");
    const done = () => {
      throw redirect;
    };
    await expect(actionClient("admin").form(form({ name: "Ada" }), { schema, run: async () => 1, done })).rejects.toBe(redirect);
  });

  it("answers a button whose target does not parse, or is out of scope, with a 404", async () => {
    const run = vi.fn(async () => undefined);
    await expect(actionClient("auditor").button(form({ name: "" }), { schema, run })).rejects.toThrow("NEXT_NOT_FOUND");
    expect(run).not.toHaveBeenCalled();
    const outOfScope = async () => {
      throw new NotFound("open alert");
    };
    await expect(actionClient("auditor").button(form({ id: "x" }), { schema: parsedByService, run: outOfScope })).rejects.toThrow("NEXT_NOT_FOUND");
    expect(calls.notFound).toBe(2);
  });
});
