import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SessionWriter } from "../src/session/writer.js";

const folders: string[] = [];
afterEach(async () => {
  for (const folder of folders.splice(0)) {
    await rm(folder, { recursive: true, force: true });
  }
});

async function newWriter(): Promise<{ root: string; writer: SessionWriter }> {
  const root = await mkdtemp(join(tmpdir(), "myogestic-discard-"));
  folders.push(root);
  const writer = await SessionWriter.create({
    folder: root,
    appName: "discard",
    classNames: ["A"],
    streams: [{ name: "emg", kind: "numeric", nChannels: 1, sampleRateHz: 10 }],
  });
  return { root, writer };
}

describe("SessionWriter discard", () => {
  it("removes an unused session folder", async () => {
    const { root, writer } = await newWriter();
    writer.addLabel(0, 0);
    await writer.discard();
    expect(await readdir(root)).toEqual([]);
    expect(() => writer.append("emg", new Float32Array(1), new Float64Array(1), 1)).toThrow();
  });

  it("refuses to discard appended samples", async () => {
    const { root, writer } = await newWriter();
    writer.append("emg", new Float32Array(2), new Float64Array(2), 2);
    await expect(writer.discard()).rejects.toThrow(/already contains data; close it instead/);
    const closed = await writer.close();
    expect(closed.nSamples).toEqual({ emg: 2 });
    expect(await readdir(root)).toEqual([`${writer.name}.session.zip`]);
  });
});
