/**
 * Second half of `npm run build` (after `next build`): compiles the process that hosts Next.js, server.ts,
 * and the demo seed it spawns outside production, into dist/, so `npm start` runs plain `node` and needs
 * production dependencies only. Next's own bundle (.next/) covers the app; this covers what runs outside it.
 * Every package stays external (resolved from node_modules at run time, as under tsx); our own sources,
 * reached through the `@/` alias of tsconfig.json, are bundled. scripts/build-server.test.ts checks that
 * nothing the bundles import is a devDependency.
 */
import { build, type BuildOptions, type Metafile } from "esbuild";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

const common: BuildOptions = {
  absWorkingDir: root,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20.19",
  packages: "external",
  tsconfig: "tsconfig.json",
  sourcemap: "linked",
  logLevel: "warning",
};

/**
 * The host process is loaded without the react-server condition (Next.js must not see it); the seed and the
 * job runner go through the server-only service layer, so they are built for, and run with,
 * `--conditions=react-server`.
 */
export const serverBundles: BuildOptions[] = [
  { ...common, entryPoints: { server: "server.ts" }, outdir: "dist" },
  { ...common, entryPoints: { seed: "scripts/seed.ts" }, outdir: "dist", conditions: ["react-server"] },
  { ...common, entryPoints: { worker: "scripts/worker.ts" }, outdir: "dist", conditions: ["react-server"] },
];

export async function buildServer(write: boolean): Promise<Metafile[]> {
  const results = await Promise.all(serverBundles.map((options) => build({ ...options, write, metafile: true })));
  return results.map((result) => result.metafile);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await buildServer(true);
  console.log("compiled server.ts, scripts/seed.ts and scripts/worker.ts into dist/");
}
