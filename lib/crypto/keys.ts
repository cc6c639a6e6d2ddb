import { config } from "@/lib/config";
import { EnvKeyProvider } from "./env-key-provider";
import { FileKeyProvider } from "./file-key-provider";
import type { KeyProvider } from "./key-provider";

export { EnvKeyProvider, envKeyNames, generateProductionKeys } from "./env-key-provider";
export { FileKeyProvider } from "./file-key-provider";
export { secretPurposes, type AuditSigningKey, type KeyProvider, type MasterKeys, type SecretPurpose } from "./key-provider";

let provider: KeyProvider | undefined;

/**
 * The process-wide key provider. Production reads the environment and fails closed when a key is missing;
 * development and test use the generated key file in `config().keyDir`.
 */
export function keyProvider(): KeyProvider {
  provider ??= newKeyProvider();
  return provider;
}

/** A provider for the current configuration, not kept: for set-up code that must not fix the process's keys. */
export function newKeyProvider(): KeyProvider {
  // Key material comes from the environment here and never through config(): settings may be logged, keys never.
  return config().env === "production" ? new EnvKeyProvider(process.env) : new FileKeyProvider(config().keyDir);
}
