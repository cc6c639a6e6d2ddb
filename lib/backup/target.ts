import { createWriteStream } from "node:fs";
import type { Writable } from "node:stream";

/**
 * Where backup files are written: a local folder (BACKUP_DIR) today. An S3-compatible adapter would implement
 * the same call; tests replace it to fail a write as a full disk does.
 */
export const backupTarget = {
  open(path: string): Writable {
    return createWriteStream(path, { flags: "wx", mode: 0o600 });
  },
};
