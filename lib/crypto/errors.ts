/** Ciphertext that does not authenticate: tampered, moved to another row or column, or under an unknown key. */
export class DecryptError extends Error {
  constructor(reason: string) {
    super(`decryption failed: ${reason}`);
    this.name = "DecryptError";
  }
}

/** Missing or unusable key material. Messages name variables, never values. */
export class KeyConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyConfigError";
  }
}
