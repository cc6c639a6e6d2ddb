import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";

/**
 * The backup file format: a header, then the dump in 64 KiB chunks, each sealed on its own with AES-256-GCM.
 *
 *   header  = MAGIC (8) | nonce prefix (8, random per file) | id length (1) | backup id (ASCII)
 *   chunk i = ciphertext of up to CHUNK plaintext bytes | tag (16)
 *   nonce i = nonce prefix | i (uint32 BE)        AAD i = header | i (uint64 BE) | final (1 byte)
 *
 * Every chunk but the last holds exactly CHUNK bytes, so the reader knows where each one ends. The index in the
 * AAD detects reordered or swapped chunks, the final flag a file cut at a chunk boundary, and the header in the
 * AAD a chunk moved from another backup. Nonces never repeat under one key: a fresh random prefix per file
 * (2^64 files before a collision is likely) and a counter inside it.
 */
export const CHUNK = 64 * 1024;
const TAG = 16;
const MAGIC = Buffer.from("CSTDBK01", "ascii");
const MAX_CHUNKS = 2 ** 32;

export class BackupIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackupIntegrityError";
  }
}

export function encodeHeader(backupId: string, prefix = randomBytes(8)): Buffer {
  const id = Buffer.from(backupId, "ascii");
  if (id.length === 0 || id.length > 255) throw new Error("backup id must be 1 to 255 ASCII characters");
  return Buffer.concat([MAGIC, prefix, Buffer.from([id.length]), id]);
}

function nonce(prefix: Buffer, index: number): Buffer {
  const n = Buffer.alloc(12);
  prefix.copy(n, 0, 0, 8);
  n.writeUInt32BE(index, 8);
  return n;
}

function aad(header: Buffer, index: number, final: boolean): Buffer {
  const tail = Buffer.alloc(9);
  tail.writeBigUInt64BE(BigInt(index), 0);
  tail[8] = final ? 1 : 0;
  return Buffer.concat([header, tail]);
}

/** Sums kept while a stream passes: what the manifest records and the restore checks. */
export interface StreamDigests {
  plaintextSha256: string;
  ciphertextSha256: string;
  plaintextBytes: number;
  ciphertextBytes: number;
}

/** Both sums and byte counts, fed as the bytes pass; one per stream, encrypting or decrypting. */
class Tally {
  private readonly plain = createHash("sha256");
  private readonly cipher = createHash("sha256");
  private plainBytes = 0;
  private cipherBytes = 0;

  plaintext(bytes: Buffer): void {
    this.plain.update(bytes);
    this.plainBytes += bytes.length;
  }

  ciphertext(bytes: Buffer): void {
    this.cipher.update(bytes);
    this.cipherBytes += bytes.length;
  }

  digests(): StreamDigests {
    return {
      plaintextSha256: this.plain.copy().digest("hex"),
      ciphertextSha256: this.cipher.copy().digest("hex"),
      plaintextBytes: this.plainBytes,
      ciphertextBytes: this.cipherBytes,
    };
  }
}

/** Plaintext in, file bytes out (header first). Holds at most one chunk plus what one write brings. */
export class EncryptStream extends Transform {
  private readonly header: Buffer;
  private readonly prefix: Buffer;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private index = 0;
  private readonly tally = new Tally();

  constructor(private readonly key: Buffer, backupId: string) {
    super();
    if (key.length !== 32) throw new Error("the backup key must be 32 bytes (AES-256)");
    this.header = encodeHeader(backupId);
    this.prefix = this.header.subarray(MAGIC.length, MAGIC.length + 8);
    this.output(this.header);
  }

  private output(bytes: Buffer): void {
    this.tally.ciphertext(bytes);
    this.push(bytes);
  }

  private seal(plaintext: Buffer, final: boolean): void {
    if (this.index >= MAX_CHUNKS) throw new Error("backup too large for one file (2^32 chunks)");
    const cipher = createCipheriv("aes-256-gcm", this.key, nonce(this.prefix, this.index), { authTagLength: TAG });
    cipher.setAAD(aad(this.header, this.index, final));
    this.output(Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]));
    this.index += 1;
  }

  override _transform(data: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    try {
      this.tally.plaintext(data);
      this.pending.push(data);
      this.pendingBytes += data.length;
      // Strictly more than a chunk: the last full chunk may be the final one, known only at the end.
      if (this.pendingBytes > CHUNK) {
        let all = Buffer.concat(this.pending);
        while (all.length > CHUNK) {
          this.seal(all.subarray(0, CHUNK), false);
          all = all.subarray(CHUNK);
        }
        this.pending = [all];
        this.pendingBytes = all.length;
      }
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      this.seal(Buffer.concat(this.pending), true);
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  digests(): StreamDigests {
    return this.tally.digests();
  }
}

/**
 * File bytes in, plaintext out, each chunk's tag checked before its plaintext is passed on. Fails with a
 * BackupIntegrityError naming the backup and the chunk; a wrong key fails at chunk 0.
 */
export class DecryptStream extends Transform {
  private header: Buffer | null = null;
  private prefix: Buffer = Buffer.alloc(0);
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private index = 0;
  private readonly tally = new Tally();

  constructor(private readonly key: Buffer, private readonly backupId: string) {
    super();
  }

  private fail(message: string): BackupIntegrityError {
    return new BackupIntegrityError(`backup ${this.backupId}: ${message}`);
  }

  private takeHeader(): boolean {
    const all = Buffer.concat(this.buffered);
    if (all.length < MAGIC.length + 9) return false;
    if (!all.subarray(0, MAGIC.length).equals(MAGIC)) throw this.fail("not a Custodia backup file (bad header)");
    const end = MAGIC.length + 9 + all[MAGIC.length + 8]!;
    if (all.length < end) return false;
    this.header = all.subarray(0, end);
    if (this.header.subarray(MAGIC.length + 9).toString("ascii") !== this.backupId) throw this.fail("the file belongs to another backup");
    this.prefix = this.header.subarray(MAGIC.length, MAGIC.length + 8);
    this.buffered = [all.subarray(end)];
    this.bufferedBytes = all.length - end;
    return true;
  }

  private open(sealed: Buffer, final: boolean): void {
    if (sealed.length < TAG) throw this.fail(`the file is truncated (chunk ${this.index} is incomplete)`);
    let plaintext: Buffer;
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key, nonce(this.prefix, this.index), { authTagLength: TAG });
      decipher.setAAD(aad(this.header!, this.index, final));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
      plaintext = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG)), decipher.final()]);
    } catch {
      throw this.fail(
        this.index === 0
          ? "chunk 0 failed authentication: wrong backup key, or the file was altered"
          : `chunk ${this.index} failed authentication: the file was altered, truncated or its chunks reordered`,
      );
    }
    this.tally.plaintext(plaintext);
    this.index += 1;
    this.push(plaintext);
  }

  override _transform(data: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    try {
      this.tally.ciphertext(data);
      this.buffered.push(data);
      this.bufferedBytes += data.length;
      if (!this.header && !this.takeHeader()) return done();
      // A record is final only if nothing follows it, so one full record is always held back.
      if (this.bufferedBytes > CHUNK + TAG) {
        let all = Buffer.concat(this.buffered);
        while (all.length > CHUNK + TAG) {
          this.open(all.subarray(0, CHUNK + TAG), false);
          all = all.subarray(CHUNK + TAG);
        }
        this.buffered = [all];
        this.bufferedBytes = all.length;
      }
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      if (!this.header) throw this.fail("the file is truncated (incomplete header)");
      this.open(Buffer.concat(this.buffered), true);
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  digests(): StreamDigests {
    return this.tally.digests();
  }
}

/** A fingerprint of the backup key for manifests and errors: tells keys apart without revealing one. */
export function backupKeyId(key: Buffer): string {
  return createHash("sha256").update("custodia-backup-key-id/v1\n").update(key).digest("hex").slice(0, 16);
}
