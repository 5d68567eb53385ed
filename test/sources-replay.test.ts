import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SimulatedClock } from "../src/core/clock.js";
import { listLibemgDataset, readLibemgCsv } from "../src/session/libemg.js";
import { ReplaySource, type ReplayOptions } from "../src/sources/replay.js";
import { Stream } from "../src/stream/stream.js";
import { SHARED_DATA } from "./support/cli.js";
import { makeHost } from "./support/host.js";
import { RecordingSink } from "./support/recording-sink.js";

const ONE_SUBJECT = join(SHARED_DATA, "one-subject-myo");
const RATE_HZ = 100;

let scratch: string;

beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), "myogestic-replay-"));
});

afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Value of row `row`, column `column` in test file number `fileNumber`. */
function cellValue(fileNumber: number, row: number, column: number): number {
  return fileNumber * 1000 + row * 10 + column;
}

/**
 * Writes a small data set: files in natural order R_0_C_2 (5 rows), R_2_C_0 (7 rows),
 * R_10_C_1 (4 rows), 3 channels, where file n of that order contains {@link cellValue}(n, …).
 */
async function writeDataset(dir: string): Promise<{ classes: number[]; rows: number[] }> {
  const files = [
    { name: "R_10_C_1.csv", fileNumber: 2, rows: 4 },
    { name: "R_0_C_2.csv", fileNumber: 0, rows: 5 },
    { name: "R_2_C_0.csv", fileNumber: 1, rows: 7 },
  ];
  for (const file of files) {
    const lines: string[] = [];
    for (let row = 0; row < file.rows; row++) {
      lines.push([0, 1, 2].map((column) => cellValue(file.fileNumber, row, column)).join(","));
    }
    await writeFile(join(dir, file.name), `${lines.join("\n")}\n`);
  }
  await writeFile(
    join(dir, "metadata.json"),
    JSON.stringify({ "R_0_C_0.csv": { class_idx: 0, class_name: "Rest" }, "R_0_C_1.csv": { class_idx: 1, class_name: "Fist" } }),
  );
  return { classes: [2, 0, 1], rows: [5, 7, 4] };
}

function expectedValues(rows: number[]): number[] {
  const values: number[] = [];
  rows.forEach((count, fileNumber) => {
    for (let row = 0; row < count; row++) {
      values.push(cellValue(fileNumber, row, 0), cellValue(fileNumber, row, 1), cellValue(fileNumber, row, 2));
    }
  });
  return values;
}

async function startReplay(options: ReplayOptions, clock = new SimulatedClock()) {
  const replay = new ReplaySource(options);
  const info = await replay.open();
  const sink = new RecordingSink(clock);
  const startS = clock.now();
  replay.start(sink);
  return { replay, info, sink, clock, startS };
}

/** Advances in `stepMs` steps until the replay ends, and returns the clock reading then. */
function advanceUntilEnded(replay: ReplaySource, clock: SimulatedClock, stepMs: number, limitMs: number): number {
  for (let spentMs = 0; !replay.ended && spentMs < limitMs; spentMs += stepMs) {
    clock.advanceMs(stepMs);
  }
  return clock.now();
}

describe("ReplaySource with CSV data", () => {
  it("opens with the data set's shape", async () => {
    await writeDataset(scratch);
    const replay = new ReplaySource({ path: scratch, sampleRateHz: RATE_HZ });

    const info = await replay.open();

    expect(info).toEqual({ nChannels: 3, sampleRateHz: RATE_HZ, kind: "numeric" });
    expect(replay.description).toBe(`replay of 3 CSV files in ${scratch}`);
    expect(replay.position).toEqual({ pass: 0, sampleIndex: 0, nSamples: 16 });
  });

  it("plays files in natural order with their cues", async () => {
    const { classes, rows } = await writeDataset(scratch);
    const run = await startReplay({ path: scratch, sampleRateHz: RATE_HZ, chunkMs: 10 });

    advanceUntilEnded(run.replay, run.clock, 10, 10_000);
    const cueOfSample: (number | null)[] = [];
    for (const chunk of run.sink.chunks) {
      for (let i = 0; i < chunk.timestamps.length; i++) {
        cueOfSample.push(chunk.cue);
      }
    }
    const expectedCues = rows.flatMap((count, file) => new Array<number>(count).fill(classes[file] as number));

    expect(Array.from(run.sink.allSamples())).toEqual(expectedValues(rows));
    expect(cueOfSample).toEqual(expectedCues);
    expect(run.sink.cues.map((cue) => cue.classIndex)).toEqual([2, 0, 1, null]);
    expect(run.sink.cues.map((cue) => cue.afterSamples)).toEqual([0, 5, 12, 16]);
    expect(run.sink.failures).toEqual([]);
  });

  it("sets each cue when its file falls due", async () => {
    await writeDataset(scratch);
    const run = await startReplay({ path: scratch, sampleRateHz: RATE_HZ, chunkMs: 25 });

    advanceUntilEnded(run.replay, run.clock, 5, 10_000);
    const cueTimesS = run.sink.cues.map((cue) => cue.atS - run.startS);

    // Files start at samples 0, 5 and 12, due at 0, 50 and 120 ms; ticks fall every 25 ms.
    expect(cueTimesS[0]).toBe(0);
    expect(cueTimesS[1]).toBeCloseTo(0.05, 9);
    expect(cueTimesS[2]).toBeCloseTo(0.125, 9);
    // The last sample (index 15) is due at 150 ms, when the cue is cleared.
    expect(cueTimesS[3]).toBeCloseTo(0.15, 9);
  });

  it("stamps samples at the nominal rate from the start", async () => {
    await writeDataset(scratch);
    const run = await startReplay({ path: scratch, sampleRateHz: RATE_HZ });

    advanceUntilEnded(run.replay, run.clock, 20, 10_000);
    const timestamps = run.sink.allTimestamps();

    expect(timestamps).toHaveLength(16);
    for (let k = 0; k < timestamps.length; k++) {
      expect(timestamps[k]).toBe(run.startS + k / RATE_HZ);
    }
  });

  it("delivers each sample no earlier than due", async () => {
    await writeDataset(scratch);
    const run = await startReplay({ path: scratch, sampleRateHz: RATE_HZ, chunkMs: 30 });

    advanceUntilEnded(run.replay, run.clock, 10, 10_000);
    let index = 0;
    for (const chunk of run.sink.chunks) {
      for (let i = 0; i < chunk.timestamps.length; i++, index++) {
        const dueS = run.startS + index / RATE_HZ;
        expect(chunk.atS).toBeGreaterThanOrEqual(dueS - 1e-9);
        expect(chunk.atS).toBeLessThan(dueS + 0.03 + 1e-9);
      }
    }
  });

  it("halves the duration at speed 2", async () => {
    const dataset = await listLibemgDataset(join(ONE_SUBJECT, "trial_1"));
    let nSamples = 0;
    for (const file of dataset.files) {
      nSamples += (await readLibemgCsv(file.path)).nSamples;
    }
    const durations: number[] = [];
    for (const speed of [1, 2]) {
      const run = await startReplay({ path: join(ONE_SUBJECT, "trial_1"), sampleRateHz: 200, speed, chunkMs: 10 });
      advanceUntilEnded(run.replay, run.clock, 10, 120_000);
      const clearedS = run.sink.cues.at(-1)?.atS as number;
      durations.push(clearedS - run.startS);

      expect(run.sink.cues.at(-1)?.classIndex).toBeNull();

      expect(run.sink.sampleCount).toBe(nSamples);
      expect(await run.replay.finished).toBe("ended");
    }

    // The last sample is due (nSamples - 1) / 200 s after start at speed 1.
    expect(durations[0]).toBeGreaterThanOrEqual((nSamples - 1) / 200 - 1e-9);
    expect(durations[0]).toBeLessThan((nSamples - 1) / 200 + 0.01 + 1e-9);
    expect(durations[1]).toBeGreaterThanOrEqual((nSamples - 1) / 400 - 1e-9);
    expect(durations[1]).toBeLessThan((nSamples - 1) / 400 + 0.01 + 1e-9);
    expect(Math.abs((durations[1] as number) / (durations[0] as number) - 0.5)).toBeLessThan(0.001);
  });

  it("keeps timestamp spacing at speed 2", async () => {
    await writeDataset(scratch);
    const run = await startReplay({ path: scratch, sampleRateHz: RATE_HZ, speed: 2 });

    advanceUntilEnded(run.replay, run.clock, 20, 10_000);
    const timestamps = run.sink.allTimestamps();

    expect(timestamps[15]).toBe(run.startS + 15 / RATE_HZ);
  });

  it("finishes at infinite speed without the clock", async () => {
    const clock = new SimulatedClock();
    const startS = clock.now();
    const replay = new ReplaySource({ path: ONE_SUBJECT, sampleRateHz: 200, speed: Number.POSITIVE_INFINITY });
    await replay.open();
    const sink = new RecordingSink(clock);
    let loopTurns = 0;
    let largestGap = 0;
    let countAtTurn = 0;
    let spinning = true;
    const spin = () => {
      loopTurns++;
      largestGap = Math.max(largestGap, sink.sampleCount - countAtTurn);
      countAtTurn = sink.sampleCount;
      if (spinning) {
        setImmediate(spin);
      }
    };
    setImmediate(spin);

    replay.start(sink);
    const end = await replay.finished;
    spinning = false;

    expect(end).toBe("ended");
    expect(replay.ended).toBe(true);
    expect(clock.now()).toBe(startS);
    expect(clock.pendingTimers).toBe(0);
    expect(sink.sampleCount).toBe(replay.position?.nSamples);
    expect(sink.cues).toHaveLength(61);
    expect(sink.cues.at(-1)?.classIndex).toBeNull();
    expect(loopTurns).toBeGreaterThan(1000);
    expect(largestGap).toBeLessThanOrEqual(2 * 4);
  });

  it("starts over when looping", async () => {
    const { rows } = await writeDataset(scratch);
    const run = await startReplay({ path: scratch, sampleRateHz: RATE_HZ, loop: true, chunkMs: 10 });
    let settled: string | undefined;
    void run.replay.finished.then((end) => {
      settled = end;
    });

    // 16 samples take 160 ms a pass; 400 ms reach sample 8 of the third pass.
    run.clock.advanceMs(400);
    await Promise.resolve();
    const values = Array.from(run.sink.allSamples());
    const timestamps = run.sink.allTimestamps();
    const onePass = expectedValues(rows);

    expect(run.sink.sampleCount).toBe(41);
    expect(values).toEqual([...onePass, ...onePass, ...onePass.slice(0, 9 * 3)]);
    for (let k = 0; k < timestamps.length; k++) {
      expect(timestamps[k]).toBeCloseTo(run.startS + k / RATE_HZ, 9);
    }
    expect(run.sink.cues.map((cue) => cue.classIndex)).toEqual([2, 0, 1, 2, 0, 1, 2, 0]);
    expect(run.replay.position).toEqual({ pass: 2, sampleIndex: 9, nSamples: 16 });
    expect(run.replay.ended).toBe(false);
    expect(settled).toBeUndefined();

    run.replay.stop();
    expect(await run.replay.finished).toBe("stopped");
    expect(run.clock.pendingTimers).toBe(0);
  });

  it("loops at infinite speed until stopped", async () => {
    await writeDataset(scratch);
    const clock = new SimulatedClock();
    const replay = new ReplaySource({ path: scratch, sampleRateHz: RATE_HZ, loop: true, speed: Number.POSITIVE_INFINITY });
    await replay.open();
    const sink = new RecordingSink(clock);
    replay.start(sink);

    while (sink.sampleCount < 100) {
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    replay.stop();
    const countAtStop = sink.sampleCount;
    await new Promise<void>((resolve) => setImmediate(resolve));

    expect(await replay.finished).toBe("stopped");
    expect(sink.sampleCount).toBe(countAtStop);
    expect(replay.position?.pass).toBeGreaterThanOrEqual(6);
  });

  it("leaves no timer after stop and restarts", async () => {
    const { rows } = await writeDataset(scratch);
    const run = await startReplay({ path: scratch, sampleRateHz: RATE_HZ });
    run.clock.advanceMs(60);

    expect(run.clock.pendingTimers).toBe(1);
    run.replay.stop();
    expect(run.clock.pendingTimers).toBe(0);
    expect(await run.replay.finished).toBe("stopped");
    const countAtStop = run.sink.sampleCount;
    run.clock.advanceMs(1000);
    expect(run.sink.sampleCount).toBe(countAtStop);

    const second = new RecordingSink(run.clock);
    await run.replay.open();
    run.replay.start(second);
    advanceUntilEnded(run.replay, run.clock, 20, 10_000);

    expect(Array.from(second.allSamples())).toEqual(expectedValues(rows));
    expect(await run.replay.finished).toBe("ended");
    expect(run.clock.pendingTimers).toBe(0);
  });

  it("plays a single CSV file under its class", async () => {
    await writeDataset(scratch);
    const run = await startReplay({ path: join(scratch, "R_2_C_0.csv"), sampleRateHz: RATE_HZ });

    advanceUntilEnded(run.replay, run.clock, 20, 10_000);

    expect(run.info.nChannels).toBe(3);
    expect(run.sink.sampleCount).toBe(7);
    expect(run.sink.cues.map((cue) => cue.classIndex)).toEqual([0, null]);
  });

  it("leaves the cue alone for an unlabelled CSV file", async () => {
    const run = await startReplay({ path: join(ONE_SUBJECT, "stream", "raw_emg.csv"), sampleRateHz: 200, speed: 50 });
    run.sink.cue = 3;

    advanceUntilEnded(run.replay, run.clock, 20, 60_000);

    expect(run.sink.sampleCount).toBe(4900);
    expect(run.sink.cues).toEqual([]);
    expect(run.sink.cue).toBe(3);
  });

  it("feeds a stream from the one-subject data set", async () => {
    const host = makeHost();
    const replay = new ReplaySource({ path: ONE_SUBJECT, sampleRateHz: 200, speed: Number.POSITIVE_INFINITY });
    const stream = new Stream({ name: "emg", source: replay, windowMs: 200 }, host);
    const cues: (number | null)[] = [];
    const setCue = host.setCue.bind(host);
    host.setCue = (classIndex) => {
      cues.push(classIndex);
      setCue(classIndex);
    };

    await stream.start();
    await replay.finished;
    const window = stream.getWindow();
    const last = await readLibemgCsv(join(ONE_SUBJECT, "trial_6", "R_1_C_4.csv"));

    expect(stream.stats.samplesAccepted).toBe(replay.position?.nSamples);
    expect(stream.stats.chunksRejected).toBe(0);
    expect(window.nSamples).toBe(40);
    expect(window.data[39]).toBe(last.samples[(last.nSamples - 1) * 8]);
    expect(cues.slice(0, 6)).toEqual([0, 1, 2, 3, 4, 0]);
    expect(cues.at(-1)).toBeNull();
    await stream.stop();
    expect(host.clock.pendingTimers).toBe(0);
  });
});

describe("ReplaySource errors", () => {
  it("rejects a missing path", async () => {
    const path = join(scratch, "nothing-here");

    await expect(new ReplaySource({ path, sampleRateHz: 100 }).open()).rejects.toThrow(`replay path not found: ${path}`);
  });

  it("rejects an empty data set", async () => {
    await expect(new ReplaySource({ path: scratch, sampleRateHz: 100 }).open()).rejects.toThrow(
      `no LibEMG data files (R_<rep>_C_<class>.csv) found in ${scratch}`,
    );
  });

  it("rejects files with different channel counts", async () => {
    await writeFile(join(scratch, "R_0_C_0.csv"), "1,2,3\n4,5,6\n");
    await mkdir(join(scratch, "trial_2"));
    await writeFile(join(scratch, "trial_2", "R_0_C_1.csv"), "1,2\n");

    await expect(new ReplaySource({ path: scratch, sampleRateHz: 100 }).open()).rejects.toThrow(
      `inconsistent channel counts in ${scratch}: R_0_C_0.csv has 3 channels but trial_2/R_0_C_1.csv has 2`,
    );
  });

  it("rejects CSV data without a sample rate", async () => {
    await writeDataset(scratch);

    await expect(new ReplaySource({ path: scratch }).open()).rejects.toThrow(/sampleRateHz is required to replay CSV data/);
    await expect(new ReplaySource({ path: join(scratch, "R_0_C_2.csv") }).open()).rejects.toThrow(
      /sampleRateHz is required/,
    );
  });

  it("rejects timestamp pacing for CSV data", async () => {
    await writeDataset(scratch);

    await expect(new ReplaySource({ path: scratch, sampleRateHz: 100, pacing: "timestamps" }).open()).rejects.toThrow(
      /CSV files carry no timestamps.*use pacing "nominal"/,
    );
  });

  it("rejects a malformed CSV file with its line", async () => {
    await writeFile(join(scratch, "R_0_C_0.csv"), "1,2\n3,four\n");

    await expect(new ReplaySource({ path: scratch, sampleRateHz: 100 }).open()).rejects.toThrow(
      `${join(scratch, "R_0_C_0.csv")}: line 2: column 2 is "four", not a number`,
    );
  });

  it("rejects a file of another kind", async () => {
    const path = join(scratch, "notes.txt");
    await writeFile(path, "hello");

    await expect(new ReplaySource({ path, sampleRateHz: 100 }).open()).rejects.toThrow(`cannot replay ${path}: expected`);
  });

  it("rejects a start before open", () => {
    const replay = new ReplaySource({ path: scratch, sampleRateHz: 100 });

    expect(() => replay.start(new RecordingSink(new SimulatedClock()))).toThrow(/started before open\(\)/);
  });

  it.each([
    [{ speed: 0 }, "option speed must be a number above 0 or Infinity, received 0"],
    [{ speed: Number.NaN }, "option speed must be a number above 0 or Infinity, received NaN"],
    [{ chunkMs: 0 }, "option chunkMs must be a finite number above 0 and at most 10000, received 0"],
    [{ sampleRateHz: -5 }, "option sampleRateHz must be a finite number above 0, received -5"],
    [{ pacing: "fast" }, 'option pacing must be "timestamps" or "nominal", received "fast"'],
    [{ path: "" }, 'option path must be a non-empty string, received ""'],
    [{ loop: "yes" }, 'option loop must be a boolean, received "yes"'],
  ])("rejects option %o", (override, message) => {
    const options = { path: "data", ...override } as unknown as ReplayOptions;

    expect(() => new ReplaySource(options)).toThrow(`ReplaySource ${message}`);
  });
});
