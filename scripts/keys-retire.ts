/** `npm run keys:retire -- <version>`: removes a master key version once no data key depends on it. */
import { FileKeyProvider, keyProvider } from "@/lib/crypto/keys";
import { disconnectPrisma } from "@/lib/db/client";
import { assertRetirable } from "@/lib/services/key-rotation";
import { withDatabase } from "./with-database";

const version = Number(process.argv[2]);
if (!Number.isInteger(version)) {
  console.error("usage: npm run keys:retire -- <master key version>");
  process.exit(2);
}
await withDatabase(async () => {
  const provider = keyProvider();
  await assertRetirable(provider, version);
  if (provider instanceof FileKeyProvider) {
    provider.retireMasterKeyVersion(version);
    console.log(`master key ${version} removed from ${provider.dir}`);
  } else {
    console.log(`no data key uses master key ${version}: remove it from CUSTODIA_MASTER_KEYS`);
  }
  await disconnectPrisma();
});
