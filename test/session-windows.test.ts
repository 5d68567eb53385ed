import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listSessions, TrainingData } from "../src/session/training-data.js";
import { iterAlignedWindows, iterLabeledWindows, type LabeledWindow } from "../src/session/windows.js";
import { SessionWriter } from "../src/session/writer.js";

let root: string;
let gestures: string;
let swapped: string;

/** A 2-channel 100 Hz session where sample i holds i (channel 0) and -i (channel 1). */
async function writeSession(name: string, classNames: string[], labels: [number, number | null][]): Promise<string> {
  const writer = await SessionWriter.create({
    folder: root,
    appName: "windows test",
    name,
    classNames,
    streams: [
      { name: "emg", kind: "numeric", nChannels: 2, sampleRateHz: 100 },
      { name: "pose", kind: "numeric", nChannels: 1, sampleRateHz: 10 },
    ],
  });
  const n = 300;
  const samples = new Float32Array(n * 2);
  const timestamps = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    samples[2 * i] = i;
    samples[2 * i + 1] = -i;
    timestamps[i] = 5 + i / 100;
  }
  writer.append("emg", samples, timestamps, n);
  const pose = Float32Array.from({ length: 30 }, (_, i) => i * 10);
  writer.append("pose", pose, Float64Array.from({ length: 30 }, (_, i) => 5 + i / 10), 30);
  for (const [timeS, classIndex] of labels) {
    writer.addLabel(timeS, classIndex);
  }
  return (await writer.close()).archivePath;
}

async function collect<T>(iterator: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterator) {
    items.push(item);
  }
  return items;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "myogestic-windows-"));
  gestures = await writeSession("gestures", ["Rest", "Fist"], [
    [5, 0],
    [6, 1],
    [7, null],
  ]);
  swapped = await writeSession("swapped", ["Fist", "Rest"], [
    [5, 1],
    [6.5, 0],
  ]);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("iterLabeledWindows", () => {
  it("cuts windows inside each trial, channels-first, with its class", async () => {
    const windows = await collect(iterLabeledWindows([gestures], { stream: "emg", windowMs: 200, hopMs: 100 }));
    expect(windows.map((window) => window.classIndex)).toEqual([...Array(9).fill(0), ...Array(9).fill(1)]);
    const first = windows[0] as LabeledWindow;
    expect(first.nChannels).toBe(2);
    expect(first.nSamples).toBe(20);
    expect(Array.from(first.data.slice(0, 3))).toEqual([0, 1, 2]);
    expect(Array.from(first.data.slice(20, 23))).toEqual([-0, -1, -2]);
    expect(first.startS).toBe(5);
    expect(windows[9]?.data[0]).toBe(100);
  });

  it("drops windows that straddle a label change", async () => {
    const windows = await collect(iterLabeledWindows([gestures], { stream: "emg", windowMs: 250, hopMs: 100 }));
    for (const window of windows) {
      const firstIndex = window.data[0] as number;
      const lastIndex = window.data[window.nSamples - 1] as number;
      const expectedClass = firstIndex < 100 ? 0 : 1;
      expect(window.classIndex).toBe(expectedClass);
      expect(lastIndex < 100 ? 0 : lastIndex < 200 ? 1 : 2).toBe(expectedClass);
    }
    expect(windows).toHaveLength(16);
  });

  it("keeps only the chosen classes", async () => {
    const windows = await collect(iterLabeledWindows([gestures], { stream: "emg", windowMs: 200, hopMs: 100, classes: [1] }));
    expect(new Set(windows.map((window) => window.classIndex))).toEqual(new Set([1]));
    expect(windows).toHaveLength(9);
  });

  it("maps classes by name across sessions", async () => {
    const windows = await collect(
      iterLabeledWindows([gestures, swapped], { stream: "emg", windowMs: 500, hopMs: 500, classNames: ["Rest", "Fist"] }),
    );
    const fromSwapped = windows.filter((window) => window.sessionPath === swapped);
    expect(fromSwapped.map((window) => [window.data[0], window.classIndex])).toEqual([
      [0, 0],
      [50, 0],
      [100, 0],
      [150, 1],
      [200, 1],
      [250, 1],
    ]);
  });

  it("rejects window lengths shorter than a sample", async () => {
    await expect(collect(iterLabeledWindows([gestures], { stream: "emg", windowMs: 2, hopMs: 100 }))).rejects.toThrow(
      /at least one sample at 100 Hz/,
    );
    await expect(collect(iterLabeledWindows([gestures], { stream: "emg", windowMs: 0, hopMs: 100 }))).rejects.toThrow(/windowMs/);
  });

  it("cuts windows only from the chunks before a missing one", async () => {
    const folder = join(root, "unpacked");
    const writer = await SessionWriter.create({
      folder,
      appName: "windows test",
      name: "holes",
      classNames: ["Rest"],
      streams: [{ name: "emg", kind: "numeric", nChannels: 1, sampleRateHz: 10 }],
    });
    writer.addLabel(0, 0);
    writer.append("emg", new Float32Array(30).fill(1), Float64Array.from({ length: 30 }, (_, i) => i / 10), 30);
    await writer.flush();
    await rm(join(writer.folder, "emg.zarr", "c", "1", "0"));
    // The first chunk contains the first second (10 samples): two windows of 500 ms, none beyond it.
    const windows = await collect(iterLabeledWindows([writer.folder], { stream: "emg", windowMs: 500, hopMs: 500 }));
    expect(windows).toHaveLength(2);
    expect(windows.every((window) => window.startS < 1)).toBe(true);
    await writer.close().catch(() => undefined);
  });

  it("names a missing stream", async () => {
    await expect(collect(iterLabeledWindows([gestures], { stream: "eeg", windowMs: 200, hopMs: 100 }))).rejects.toThrow(/eeg/);
  });
});

describe("iterAlignedWindows", () => {
  it("pairs each window with the target's newest sample at its end", async () => {
    const windows = await collect(iterAlignedWindows([gestures], { stream: "emg", target: "pose", windowMs: 200, hopMs: 500 }));
    expect(windows.length).toBe(6);
    for (const window of windows) {
      const endS = 5 + ((window.data[window.nSamples - 1] as number) / 100);
      expect(window.targetTimestampS).toBeLessThanOrEqual(endS + 1e-12);
      expect(endS - window.targetTimestampS).toBeLessThan(0.1);
      expect(window.target[0]).toBeCloseTo((window.targetTimestampS - 5) * 100, 6);
    }
  });
});

describe("TrainingData", () => {
  it("is empty without sessions or classes", () => {
    expect(new TrainingData({ paths: [], classNames: ["A"] }).isEmpty).toBe(true);
    expect(new TrainingData({ paths: ["x"], classNames: ["A"], classes: [] }).isEmpty).toBe(true);
    const data = new TrainingData({ paths: ["x"], classNames: ["A", "B"] });
    expect(data.isEmpty).toBe(false);
    expect(data.classes).toEqual([0, 1]);
  });

  it("rejects class indices outside the class names", () => {
    expect(() => new TrainingData({ paths: ["x"], classNames: ["A"], classes: [1] })).toThrow(/class 1 is not an index/);
  });

  it("lists archives and unpacked session folders in name order", async () => {
    const folder = join(root, "listing");
    await mkdir(join(folder, "b_unpacked"), { recursive: true });
    await writeFile(join(folder, "b_unpacked", "meta.json"), "{}");
    await mkdir(join(folder, "not_a_session"), { recursive: true });
    await writeFile(join(folder, "a.session.zip"), "");
    await writeFile(join(folder, "notes.txt"), "");
    expect(await listSessions(folder)).toEqual([join(folder, "a.session.zip"), join(folder, "b_unpacked")]);
  });
});
