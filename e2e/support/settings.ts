import { createServer } from "node:net";

/**
 * Where this run's e2e servers listen and which database they share. Chosen once, in the Playwright runner
 * process, and handed on through the environment, so the workers (which load the config again), the
 * servers (e2e/support/serve.mjs) and the specs all agree. Several runs can share a machine:
 * - E2E_PORT / E2E_IDLE_PORT (defaults 3100 / 3101): a port set explicitly must be free, or the run stops
 *   and says so; a default that is taken is replaced by a free port, with a note.
 * - E2E_EMBEDDED_PORT (default 54339): the embedded PostgreSQL when no DATABASE_URL is given, same rules.
 * - E2E_DATABASE (default custodia_e2e): the database created afresh on the DATABASE_URL server.
 */
export interface E2eSettings {
  port: number;
  idlePort: number;
  embeddedPort: number;
  database: string;
}

const CHOSEN = "E2E_SETTINGS_CHOSEN";

function free(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function choosePort(variable: string, fallback: number, taken: Set<number>): Promise<number> {
  const requested = process.env[variable];
  if (requested !== undefined) {
    const port = Number(requested);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`${variable}=${requested} is not a port number`);
    if (taken.has(port) || !(await free(port))) {
      throw new Error(`${variable}=${port}: that port is already in use on 127.0.0.1. Stop what holds it, or choose another ${variable}.`);
    }
    return port;
  }
  if (!taken.has(fallback) && (await free(fallback))) return fallback;
  let port = await anyFreePort();
  while (taken.has(port)) port = await anyFreePort();
  console.log(`e2e: port ${fallback} is already in use; using ${port} instead (set ${variable} to choose).`);
  return port;
}

function fromEnvironment(): E2eSettings {
  return {
    port: Number(process.env.E2E_PORT),
    idlePort: Number(process.env.E2E_IDLE_PORT),
    embeddedPort: Number(process.env.E2E_EMBEDDED_PORT),
    database: process.env.E2E_DATABASE!,
  };
}

/** In the runner: choose and publish. In a worker or a spec: read what the runner published. */
export async function e2eSettings(): Promise<E2eSettings> {
  if (process.env[CHOSEN]) return fromEnvironment();
  const database = process.env.E2E_DATABASE ?? "custodia_e2e";
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(database)) throw new Error(`E2E_DATABASE=${database} must be a plain lower-case identifier`);
  const taken = new Set<number>();
  const port = await choosePort("E2E_PORT", 3100, taken);
  taken.add(port);
  const idlePort = await choosePort("E2E_IDLE_PORT", 3101, taken);
  taken.add(idlePort);
  const embedded = !(process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL);
  const embeddedPort = embedded ? await choosePort("E2E_EMBEDDED_PORT", 54339, taken) : 54339;
  Object.assign(process.env, {
    E2E_PORT: String(port),
    E2E_IDLE_PORT: String(idlePort),
    E2E_EMBEDDED_PORT: String(embeddedPort),
    E2E_DATABASE: database,
    [CHOSEN]: "1",
  });
  return fromEnvironment();
}

/** The second server (short idle timeout, low bulk-access limit), for the specs that need it. */
export function idleServer(): string {
  return `http://127.0.0.1:${fromEnvironment().idlePort}`;
}
