import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { adminQuery } from "./helpers/db";

interface Column {
  table: string;
  column: string;
  type: string;
  nullable: boolean;
}

const scalarTypes: Record<string, string> = {
  String: "text",
  Int: "integer",
  BigInt: "bigint",
  Boolean: "boolean",
  DateTime: "timestamp without time zone",
  Json: "jsonb",
  Bytes: "bytea",
};
const dbTypes: Record<string, string> = { Uuid: "uuid", Timestamptz: "timestamp with time zone", Date: "date" };

/** Reads the scalar columns that prisma/schema.prisma declares (the subset of the language we use). */
function prismaColumns(): Column[] {
  const schema = readFileSync("prisma/schema.prisma", "utf8");
  const columns: Column[] = [];
  for (const [, body] of schema.matchAll(/^model \w+ \{\n([\s\S]*?)^\}/gm)) {
    const table = /@@map\("([^"]+)"\)/.exec(body!)?.[1];
    if (!table) throw new Error("every model maps to a snake_case table");
    for (const line of body!.split("\n")) {
      const m = /^\s+(\w+)\s+(\w+)(\[\])?(\?)?\s*(.*)$/.exec(line);
      if (!m || !scalarTypes[m[2]!]) continue;
      const [, name, type, list, optional, attributes] = m;
      const dbType = /@db\.(\w+)/.exec(attributes!)?.[1];
      columns.push({
        table,
        column: /@map\("([^"]+)"\)/.exec(attributes!)?.[1] ?? name!,
        // information_schema names every array column's type "ARRAY".
        type: list ? "ARRAY" : dbType ? dbTypes[dbType]! : scalarTypes[type!]!,
        nullable: optional === "?",
      });
    }
  }
  return columns;
}

describe("Prisma schema and migrated database", () => {
  it("agree on every table, column, type and nullability", async () => {
    const rows = await adminQuery<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>(
      `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
    );
    const database = rows.map((r) => ({ table: r.table_name, column: r.column_name, type: r.data_type, nullable: r.is_nullable === "YES" }));
    const key = (c: Column) => `${c.table}.${c.column}`;
    const sort = (cs: Column[]) => [...cs].sort((a, b) => key(a).localeCompare(key(b)));
    expect(sort(database)).toEqual(sort(prismaColumns()));
  });
});
