/**
 * `npm run keys:rotate`: new master key version, then every patient data key rewrapped under it.
 * Resumable: if a previous run was interrupted (data keys still on an older version), it finishes that
 * rotation instead of starting another. In production the operator adds the new key to
 * CUSTODIA_MASTER_KEYS and sets CUSTODIA_ACTIVE_MASTER_KEY first; this script then only rewraps.
 */
import { noRequest } from "@/lib/access/actor";
import { config } from "@/lib/config";
import { FileKeyProvider, keyProvider } from "@/lib/crypto/keys";
import { disconnectPrisma } from "@/lib/db/client";
import { withSystem } from "@/lib/db/transaction";
import { rewrapDataKeys } from "@/lib/services/key-rotation";
import { withDatabase } from "./with-database";


await withDatabase(async () => {
  const provider = keyProvider();
  const active = provider.masterKeys().active;
  const behind = await withSystem(noRequest, ({ tx }) => tx.patientKey.count({ where: { kekVersion: { not: active } } }));
  if (behind === 0 && provider instanceof FileKeyProvider) {
    const version = provider.addMasterKeyVersion();
    await withSystem(noRequest, async ({ audit }) => audit({ action: "keys.rotate", details: { newVersion: version } }));
    console.log(`created master key version ${version}`);
  } else if (behind > 0) {
    console.log(`resuming: ${behind} data keys are not yet under master key ${active}`);
  }
  const result = await rewrapDataKeys(provider, {
    batchSize: config().keyRotationBatchSize,
    onBatch: (p) => console.log(`rewrapped ${p.rewrapped}, remaining ${p.remaining} (master key ${p.activeVersion})`),
  });
  console.log(`done: ${result.rewrapped} data keys rewrapped; every data key is under master key ${result.activeVersion}`);
  await disconnectPrisma();
});
