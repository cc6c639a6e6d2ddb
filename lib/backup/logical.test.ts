import { describe, expect, it } from "vitest";
import { lines } from "./logical";

async function* chunks(...parts: Buffer[]) {
  yield* parts;
}

async function all(source: AsyncIterable<Buffer>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines(source)) out.push(line);
  return out;
}

describe("the embedded dump's line reader", () => {
  it("keeps a character whose bytes straddle two decrypted chunks", async () => {
    const bytes = Buffer.from('{"ua":"Mozilla é ☎ 😀"}\n{"done":true}\n', "utf8");
    // Cut inside each multi-byte character in turn: every cut must read back the same text.
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(await all(chunks(bytes.subarray(0, cut), bytes.subarray(cut)))).toEqual(['{"ua":"Mozilla é ☎ 😀"}', '{"done":true}']);
    }
  });

  it("refuses a dump that ends inside a line, even inside a character", async () => {
    const bytes = Buffer.from('{"done":true}\n{"ua":"é', "utf8");
    await expect(all(chunks(bytes.subarray(0, bytes.length - 1)))).rejects.toThrow(/middle of a line/);
  });
});
