import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import type { Metafile } from "esbuild";
import { describe, expect, it } from "vitest";
import { buildServer } from "./build-server";

const manifest = JSON.parse(readFileSync("package.json", "utf8")) as { dependencies: Record<string, string> };
const lock = JSON.parse(readFileSync("package-lock.json", "utf8")) as { packages: Record<string, { dev?: boolean }> };

function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/** What the emitted files import at run time (the outputs, not the sources: type-only imports are gone). */
function externalImports(metafiles: Metafile[]): string[] {
  return [...new Set(metafiles.flatMap((meta) => Object.values(meta.outputs).flatMap((output) => output.imports.filter((i) => i.external).map((i) => i.path))))];
}

/** What the compiled files load at run time that `npm install --omit=dev` would not install. */
function missingInProduction(metafiles: Metafile[]): string[] {
  return externalImports(metafiles).filter((path) => {
    if (isBuiltin(path)) return false;
    const name = packageName(path);
    return !(name in manifest.dependencies) || lock.packages[`node_modules/${name}`]?.dev === true;
  });
}

describe("the compiled server (npm start)", () => {
  it("loads production dependencies only: every external import is a Node.js built-in or in dependencies", async () => {
    const metafiles = await buildServer(false);
    // The bundles do reach out to packages (next, pg, the Prisma runtime), so the check has material.
    expect(externalImports(metafiles).map(packageName)).toEqual(expect.arrayContaining(["next", "pg", "@prisma/client"]));
    expect(missingInProduction(metafiles)).toEqual([]);
  });

  it("does not load `server-only`: the server runs without the react-server condition, where it throws at start", async () => {
    const [server] = await buildServer(false);
    expect(externalImports([server!])).not.toContain("server-only");
  });

  it("bundles our own sources: no `@/` alias or TypeScript file is left for run time", async () => {
    const externals = externalImports(await buildServer(false));
    expect(externals.filter((path) => path.startsWith("@/") || path.startsWith(".") || path.endsWith(".ts"))).toEqual([]);
  });

  it("every external import resolves to a file under Node's ESM loader, with the conditions each bundle runs with", async () => {
    const [server, seed, worker] = await buildServer(false);
    // A child process: Node's own resolver, not the test runner's. import.meta.resolve maps a bare file name
    // inside a package without an "exports" map to a path without checking it exists, hence existsSync.
    const unresolved = (metafile: Metafile, conditions: string[]) => {
      const script = `import { existsSync } from "node:fs"; import { isBuiltin } from "node:module"; import { fileURLToPath } from "node:url";
        const missing = [];
        for (const s of JSON.parse(process.argv[1])) {
          if (isBuiltin(s)) continue;
          try { if (!existsSync(fileURLToPath(import.meta.resolve(s)))) missing.push(s); } catch { missing.push(s); }
        }
        console.log(JSON.stringify(missing));`;
      const run = spawnSync(process.execPath, [...conditions, "--input-type=module", "-e", script, JSON.stringify(externalImports([metafile]))], { encoding: "utf8" });
      expect(run.status, run.stderr).toBe(0);
      return JSON.parse(run.stdout) as string[];
    };
    expect(unresolved(server!, [])).toEqual([]);
    expect(unresolved(seed!, ["--conditions=react-server"])).toEqual([]);
    expect(unresolved(worker!, ["--conditions=react-server"])).toEqual([]);
  });

  it("the check names a devDependency when one is imported", () => {
    const meta: Metafile = {
      inputs: {},
      outputs: {
        "dist/server.js": {
          bytes: 1,
          inputs: {},
          exports: [],
          imports: [
            { path: "tsx/esm/api", kind: "import-statement", external: true },
            { path: "node:fs", kind: "import-statement", external: true },
          ],
        },
      },
    };
    expect(missingInProduction([meta])).toEqual(["tsx/esm/api"]);
  });
});
