import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSession } from "../src/session/reader.js";
import { readXdf, type XdfFile, type XdfStream } from "../src/xdf/index.js";
import { runCli } from "./support/cli.js";
import { writeLabRecorderXdf, type TestStream } from "./support/xdf-writer.js";

const EMG_TIMES = [100, 100.01, 100.02, 100.031, 100.04, 100.05, 100.06];
const EMG: TestStream = {
  id: 1,
  name: "EMG",
  channelFormat: "float32",
  channelCount: 2,
  nominalSrateHz: 100,
  timestampsS: EMG_TIMES,
  values: EMG_TIMES.map((_, i) => [i * 0.25, 1 - i]),
  clockOffsets: [
    { collectionTimeS: 100, offsetS: 20.5 },
    { collectionTimeS: 105, offsetS: 20.6 },
  ],
};
const FORCE: TestStream = {
  id: 2,
  name: "Force/left",
  channelFormat: "double64",
  channelCount: 1,
  nominalSrateHz: 0,
  timestampsS: [100.5, 101],
  values: [[0.1], [2]],
};
const MARKERS: TestStream = {
  id: 3,
  name: "Markers",
  channelFormat: "string",
  channelCount: 1,
  nominalSrateHz: 0,
  timestampsS: [100.02, 100.9],
  values: [["start"], ["stop ✓"]],
  clockOffsets: [{ collectionTimeS: 100, offsetS: 20.5 }],
};
const PAIRS: TestStream = {
  id: 4,
  name: "Markers",
  channelFormat: "string",
  channelCount: 2,
  nominalSrateHz: 0,
  timestampsS: [100.3],
  values: [["left", "open"]],
};
const SILENT: TestStream = { ...EMG, id: 5, name: "Silent", timestampsS: [], values: [], clockOffsets: [] };
const NO_CHANNELS: TestStream = { ...EMG, id: 6, name: "Nothing", channelCount: 0, timestampsS: [1, 2], values: [[], []], clockOffsets: [] };

let work: string;
let xdfPath: string;
let file: XdfFile;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "myogestic-xdf-import-"));
  xdfPath = join(work, "grasp.xdf");
  await writeFile(xdfPath, writeLabRecorderXdf([EMG, FORCE, MARKERS, PAIRS, SILENT, NO_CHANNELS]).bytes);
  file = await readXdf(xdfPath);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function xdfStream(id: number): XdfStream {
  return file.streams.find((stream) => stream.id === id) as XdfStream;
}

describe("myogestic import xdf", () => {
  it("writes a session that reads back with equal values", async () => {
    const out = join(work, "sessions");
    const result = await runCli(["import", "xdf", xdfPath, "--out", out]);
    expect(result.stderr).not.toMatch(/myogestic:/);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Imported ${xdfPath} into ${join(out, "grasp.session.zip")}:`);
    expect(result.stdout).toMatch(/EMG: XDF stream 1, numeric, 2 channels, 7 samples/);
    expect(result.stdout).toMatch(/Force_left \(XDF name "Force\/left"\): XDF stream 2, numeric, 1 channel, 2 samples/);
    expect(result.stdout).toMatch(/Markers-4 \(XDF name "Markers"\): XDF stream 4, marker, 2 channels, 1 event/);
    expect(result.stderr).toMatch(/warning: stream 6 \("Nothing"\) has no channels, so it was not imported/);
    expect(result.stderr).toMatch(/warning: 1 values of stream 2 \("Force\/left", double64\) changed when stored as float32/);

    const session = await openSession(join(out, "grasp.session.zip"));
    expect(session.created).toBe("2026-04-01T12:00:00");
    expect(session.streams.map((stream) => [stream.name, stream.kind, stream.nSamples])).toEqual([
      ["EMG", "numeric", 7],
      ["Force_left", "numeric", 2],
      ["Markers", "marker", 2],
      ["Markers-4", "marker", 1],
      ["Silent", "numeric", 0],
    ]);

    const emg = await session.readStream("EMG");
    expect(Array.from(emg.samples)).toEqual(EMG.values.flat());
    expect(Array.from(emg.timestamps)).toEqual(Array.from(xdfStream(1).correctedTimestamps));
    EMG_TIMES.forEach((timestampS, i) => {
      expect(emg.timestamps[i], `sample ${i}`).toBeCloseTo(timestampS + 20.5 + 0.02 * (timestampS - 100), 9);
    });
    expect(emg.info.sampleRateHz).toBe(100);

    const force = await session.readStream("Force_left");
    expect(Array.from(force.samples)).toEqual([Math.fround(0.1), 2]);

    expect(await session.readMarkers("Markers")).toEqual([
      { timestampS: 100.02 + 20.5, value: "start" },
      { timestampS: 100.9 + 20.5, value: "stop ✓" },
    ]);
    expect(await session.readMarkers("Markers-4")).toEqual([{ timestampS: 100.3, value: '["left","open"]' }]);
    expect((await session.readStream("Silent")).nSamples).toBe(0);
  });

  it("rejects an existing session", async () => {
    const out = join(work, "twice");
    expect((await runCli(["import", "xdf", xdfPath, "--out", out])).code).toBe(0);
    const again = await runCli(["import", "xdf", xdfPath, "--out", out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/grasp\.session\.zip already exists; import into another --out folder or remove it/);
  });

  it("fails with one line for a file that is not XDF", async () => {
    const path = join(work, "notes.xdf");
    await writeFile(path, "just text");
    const result = await runCli(["import", "xdf", path, "--out", join(work, "none")]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain(`${path} is not an XDF file`);
  });

  it("fails with one line for a missing file", async () => {
    const path = join(work, "missing.xdf");
    const result = await runCli(["import", "xdf", path, "--out", join(work, "none")]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`myogestic: XDF file not found: ${path}; pass the path of an .xdf file recorded by LabRecorder\n`);
  });
});
