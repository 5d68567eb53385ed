import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { App } from "../src/app/app.js";
import { SimulatedClock } from "../src/core/clock.js";
import { openSession } from "../src/session/reader.js";
import { SyntheticEmgSource } from "../src/sources/synthetic.js";
import { ManualSource } from "./support/manual-source.js";

const folders: string[] = [];
afterEach(async () => {
  for (const folder of folders.splice(0)) {
    await rm(folder, { recursive: true, force: true });
  }
});

async function tempFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), "myogestic-app-rec-"));
  folders.push(folder);
  return folder;
}

describe("App recording", () => {
  it("records every accepted sample and a label for each cue change", async () => {
    const folder = await tempFolder();
    const clock = new SimulatedClock(500);
    const app = new App({ name: "Gestures", classNames: ["Rest", "Fist"], clock });
    const emg = app.addStream({ name: "emg", source: new SyntheticEmgSource({ channels: 4, sampleRateHz: 500, seed: 3 }) });
    await app.start();
    clock.advanceMs(200);
    app.ctx.cue = 0;
    const before = emg.stats.samplesAccepted;
    const started = await app.startRecording({ folder });
    expect(started.ok).toBe(true);
    expect(app.ctx.state).toBe("recording");
    const t0 = clock.now();
    clock.advanceMs(1000);
    app.ctx.cue = 1;
    const t1 = clock.now();
    clock.advanceMs(1000);
    app.ctx.cue = null;
    const t2 = clock.now();
    clock.advanceMs(500);
    const accepted = emg.stats.samplesAccepted - before;
    const lastWindow = emg.getWindow(100);
    const stopped = await app.stopRecording();
    expect(stopped.ok).toBe(true);
    expect(app.ctx.state).toBe("idle");
    if (!stopped.ok) {
      return;
    }
    expect(stopped.labelCount).toBe(3);
    expect((await readdir(folder)).filter((name) => !name.endsWith(".session.zip"))).toEqual([]);

    const session = await openSession(stopped.archivePath);
    expect(session.appName).toBe("Gestures");
    expect(session.classNames).toEqual(["Rest", "Fist"]);
    expect(session.labels).toEqual([
      { timestampS: t0, classIndex: 0 },
      { timestampS: t1, classIndex: 1 },
      { timestampS: t2, classIndex: null },
    ]);
    expect(session.trials().map((trial) => [trial.className, trial.startS, trial.endS])).toEqual([
      ["Rest", t0, t1],
      ["Fist", t1, t2],
    ]);
    const recorded = await session.readStream("emg");
    expect(recorded.nSamples).toBe(accepted);
    expect(recorded.info.sampleRateHz).toBe(500);
    const n = lastWindow.nSamples;
    for (let c = 0; c < 4; c++) {
      for (let i = 0; i < n; i++) {
        expect(recorded.samples[(recorded.nSamples - n + i) * 4 + c]).toBe(lastWindow.data[c * n + i]);
      }
    }
    expect(Array.from(recorded.timestamps.slice(-n))).toEqual(Array.from(lastWindow.timestamps));
    await app.stop();
  });

  it("writes labels added through the open recording", async () => {
    const folder = await tempFolder();
    const clock = new SimulatedClock(10);
    const app = new App({ name: "Labels", classNames: ["A", "B", "C"], clock });
    const source = new ManualSource({ nChannels: 1, sampleRateHz: 10 });
    app.addStream({ name: "emg", source });
    await app.start();
    await app.startRecording({ folder });
    source.push({ nChannels: 1, samples: [1, 2, 3] });
    app.ctx.recording?.addLabel(2);
    const stopped = await app.stopRecording();
    if (!stopped.ok) {
      throw new Error(stopped.reason);
    }
    const session = await openSession(stopped.archivePath);
    expect(session.labels).toEqual([{ timestampS: 10, classIndex: 2 }]);
    expect(app.ctx.cue).toBeNull();
    await app.stop();
  });

  it("puts two recordings started within the same second in different sessions", async () => {
    const folder = await tempFolder();
    const app = new App({ name: "Twice", clock: new SimulatedClock() });
    const source = new ManualSource({ nChannels: 2, sampleRateHz: 10 });
    app.addStream({ name: "emg", source });
    await app.start();
    const paths: string[] = [];
    for (let i = 0; i < 3; i++) {
      await app.startRecording({ folder });
      source.push({ nChannels: 2, samples: [i, i] });
      const stopped = await app.stopRecording();
      if (!stopped.ok) {
        throw new Error(stopped.reason);
      }
      paths.push(stopped.archivePath);
    }
    expect(new Set(paths).size).toBe(3);
    for (const [i, path] of paths.entries()) {
      const recorded = await (await openSession(path)).readStream("emg");
      expect(Array.from(recorded.samples)).toEqual([i, i]);
    }
    await app.stop();
  });

  it("refuses a second recording while one is open", async () => {
    const folder = await tempFolder();
    const app = new App({ name: "Busy", clock: new SimulatedClock() });
    app.addStream({ name: "emg", source: new ManualSource({ nChannels: 1, sampleRateHz: 10 }) });
    await app.start();
    const [first, second] = await Promise.all([app.startRecording({ folder }), app.startRecording({ folder })]);
    expect(first.ok).toBe(true);
    expect(second).toEqual({ ok: false, reason: "Cannot go to recording while recording" });
    await app.stop();
    expect(app.ctx.state).toBe("idle");
    expect((await readdir(folder)).filter((name) => name.endsWith(".session.zip"))).toHaveLength(1);
  });

  it("finalises an open recording when the app stops", async () => {
    const folder = await tempFolder();
    const app = new App({ name: "Stop", clock: new SimulatedClock() });
    const source = new ManualSource({ nChannels: 1, sampleRateHz: 10 });
    app.addStream({ name: "emg", source });
    await app.start();
    await app.startRecording({ folder });
    source.push({ nChannels: 1, samples: [4, 5, 6] });
    await app.stop();
    const archives = (await readdir(folder)).filter((name) => name.endsWith(".session.zip"));
    expect(archives).toHaveLength(1);
    const recorded = await (await openSession(join(folder, archives[0] as string))).readStream("emg");
    expect(Array.from(recorded.samples)).toEqual([4, 5, 6]);
  });

  it("reports a recording that cannot start and returns to idle", async () => {
    const app = new App({ name: "Bad", clock: new SimulatedClock() });
    app.addStream({ name: "emg", source: new ManualSource({ nChannels: 1, sampleRateHz: 10 }) });
    await app.start();
    const result = await app.startRecording({ folder: "/proc/version/not-a-folder" });
    expect(result.ok).toBe(false);
    expect(app.ctx.state).toBe("idle");
    expect(app.ctx.statusMessage).toMatch(/Recording failed to start/);
    const unknown = await app.startRecording({ folder: "/tmp", streams: ["eeg"] });
    expect(unknown).toEqual({ ok: false, reason: "Cannot record: no open stream named eeg" });
    await app.stop();
  });
});
