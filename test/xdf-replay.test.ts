import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimulatedClock } from "../src/core/clock.js";
import { ReplaySource, type ReplayOptions } from "../src/sources/replay.js";
import { RecordingSink } from "./support/recording-sink.js";
import { writeLabRecorderXdf, type TestStream } from "./support/xdf-writer.js";

/** Recorder time minus stream time at stream time 0, in seconds. */
const OFFSET_AT_ZERO_S = -3.5;
/** Drift of the stream clock, in seconds per second: large, so corrected spacing differs visibly. */
const DRIFT = 1e-3;
const N_SAMPLES = 40;

function regularTimestamps(firstS: number, rateHz: number, count: number): number[] {
  const timestamps: number[] = [];
  let timestampS = firstS;
  for (let i = 0; i < count; i++) {
    timestamps.push(timestampS);
    timestampS += 1 / rateHz;
  }
  return timestamps;
}

const EMG_TIMES = regularTimestamps(700, 100, N_SAMPLES);
EMG_TIMES[25] = (EMG_TIMES[25] as number) + 0.004;

const EMG: TestStream = {
  id: 1,
  name: "EMG",
  channelFormat: "float32",
  channelCount: 2,
  nominalSrateHz: 100,
  timestampsS: EMG_TIMES,
  values: EMG_TIMES.map((_, i) => [i * 0.5, 100 - i]),
  clockOffsets: [700, 701, 702].map((collectionTimeS) => ({ collectionTimeS, offsetS: OFFSET_AT_ZERO_S + DRIFT * collectionTimeS })),
  deduceTimestamps: true,
};
const FORCE: TestStream = {
  id: 2,
  name: "Force",
  channelFormat: "double64",
  channelCount: 1,
  nominalSrateHz: 0,
  timestampsS: [50, 50.25, 50.5],
  values: [[0.1], [0.2], [1e40]],
};
const MARKERS: TestStream = {
  id: 3,
  name: "Markers",
  channelFormat: "string",
  channelCount: 1,
  nominalSrateHz: 0,
  timestampsS: [700.1],
  values: [["go"]],
};
const GRIP: TestStream = {
  id: 4,
  name: "Grip",
  channelFormat: "int16",
  channelCount: 2,
  nominalSrateHz: 10,
  timestampsS: regularTimestamps(1, 10, 6),
  values: [0, 1, 2, 3, 4, 5].map((i) => [i * 1000, 5 - i]),
};
const SILENT: TestStream = { ...GRIP, id: 5, name: "Silent", timestampsS: [], values: [] };

let folder: string;
let path: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "myogestic-xdf-replay-"));
  path = join(folder, "walk.xdf");
  await writeFile(path, writeLabRecorderXdf([EMG, FORCE, MARKERS, GRIP, SILENT]).bytes);
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** Opens a replay and plays it to its end at speed Infinity, returning what the sink received. */
async function playAll(options: Omit<ReplayOptions, "path">) {
  const clock = new SimulatedClock();
  const replay = new ReplaySource({ path, speed: Number.POSITIVE_INFINITY, ...options });
  const info = await replay.open();
  const sink = new RecordingSink(clock);
  const startS = clock.now();
  replay.start(sink);
  expect(await replay.finished).toBe("ended");
  return { replay, info, sink, startS };
}

function corrected(timestampS: number): number {
  return timestampS + OFFSET_AT_ZERO_S + DRIFT * timestampS;
}

describe("ReplaySource with XDF files", () => {
  it("opens a stream with its shape", async () => {
    const replay = new ReplaySource({ path, stream: "EMG" });
    const info = await replay.open();
    expect(info).toEqual({ nChannels: 2, sampleRateHz: 100, kind: "numeric" });
    expect(replay.description).toBe(`replay of XDF file ${path} (stream EMG)`);
  });

  it("plays values with clock-corrected timestamp spacing", async () => {
    const { sink, startS } = await playAll({ stream: "EMG" });
    expect(sink.sampleCount).toBe(N_SAMPLES);
    expect(Array.from(sink.allSamples())).toEqual(EMG.values.flat());
    const replayed = sink.allTimestamps();
    const firstS = corrected(EMG_TIMES[0] as number);
    EMG_TIMES.forEach((timestampS, i) => {
      const expectedS = startS + corrected(timestampS) - firstS;
      expect(Math.abs((replayed[i] as number) - expectedS), `sample ${i}`).toBeLessThan(1e-9);
    });
    // The drift stretches the 0.39 s span by 0.39 ms, so raw spacing would fail the check above.
    const rawSpanS = (EMG_TIMES[N_SAMPLES - 1] as number) - (EMG_TIMES[0] as number);
    expect((replayed[N_SAMPLES - 1] as number) - startS - rawSpanS).toBeCloseTo(rawSpanS * DRIFT, 9);
  });

  it("delivers samples at their corrected times", async () => {
    const clock = new SimulatedClock();
    const replay = new ReplaySource({ path, stream: "EMG", chunkMs: 5 });
    await replay.open();
    const sink = new RecordingSink(clock);
    const startS = clock.now();
    replay.start(sink);
    for (let spentMs = 0; !replay.ended && spentMs < 5000; spentMs += 5) {
      clock.advanceMs(5);
    }
    const firstS = corrected(EMG_TIMES[0] as number);
    let index = 0;
    for (const chunk of sink.chunks) {
      for (let i = 0; i < chunk.timestamps.length; i++, index++) {
        const dueS = startS + corrected(EMG_TIMES[index] as number) - firstS;
        expect(chunk.atS).toBeGreaterThanOrEqual(dueS - 1e-9);
        expect(chunk.atS).toBeLessThan(dueS + 0.005 + 1e-9);
      }
    }
    expect(index).toBe(N_SAMPLES);
  });

  it("plays double64 values as float32", async () => {
    const { info, sink, startS } = await playAll({ stream: "Force" });
    expect(info.sampleRateHz).toBe(0);
    expect(Array.from(sink.allSamples())).toEqual(Array.from(Float32Array.of(0.1, 0.2, 1e40)));
    expect(Array.from(sink.allTimestamps()).map((timestampS) => timestampS - startS)).toEqual([0, 0.25, 0.5]);
  });

  it("plays an int16 stream chosen by id", async () => {
    const { sink } = await playAll({ stream: "4" });
    expect(Array.from(sink.allSamples())).toEqual(GRIP.values.flat());
  });

  it("spaces samples evenly with nominal pacing", async () => {
    const { sink, startS } = await playAll({ stream: "EMG", pacing: "nominal", sampleRateHz: 50 });
    const replayed = sink.allTimestamps();
    expect((replayed[25] as number) - startS).toBeCloseTo(25 / 50, 12);
  });

  it("rejects a marker stream, naming the stream option", async () => {
    const replay = new ReplaySource({ path, stream: "Markers" });
    await expect(replay.open()).rejects.toThrow(/"Markers" of .* is a string \(marker\) stream.*pass a numeric stream as the stream option/);
  });

  it("requires the stream option for several streams", async () => {
    const replay = new ReplaySource({ path });
    await expect(replay.open()).rejects.toThrow(/has 4 numeric streams; pass the name of the one to replay as the stream option/);
  });

  it("rejects an unknown or empty stream", async () => {
    await expect(new ReplaySource({ path, stream: "EEG" }).open()).rejects.toThrow(/has no stream named "EEG"; its streams are "EMG" \(id 1, float32\)/);
    await expect(new ReplaySource({ path, stream: "Silent" }).open()).rejects.toThrow(/stream "Silent" of .* has no samples to replay/);
  });

  it("plays the only numeric stream without the stream option", async () => {
    const single = join(folder, "single.xdf");
    await writeFile(single, writeLabRecorderXdf([MARKERS, GRIP]).bytes);
    const replay = new ReplaySource({ path: single });
    expect(await replay.open()).toEqual({ nChannels: 2, sampleRateHz: 10, kind: "numeric" });
  });

  it("names a missing file", async () => {
    const missing = join(folder, "missing.xdf");
    await expect(new ReplaySource({ path: missing }).open()).rejects.toThrow(`XDF file not found: ${missing}`);
  });
});
