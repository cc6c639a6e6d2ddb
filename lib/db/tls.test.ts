import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { disconnectPrisma, prisma } from "./client";
import { migrate } from "./migrate";

/**
 * A stand-in PostgreSQL server that speaks only the start of the protocol: it accepts the SSLRequest,
 * completes a TLS handshake with a certificate for "localhost" signed by a throw-away CA, and answers the
 * startup message with an error naming what it saw. Enough to prove which connections the app's own
 * database clients (Prisma's pool and the migrator) make for a given URL.
 */
const SSL_REQUEST = 80877103;
let dir: string;
let server: Server;
let port: number;
const seen: string[] = [];
const originalDatabaseUrl = process.env.DATABASE_URL;

function errorResponse(message: string): Buffer {
  const fields = Buffer.concat([Buffer.from(`SFATAL\0C08006\0M${message}\0`), Buffer.from([0])]);
  const header = Buffer.alloc(5);
  header.write("E", 0);
  header.writeUInt32BE(fields.length + 4, 1);
  return Buffer.concat([header, fields]);
}

function serve(socket: Socket, key: string, cert: string): void {
  socket.on("error", () => undefined);
  socket.once("data", (first) => {
    if (first.length >= 8 && first.readUInt32BE(4) === SSL_REQUEST) {
      socket.write("S");
      const tls = new TLSSocket(socket, { isServer: true, key, cert });
      tls.on("error", () => seen.push("tls-refused-by-client"));
      tls.once("data", () => {
        seen.push("tls");
        tls.end(errorResponse("stand-in reached over verified TLS"));
      });
    } else {
      seen.push("plaintext");
      socket.end(errorResponse("stand-in reached in plaintext"));
    }
  });
}

function openssl(...args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "custodia-tls-"));
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl("req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=custodia test CA");
  openssl("req", "-x509", ...ec, "-keyout", "other-ca.key", "-out", "other-ca.pem", "-days", "2", "-subj", "/CN=someone else");
  openssl("req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost");
  writeFileSync(join(dir, "san.ext"), "subjectAltName=DNS:localhost\n");
  openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.ext");
  const key = readFileSync(join(dir, "server.key"), "utf8");
  const cert = readFileSync(join(dir, "server.pem"), "utf8");
  server = createServer((socket) => serve(socket, key, cert));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  await disconnectPrisma();
  if (originalDatabaseUrl === undefined) delete process.env.DATABASE_URL;
  else process.env.DATABASE_URL = originalDatabaseUrl;
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

async function throughPrisma(url: string): Promise<string> {
  await disconnectPrisma();
  process.env.DATABASE_URL = url;
  try {
    await prisma().$queryRaw`SELECT 1`;
    return "connected";
  } catch (error) {
    return String(error);
  }
}

async function throughMigrator(url: string): Promise<string> {
  return migrate(url).then(
    () => "connected",
    (error: unknown) => String(error),
  );
}

describe("sslmode=verify-full is honoured by the app's database clients", () => {
  const url = (host: string, ca: string) => `postgresql://app:pw@${host}:${port}/custodia?sslmode=verify-full&sslrootcert=${join(dir, ca)}`;

  it("connects over TLS to the server whose certificate and name check out", async () => {
    seen.length = 0;
    expect(await throughPrisma(url("localhost", "ca.pem"))).toContain("stand-in reached over verified TLS");
    expect(await throughMigrator(url("localhost", "ca.pem"))).toContain("stand-in reached over verified TLS");
    expect(seen).toContain("tls");
    expect(seen).not.toContain("plaintext");
  });

  it("refuses a server whose certificate is signed by another CA (an impostor on the path)", async () => {
    seen.length = 0;
    for (const result of [await throughPrisma(url("localhost", "other-ca.pem")), await throughMigrator(url("localhost", "other-ca.pem"))]) {
      expect(result).not.toContain("stand-in reached");
      expect(result).toMatch(/certificate/i);
    }
    expect(seen).not.toContain("tls");
  });

  it("refuses a valid certificate issued for another name", async () => {
    seen.length = 0;
    for (const result of [await throughPrisma(url("127.0.0.1", "ca.pem")), await throughMigrator(url("127.0.0.1", "ca.pem"))]) {
      expect(result).not.toContain("stand-in reached");
      expect(result).toMatch(/altnames|does not match/i);
    }
    expect(seen).not.toContain("tls");
  });

  it("a URL without sslmode speaks plaintext, which is why production refuses it (transport.ts)", async () => {
    seen.length = 0;
    expect(await throughMigrator(`postgresql://app:pw@localhost:${port}/custodia`)).toContain("stand-in reached in plaintext");
    expect(seen).toEqual(["plaintext"]);
  });
});
