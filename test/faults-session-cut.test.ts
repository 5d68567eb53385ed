import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { App } from "../src/app/app.js";
import { SimulatedClock } from "../src/core/clock.js";
import { recoverZipEntries } from "../src/session/archive-recovery.js";
import { ARCHIVE_MAX_ENTRY_BYTES } from "../src/session/archive.js";
import { openSession } from "../src/session/reader.js";
import { ManualSource } from "./support/manual-source.js";

let folder = "";
let archive = new Uint8Array(0);
let original: { samples: Float32Array; timestamps: Float64Array; nSamples: number };

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "myogestic-session-cut-"));
  const clock = new SimulatedClock(10);
  const app = new App({ name: "cut", classNames: ["Rest", "Fist"], clock });
  const source = new ManualSource({ nChannels: 2, sampleRateHz: 100 });
  app.addStream({ name: "emg", source });
  await app.start();
  app.ctx.cue = 1;
  const started = await app.startRecording({ folder, name: "cut" });
  if (!started.ok) throw new Error(started.reason);
  // 350 samples in chunks of one second (100 rows): three whole chunks and a partial one.
  for (let second = 0; second < 35; second++) {
    source.push({ nChannels: 2, samples: Float32Array.from({ length: 20 }, (_, index) => second * 10 + index / 2) });
    clock.advanceMs(100);
  }
  const saved = await app.stopRecording();
  await app.stop();
  if (!saved.ok) throw new Error(saved.reason);
  archive = await readFile(saved.archivePath);
  original = await (await openSession(saved.archivePath)).readStream("emg");
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe("a session archive cut at any byte", () => {
  it("keeps its metadata first and its chunks in time order", () => {
    const names = [...recoverZipEntries(archive, ARCHIVE_MAX_ENTRY_BYTES).entries.keys()];
    expect(names[0]).toBe("meta.json");
    const chunks = names.filter((name) => name.includes("/c/"));
    expect(chunks.slice(0, 2).sort()).toEqual(["emg.zarr/c/0/0", "emg_timestamps.zarr/c/0"]);
    expect(names.indexOf("emg.zarr/c/1/0")).toBeGreaterThan(names.indexOf("emg_timestamps.zarr/c/0"));
  });

  it("opens whole chunks or fails clearly", async () => {
    expect(original.nSamples).toBe(350);
    const path = join(folder, "cut-copy.session.zip");
    const counts = new Map<number, number>();
    for (let cut = 0; cut < archive.length; cut++) {
      await writeFile(path, archive.subarray(0, cut));
      let opened;
      try {
        opened = await openSession(path);
      } catch (error) {
        // Too little is left to know what the session is: the message states that the archive is unreadable.
        expect((error as Error).message).toMatch(/not a readable zip archive|no whole entry|meta\.json: file not found|zarr\.json/);
        continue;
      }
      expect(opened.warnings.join("\n")).toMatch(/could not be read as a whole/);
      const read = await opened.readStream("emg");
      // Whole chunks only: a multiple of 100 samples, equal to the recording's first ones.
      expect(read.nSamples % 100 === 0 || read.nSamples === 350).toBe(true);
      expect(read.timestamps.length).toBe(read.nSamples);
      expect([...read.samples]).toEqual([...original.samples.subarray(0, read.nSamples * 2)]);
      expect([...read.timestamps]).toEqual([...original.timestamps.subarray(0, read.nSamples)]);
      counts.set(read.nSamples, (counts.get(read.nSamples) ?? 0) + 1);
    }
    // Cuts at different places give each whole number of chunks.
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([0, 100, 200, 300, 350]);
  }, 120_000);
});
