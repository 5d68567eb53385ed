import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSession } from "../src/session/reader.js";
import { SessionWriter } from "../src/session/writer.js";

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "myogestic-crc-"));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** Returns the offset of the stored data of the entry named `name` in a zip file. */
function entryDataOffset(zip: Buffer, name: string): number {
  let offset = zip.indexOf(Buffer.from("PK\x03\x04", "latin1"));
  while (offset >= 0) {
    const nameLength = zip.readUInt16LE(offset + 26);
    const extraLength = zip.readUInt16LE(offset + 28);
    const entryName = zip.toString("utf8", offset + 30, offset + 30 + nameLength);
    if (entryName === name) {
      return offset + 30 + nameLength + extraLength;
    }
    offset = zip.indexOf(Buffer.from("PK\x03\x04", "latin1"), offset + 4);
  }
  throw new Error(`no entry ${name}`);
}

describe("archive checksums", () => {
  it("rejects an entry whose bytes changed", async () => {
    const writer = await SessionWriter.create({
      folder,
      appName: "crc",
      name: "flipped",
      classNames: [],
      streams: [{ name: "emg", kind: "numeric", nChannels: 2, sampleRateHz: 100 }],
    });
    writer.append("emg", Float32Array.from({ length: 200 }, (_, i) => i), Float64Array.from({ length: 100 }, (_, i) => i / 100), 100);
    const { archivePath } = await writer.close();
    const zip = await readFile(archivePath);
    const offset = entryDataOffset(zip, "emg.zarr/c/0/0");
    zip[offset + 9] = (zip[offset + 9] as number) ^ 0x10;
    await writeFile(archivePath, zip);
    const session = await openSession(archivePath);
    await expect(session.readStream("emg")).rejects.toThrow(/emg\.zarr\/c\/0\/0.*CRC-32 0x[0-9a-f]{8} does not match/);
  });
});
