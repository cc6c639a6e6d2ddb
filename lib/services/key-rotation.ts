import "server-only";
import { noRequest } from "@/lib/access/actor";
import { Conflict } from "@/lib/access/errors";
import { rewrapDataKey } from "@/lib/crypto/envelope";
import type { KeyProvider } from "@/lib/crypto/keys";
import { recordSystemEvents, withSystem } from "@/lib/db/transaction";

export interface RotationProgress {
  rewrapped: number;
  remaining: number;
  activeVersion: number;
}

/**
 * Rewraps every patient data key still wrapped by an older master key. Each batch commits on its own and
 * each row is only updated if still on the version it was read with, so a run killed at any point loses
 * nothing: every DEK is wrapped by either the old key (still present) or the new one, and a second run
 * picks up what is left.
 */
export async function rewrapDataKeys(
  provider: KeyProvider,
  options: { batchSize?: number; onBatch?: (progress: RotationProgress) => void } = {},
): Promise<RotationProgress> {
  const batchSize = options.batchSize ?? 200;
  const activeVersion = provider.masterKeys().active;
  let rewrapped = 0;
  for (;;) {
    const done = await withSystem(noRequest, async ({ tx, audit }) => {
      const rows = await tx.patientKey.findMany({
        where: { kekVersion: { not: activeVersion } },
        select: { patientId: true, dekWrapped: true, kekVersion: true },
        take: batchSize,
      });
      for (const row of rows) {
        const next = rewrapDataKey(row.patientId, row.dekWrapped, provider);
        await tx.patientKey.updateMany({
          where: { patientId: row.patientId, kekVersion: row.kekVersion },
          data: { dekWrapped: next.wrapped, kekVersion: next.kekVersion },
        });
      }
      if (rows.length > 0) audit({ action: "keys.rewrap_batch", details: { count: rows.length, toVersion: activeVersion } });
      return rows.length;
    });
    rewrapped += done;
    const remaining = await countOnOtherVersions(activeVersion);
    options.onBatch?.({ rewrapped, remaining, activeVersion });
    if (done === 0 || remaining === 0) return { rewrapped, remaining, activeVersion };
  }
}

async function countOnOtherVersions(activeVersion: number): Promise<number> {
  return withSystem(noRequest, ({ tx }) => tx.patientKey.count({ where: { kekVersion: { not: activeVersion } } }));
}

export async function dataKeysUsingVersion(version: number): Promise<number> {
  return withSystem(noRequest, ({ tx }) => tx.patientKey.count({ where: { kekVersion: version } }));
}

/** A master key may only be removed when no data key depends on it any more. */
export async function assertRetirable(provider: KeyProvider, version: number): Promise<void> {
  if (provider.masterKeys().active === version) throw new Conflict(`master key ${version} is the active one`);
  const users = await dataKeysUsingVersion(version);
  if (users > 0) throw new Conflict(`master key ${version} still wraps ${users} data keys: run keys:rotate first`);
  await recordSystemEvents(noRequest, [{ action: "keys.retire", details: { version } }]);
}
