import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SimulatedClock } from "../src/core/clock.js";
import { openSession } from "../src/session/reader.js";
import { SessionWriter } from "../src/session/writer.js";
import { ReplaySource, type ReplayOptions } from "../src/sources/replay.js";
import { SHARED_DATA } from "./support/cli.js";
import { RecordingSink } from "./support/recording-sink.js";

const PYTHON_SESSION = join(SHARED_DATA, "myogestic-sessions", "vhi_pose_moved.session.zip");
const FIRST_S = 5000;
const N_SAMPLES = 60;
const N_CHANNELS = 2;

let scratch: string;

beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), "myogestic-replay-session-"));
});

afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/**
 * Timestamps at 100 Hz from {@link FIRST_S} with up to 3 ms of jitter, one sample 1 ms earlier
 * than its predecessor, and a 250 ms gap after sample 30.
 */
function recordedTimestamps(): Float64Array {
  const timestamps = new Float64Array(N_SAMPLES);
  for (let i = 0; i < N_SAMPLES; i++) {
    const jitterS = 0.003 * Math.abs(Math.sin(i * 1.7));
    timestamps[i] = FIRST_S + i * 0.01 + jitterS + (i > 30 ? 0.25 : 0);
  }
  timestamps[20] = (timestamps[19] as number) - 0.001;
  return timestamps;
}

/** Writes a session with streams emg (2 channels, 100 Hz), imu (3 channels) and events (markers). */
async function writeSession(streams: "all" | "emg only" = "emg only"): Promise<{ archivePath: string; timestamps: Float64Array }> {
  const writer = await SessionWriter.create({
    folder: scratch,
    appName: "Replay test",
    name: "walk",
    classNames: ["Rest", "Fist"],
    streams: [
      { name: "emg", kind: "numeric", nChannels: N_CHANNELS, sampleRateHz: 100 },
      ...(streams === "all"
        ? [
            { name: "imu", kind: "numeric" as const, nChannels: 3, sampleRateHz: 50 },
            { name: "events", kind: "marker" as const, nChannels: 1, sampleRateHz: 0 },
          ]
        : []),
    ],
  });

  const timestamps = recordedTimestamps();
  const samples = new Float32Array(N_SAMPLES * N_CHANNELS);
  for (let i = 0; i < samples.length; i++) {
    samples[i] = i * 0.5;
  }
  writer.append("emg", samples, timestamps, N_SAMPLES);
  if (streams === "all") {
    writer.append("imu", new Float32Array(9), new Float64Array([FIRST_S, FIRST_S + 0.02, FIRST_S + 0.04]), 3);
    writer.appendMarkers("events", ["go"], [FIRST_S + 0.1]);
  }

  writer.addLabel(FIRST_S + 0.105, 0);
  writer.addLabel(FIRST_S + 0.2, 1);
  writer.addLabel(FIRST_S + 0.45, null);
  writer.addLabel(FIRST_S + 60, 0);
  const closed = await writer.close();
  return { archivePath: closed.archivePath, timestamps };
}

async function startReplay(options: ReplayOptions, clock = new SimulatedClock()) {
  const replay = new ReplaySource(options);
  const info = await replay.open();
  const sink = new RecordingSink(clock);
  const startS = clock.now();
  replay.start(sink);
  return { replay, info, sink, clock, startS };
}

function advanceUntilEnded(replay: ReplaySource, clock: SimulatedClock, stepMs: number, limitMs: number): void {
  for (let spentMs = 0; !replay.ended && spentMs < limitMs; spentMs += stepMs) {
    clock.advanceMs(stepMs);
  }
}

/** Index of the first recorded sample at or after `timeS`. */
function firstSampleAtOrAfter(timestamps: Float64Array, timeS: number): number {
  let largest = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < timestamps.length; i++) {
    largest = Math.max(largest, timestamps[i] as number);
    if (largest >= timeS) {
      return i;
    }
  }
  return timestamps.length;
}

describe("ReplaySource with sessions", () => {
  it("opens a session archive with its stream's shape", async () => {
    const { archivePath } = await writeSession();
    const replay = new ReplaySource({ path: archivePath });

    const info = await replay.open();

    expect(info).toEqual({ nChannels: N_CHANNELS, sampleRateHz: 100, kind: "numeric" });
    expect(replay.description).toBe("replay of session walk (stream emg)");
  });

  it("keeps the recorded timestamp spacing", async () => {
    const { archivePath, timestamps } = await writeSession();
    const run = await startReplay({ path: archivePath, chunkMs: 10 });

    advanceUntilEnded(run.replay, run.clock, 10, 10_000);
    const replayed = run.sink.allTimestamps();

    expect(run.sink.sampleCount).toBe(N_SAMPLES);
    expect(Array.from(run.sink.allSamples())).toEqual(Array.from({ length: N_SAMPLES * N_CHANNELS }, (_, i) => i * 0.5));
    for (let i = 0; i < N_SAMPLES; i++) {
      expect(replayed[i]).toBeCloseTo(run.startS + (timestamps[i] as number) - FIRST_S, 9);
    }
  });

  it("delivers samples at their recorded times", async () => {
    const { archivePath, timestamps } = await writeSession();
    const run = await startReplay({ path: archivePath, chunkMs: 10 });

    advanceUntilEnded(run.replay, run.clock, 5, 10_000);
    let index = 0;
    let dueS = Number.NEGATIVE_INFINITY;
    for (const chunk of run.sink.chunks) {
      for (let i = 0; i < chunk.timestamps.length; i++, index++) {
        dueS = Math.max(dueS, run.startS + (timestamps[index] as number) - FIRST_S);
        expect(chunk.atS).toBeGreaterThanOrEqual(dueS - 1e-9);
        expect(chunk.atS).toBeLessThan(dueS + 0.01 + 1e-9);
      }
    }
    expect(index).toBe(N_SAMPLES);
  });

  it("replays labels as cue changes", async () => {
    const { archivePath, timestamps } = await writeSession();
    const run = await startReplay({ path: archivePath, chunkMs: 10 });

    advanceUntilEnded(run.replay, run.clock, 10, 10_000);
    const fistAt = firstSampleAtOrAfter(timestamps, FIRST_S + 0.2);

    expect(run.sink.cues.map((cue) => cue.classIndex)).toEqual([null, 0, 1, null, null]);
    expect(run.sink.cues.map((cue) => cue.afterSamples)).toEqual([
      0,
      firstSampleAtOrAfter(timestamps, FIRST_S + 0.105),
      fistAt,
      firstSampleAtOrAfter(timestamps, FIRST_S + 0.45),
      N_SAMPLES,
    ]);
    expect(run.sink.cues[2]?.atS).toBeGreaterThanOrEqual(run.startS + (timestamps[fistAt] as number) - FIRST_S - 1e-9);
    expect(run.sink.cues[2]?.atS).toBeLessThan(run.startS + (timestamps[fistAt] as number) - FIRST_S + 0.01);
  });

  it("delivers every sample under its label", async () => {
    const { archivePath, timestamps } = await writeSession();
    const run = await startReplay({ path: archivePath, chunkMs: 50 });

    advanceUntilEnded(run.replay, run.clock, 50, 10_000);
    const cueOfSample = run.sink.chunks.flatMap((chunk) => new Array<number | null>(chunk.timestamps.length).fill(chunk.cue));
    const restAt = firstSampleAtOrAfter(timestamps, FIRST_S + 0.105);
    const fistAt = firstSampleAtOrAfter(timestamps, FIRST_S + 0.2);
    const clearedAt = firstSampleAtOrAfter(timestamps, FIRST_S + 0.45);
    const expected = Array.from({ length: N_SAMPLES }, (_, i) => {
      if (i >= clearedAt || i < restAt) {
        return null;
      }
      return i < fistAt ? 0 : 1;
    });

    expect(cueOfSample).toEqual(expected);
  });

  it("halves the duration at speed 2", async () => {
    const { archivePath, timestamps } = await writeSession();
    const spanS = (timestamps[N_SAMPLES - 1] as number) - FIRST_S;
    const durations: number[] = [];
    for (const speed of [1, 2]) {
      const run = await startReplay({ path: archivePath, chunkMs: 5, speed });
      advanceUntilEnded(run.replay, run.clock, 5, 10_000);
      durations.push((run.sink.cues.at(-1)?.atS as number) - run.startS);
    }

    expect(durations[0]).toBeGreaterThanOrEqual(spanS - 1e-9);
    expect(durations[0]).toBeLessThan(spanS + 0.005 + 1e-9);
    expect(durations[1]).toBeGreaterThanOrEqual(spanS / 2 - 1e-9);
    expect(durations[1]).toBeLessThan(spanS / 2 + 0.005 + 1e-9);
  });

  it("spaces samples evenly with nominal pacing", async () => {
    const { archivePath } = await writeSession();
    const run = await startReplay({ path: archivePath, pacing: "nominal", sampleRateHz: 200 });

    advanceUntilEnded(run.replay, run.clock, 20, 10_000);
    const replayed = run.sink.allTimestamps();

    expect(run.info.sampleRateHz).toBe(200);
    expect(replayed).toHaveLength(N_SAMPLES);
    for (let i = 0; i < N_SAMPLES; i++) {
      expect(replayed[i]).toBe(run.startS + i / 200);
    }
  });

  it("continues timestamps across loop passes", async () => {
    const { archivePath, timestamps } = await writeSession();
    const run = await startReplay({ path: archivePath, loop: true, speed: Number.POSITIVE_INFINITY });

    while (run.sink.sampleCount < 2 * N_SAMPLES + 1) {
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    run.replay.stop();
    const replayed = run.sink.allTimestamps();
    const passS = (timestamps[N_SAMPLES - 1] as number) - FIRST_S + 0.01;

    expect(replayed[N_SAMPLES]).toBeCloseTo(run.startS + passS, 9);
    expect(replayed[2 * N_SAMPLES]).toBeCloseTo(run.startS + 2 * passS, 9);
    expect(run.sink.cues.filter((cue) => cue.classIndex === 1).length).toBeGreaterThanOrEqual(2);
    expect(await run.replay.finished).toBe("stopped");
  });

  it("plays a session recorded by Python MyoGestic", async () => {
    const session = await openSession(PYTHON_SESSION);
    const recorded = await session.readStream("vhi_control");
    const label = session.labels[0];
    const run = await startReplay({ path: PYTHON_SESSION, speed: Number.POSITIVE_INFINITY });

    expect(await run.replay.finished).toBe("ended");
    const replayed = run.sink.allTimestamps();
    const labelAt = firstSampleAtOrAfter(recorded.timestamps, label?.timestampS as number);

    expect(run.info).toEqual({ nChannels: 9, sampleRateHz: 60, kind: "numeric" });
    expect(run.sink.allSamples()).toEqual(recorded.samples);
    for (let i = 1; i < recorded.nSamples; i++) {
      const recordedGapS = (recorded.timestamps[i] as number) - (recorded.timestamps[i - 1] as number);
      expect((replayed[i] as number) - (replayed[i - 1] as number)).toBeCloseTo(recordedGapS, 9);
    }
    // The session's only label precedes its first sample, so the cue is set before any sample.
    expect(labelAt).toBe(0);
    expect(run.sink.cues.map((cue) => cue.classIndex)).toEqual([1, null]);
    expect(run.sink.cues.map((cue) => cue.afterSamples)).toEqual([0, recorded.nSamples]);
  });

  it("plays an unpacked session folder", async () => {
    const unpacked = join(scratch, "vhi_pose_moved");
    const unzip = spawnSync("unzip", ["-q", PYTHON_SESSION, "-d", unpacked]);
    expect(unzip.status, unzip.stderr?.toString()).toBe(0);
    const run = await startReplay({ path: unpacked, speed: Number.POSITIVE_INFINITY });

    expect(await run.replay.finished).toBe("ended");
    expect(run.sink.sampleCount).toBe(run.replay.position?.nSamples);
    expect(run.info.nChannels).toBe(9);
  });

  it("requires a stream choice among several", async () => {
    const { archivePath } = await writeSession("all");

    await expect(new ReplaySource({ path: archivePath }).open()).rejects.toThrow(
      /has 2 numeric streams \("emg", "imu"\); pass the one to replay as the stream option/,
    );
    await expect(new ReplaySource({ path: archivePath, stream: "events" }).open()).rejects.toThrow(
      /stream "events" of session .* is a marker stream/,
    );
    await expect(new ReplaySource({ path: archivePath, stream: "eeg" }).open()).rejects.toThrow(
      /has no stream "eeg"; its streams are "emg", "imu", "events"/,
    );
    expect(await new ReplaySource({ path: archivePath, stream: "imu" }).open()).toEqual({
      nChannels: 3,
      sampleRateHz: 50,
      kind: "numeric",
    });
  });
});
