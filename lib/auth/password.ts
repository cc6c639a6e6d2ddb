import "server-only";
import { hash, verify } from "@node-rs/argon2";

// OWASP 2024 argon2id profile (19 MiB, t=2, p=1). argon2 hashes the whole input: no 72-byte
// truncation as with bcrypt; the validation schema caps length to keep hashing bounded.
// algorithm 2 is Argon2id (the package exports it as a const enum, which isolatedModules cannot import).
const options = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, options);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

// Verified against when the account does not exist, so unknown users cost the same time as wrong passwords.
const decoyHash = hash("custodia-decoy-password", options);

export async function burnPasswordCheck(password: string): Promise<false> {
  await verifyPassword(await decoyHash, password);
  return false;
}
