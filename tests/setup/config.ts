import { resetConfig } from "@/lib/config";

/**
 * The app parses its configuration once (lib/config.ts); a test still sets a variable for one case by writing
 * process.env, and this makes the next config() read it. Tests only: a running portal never re-reads.
 */
const env = process.env;
process.env = new Proxy(env, {
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
