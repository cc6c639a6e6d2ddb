import { vi } from "vitest";
import { resetConfig } from "@/lib/config";

/**
 * The app parses its configuration once (lib/config.ts); a test still sets a variable for one case by writing
 * process.env, and this makes the next config() read it. Tests only: a running portal never re-reads.
 */
function watched(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return new Proxy(env, {
    set(target, key, value) {
      const done = Reflect.set(target, key, value);
      resetConfig();
      return done;
    },
    deleteProperty(target, key) {
      const done = Reflect.deleteProperty(target, key);
      resetConfig();
      return done;
    },
  });
}

// A test that restores the environment by assigning a copy gets its copy watched too.
let current = watched(process.env);
Object.defineProperty(process, "env", {
  configurable: true,
  enumerable: true,
  get: () => current,
  set: (next: NodeJS.ProcessEnv) => {
    current = watched(next);
    resetConfig();
  },
});

// vi.stubEnv writes to the environment object vitest captured before this file ran, past the proxy above.
const stubEnv = vi.stubEnv.bind(vi);
vi.stubEnv = ((name: string, value: string | boolean | undefined) => {
  const utils = stubEnv(name, value as string);
  resetConfig();
  return utils;
}) as typeof vi.stubEnv;
const unstubAllEnvs = vi.unstubAllEnvs.bind(vi);
vi.unstubAllEnvs = (() => {
  const utils = unstubAllEnvs();
  resetConfig();
  return utils;
}) as typeof vi.unstubAllEnvs;
