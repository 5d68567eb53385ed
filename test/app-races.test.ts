import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { App } from "../src/app/app.js";
import { SimulatedClock } from "../src/core/clock.js";
import { openSession } from "../src/session/reader.js";
import { SessionWriter } from "../src/session/writer.js";
import { ReplaySource } from "../src/sources/replay.js";
import type { SourceInfo } from "../src/stream/source.js";
import { ManualSource } from "./support/manual-source.js";

const folders: string[] = [];
afterEach(async () => {
  for (const folder of folders.splice(0)) {
    await rm(folder, { recursive: true, force: true });
  }
});

async function tempFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), "myogestic-races-"));
  folders.push(folder);
  return folder;
}

async function startedApp(classNames: string[] = ["Rest", "Fist"]) {
  const clock = new SimulatedClock(20);
  const app = new App({ name: "Races", classNames, clock });
  const source = new ManualSource({ nChannels: 2, sampleRateHz: 100 });
  const stream = app.addStream({ name: "emg", source });
  await app.start();
  return { app, clock, source, stream };
}

describe("App races", () => {
  it("labels a cue change made while the recording opens", async () => {
    const folder = await tempFolder();
    const { app, clock } = await startedApp();
    app.ctx.cue = 0;
    const starting = app.startRecording({ folder });
    clock.advanceMs(10);
    app.ctx.cue = 1;
    const started = await starting;
    expect(started.ok).toBe(true);
    const stopped = await app.stopRecording();
    if (!stopped.ok) {
      throw new Error(stopped.reason);
    }
    const session = await openSession(stopped.archivePath);
    expect(session.labels.map((label) => label.classIndex)).toEqual([0, 1]);
    expect(session.labels[1]?.timestampS).toBeCloseTo(20.01, 9);
    await app.stop();
  });

  it("waits for a save in progress when the app stops", async () => {
    const folder = await tempFolder();
    const { app, source } = await startedApp();
    await app.startRecording({ folder });
    source.push({ nChannels: 2, samples: [1, 2, 3, 4] });
    const saving = app.stopRecording();
    await app.stop();
    const entries = await readdir(folder);
    expect(entries.filter((name) => name.endsWith(".session.zip"))).toHaveLength(1);
    expect(entries.filter((name) => !name.endsWith(".session.zip"))).toEqual([]);
    expect((await saving).ok).toBe(true);
  });

  it("starts again when start is called while stopping", async () => {
    const { app, stream } = await startedApp();
    const stopping = app.stop();
    const restarting = app.start();
    await stopping;
    await restarting;
    expect(app.running).toBe(true);
    expect(stream.status.state).toBe("running");
    await app.stop();
    expect(app.running).toBe(false);
  });

  it("refuses to record while stopping", async () => {
    const folder = await tempFolder();
    const { app } = await startedApp();
    const stopping = app.stop();
    const result = await app.startRecording({ folder });
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(/while the app is stopping/) });
    await stopping;
    expect(await readdir(folder)).toEqual([]);
  });

  it("stays usable after a beforeRun hook throws", async () => {
    const { app } = { app: new App({ name: "Hooks", clock: new SimulatedClock() }) };
    let fail = true;
    app.beforeRun.push(() => {
      if (fail) {
        throw new Error("model file missing");
      }
    });
    await expect(app.run({ headless: true, handleSignals: false })).rejects.toThrow(/model file missing/);
    expect(app.running).toBe(false);
    expect(app.ctx.userLog.entries.at(-1)?.text).toMatch(/A beforeRun hook failed, so Hooks did not start: model file missing/);
    fail = false;
    await app.start();
    expect(app.running).toBe(true);
    await app.stop();
  });

  it("returns the same promise from a second run", async () => {
    const app = new App({ name: "Twice", clock: new SimulatedClock() });
    const first = app.run({ headless: true, handleSignals: false });
    const second = app.run({ headless: true, handleSignals: false });
    expect(second).toBe(first);
    await app.start();
    await app.stop();
    await expect(first).resolves.toBeUndefined();
  });

  it("does not record chunks after the channel count changed", async () => {
    const folder = await tempFolder();
    const { app, source, stream } = await startedApp();
    await app.startRecording({ folder });
    source.push({ nChannels: 2, samples: [10, 11] });
    source.info = { nChannels: 4, sampleRateHz: 100 };
    await stream.reconnect();
    source.push({ nChannels: 4, samples: [20, 21, 22, 23] });
    const stopped = await app.stopRecording();
    if (!stopped.ok) {
      throw new Error(stopped.reason);
    }
    const recorded = await (await openSession(stopped.archivePath)).readStream("emg");
    expect(Array.from(recorded.samples)).toEqual([10, 11]);
    expect(app.ctx.userLog.entries.some((entry) => /now has 4 channels but the recording has 2/.test(entry.text))).toBe(true);
    await app.stop();
  });
});

describe("App cue checks", () => {
  it("rejects a cue outside the class names and keeps the old one", async () => {
    const { app } = await startedApp(["Rest", "Fist"]);
    app.ctx.cue = 1;
    expect(() => {
      app.ctx.cue = 2;
    }).toThrow(/cue 2 is not a class index: Races has classes Rest, Fist/);
    expect(app.ctx.cue).toBe(1);
    await app.stop();
  });

  it("rejects recording an unnamed cue", async () => {
    const folder = await tempFolder();
    const { app } = await startedApp([]);
    app.ctx.cue = 0;
    const result = await app.startRecording({ folder });
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(/cue is class 0 but the recording has 0 class names/) });
    expect(app.ctx.state).toBe("idle");
    expect(await readdir(folder)).toEqual([]);
    await app.stop();
  });

  it("logs and ignores a replayed cue the app has no class for", async () => {
    const folder = await tempFolder();
    const writer = await SessionWriter.create({
      folder,
      appName: "source",
      name: "three",
      classNames: ["A", "B", "C"],
      streams: [{ name: "emg", kind: "numeric", nChannels: 1, sampleRateHz: 100 }],
    });
    writer.addLabel(0, 2);
    writer.append("emg", new Float32Array(50), Float64Array.from({ length: 50 }, (_, i) => i / 100), 50);
    const path = (await writer.close()).archivePath;
    const clock = new SimulatedClock(5);
    const app = new App({ name: "Two", classNames: ["A", "B"], clock });
    const replay = new ReplaySource({ path, speed: Number.POSITIVE_INFINITY });
    const stream = app.addStream({ name: "emg", source: replay });
    await app.start();
    await replay.finished;
    expect(stream.stats.samplesAccepted).toBe(50);
    expect(stream.status.state).not.toBe("error");
    const ignored = app.ctx.userLog.entries.filter((entry) => entry.text.includes("cue ignored"));
    expect(ignored).toHaveLength(1);
    expect(ignored[0]?.text).toMatch(/cue 2 is not a class index/);
    await app.stop();
  });
});

describe("Recording a fast replay", () => {
  it("labels replayed cues at their sample times at speed 4", async () => {
    const folder = await tempFolder();
    const writer = await SessionWriter.create({
      folder,
      appName: "source",
      name: "original",
      classNames: ["A", "B"],
      streams: [{ name: "emg", kind: "numeric", nChannels: 1, sampleRateHz: 100 }],
    });
    writer.addLabel(0, 0);
    writer.addLabel(2, 1);
    const n = 400;
    writer.append("emg", Float32Array.from({ length: n }, (_, i) => i), Float64Array.from({ length: n }, (_, i) => i / 100), n);
    const path = (await writer.close()).archivePath;

    const clock = new SimulatedClock(50);
    const app = new App({ name: "Rerecord", classNames: ["A", "B"], clock });
    const replay = new ReplaySource({ path, speed: 4 });
    app.addStream({ name: "emg", source: replay });
    await app.start();
    await app.startRecording({ folder, name: "again" });
    for (let step = 0; step < 60 && !replay.ended; step++) {
      clock.advanceMs(20);
    }
    expect(replay.ended).toBe(true);
    const stopped = await app.stopRecording();
    if (!stopped.ok) {
      throw new Error(stopped.reason);
    }
    const session = await openSession(stopped.archivePath);
    const recorded = await session.readStream("emg");
    const labelB = session.labels.find((label) => label.classIndex === 1);
    expect(labelB).toBeDefined();
    const index = recorded.timestamps.findIndex((timeS) => timeS >= (labelB?.timestampS ?? Number.NaN));
    expect(recorded.samples[index]).toBe(200);
    await app.stop();
  });
});

describe("Stream stopped while opening", () => {
  it("stops the source once the slow open finishes", async () => {
    class SlowSource extends ManualSource {
      release: (() => void) | undefined;
      override async open(): Promise<SourceInfo> {
        await new Promise<void>((resolve) => {
          this.release = resolve;
        });
        return super.open();
      }
    }
    const app = new App({ name: "Slow", clock: new SimulatedClock() });
    const source = new SlowSource({ nChannels: 1, sampleRateHz: 10 });
    const stream = app.addStream({ name: "emg", source });
    const starting = app.start();
    await new Promise((resolve) => setImmediate(resolve));
    const stopping = stream.stop();
    source.release?.();
    await stopping;
    await starting;
    expect(stream.status.state).toBe("stopped");
    expect(source.stops).toBeGreaterThanOrEqual(1);
    expect(source.sink).toBeUndefined();
    await app.stop();
  });
});
