import { randomBytes } from "node:crypto";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { BackupIntegrityError, CHUNK, DecryptStream, EncryptStream } from "./stream-cipher";

const key = randomBytes(32);
const ID = "20261202T000000Z-abcdef";

/** Feeds `data` in pieces of `piece` bytes: chunk boundaries must not depend on how the dump arrives. */
async function through(stream: EncryptStream | DecryptStream, data: Buffer, piece = 10_000): Promise<Buffer> {
  const parts: Buffer[] = [];
  const pieces = function* () {
    for (let i = 0; i < data.length; i += piece) yield data.subarray(i, i + piece);
  };
  await pipeline(Readable.from(pieces()), stream, new Writable({ write: (c: Buffer, _e, done) => (parts.push(c), done()) }));
  return Buffer.concat(parts);
}

describe("chunked backup cipher", () => {
  for (const size of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 17]) {
    it(`round-trips ${size} bytes, with checksums that agree on both sides`, async () => {
      const plain = randomBytes(size);
      const encrypt = new EncryptStream(key, ID);
      const sealed = await through(encrypt, plain, 7_777);
      const decrypt = new DecryptStream(key, ID);
      expect((await through(decrypt, sealed, 5_000)).equals(plain)).toBe(true);
      expect(decrypt.digests()).toEqual(encrypt.digests());
    });
  }

  it("refuses a file whose last full chunk was dropped (a cut at a chunk boundary)", async () => {
    const sealed = await through(new EncryptStream(key, ID), randomBytes(2 * CHUNK));
    const header = 8 + 8 + 1 + ID.length;
    const cut = sealed.subarray(0, header + CHUNK + 16);
    await expect(through(new DecryptStream(key, ID), cut)).rejects.toThrow(/chunk 0 failed authentication/);
  });

  it("refuses the file of another backup, and a wrong key at the first chunk", async () => {
    const sealed = await through(new EncryptStream(key, ID), randomBytes(100));
    await expect(through(new DecryptStream(key, "20261202T000000Z-000000"), sealed)).rejects.toThrow(/belongs to another backup/);
    await expect(through(new DecryptStream(randomBytes(32), ID), sealed)).rejects.toThrow(BackupIntegrityError);
    await expect(through(new DecryptStream(randomBytes(32), ID), sealed)).rejects.toThrow(/chunk 0 failed authentication: wrong backup key/);
  });
});
