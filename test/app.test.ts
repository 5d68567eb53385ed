import { describe, expect, it } from "vitest";
import { App } from "../src/app/app.js";
import { SimulatedClock } from "../src/core/clock.js";
import { ManualSource } from "./support/manual-source.js";

function makeApp() {
  const clock = new SimulatedClock(50);
  const app = new App({ name: "Test", classNames: ["Rest", "Fist"], clock });
  return { app, clock };
}

describe("App context", () => {
  it("starts idle with an empty status and no cue", () => {
    const { app } = makeApp();
    expect(app.ctx.state).toBe("idle");
    expect(app.ctx.statusMessage).toBe("");
    expect(app.ctx.cue).toBeNull();
    expect(app.ctx.streams.size).toBe(0);
  });

  it("sets the status message on a refused transition and never throws", () => {
    const { app } = makeApp();
    const result = app.ctx.transition("predicting");
    expect(result.ok).toBe(false);
    expect(app.ctx.statusMessage).toMatch(/Unknown state "predicting"/);
    expect(app.ctx.state).toBe("idle");
  });

  it("lets an extension open its states, one at a time", () => {
    const { app } = makeApp();
    app.ctx.addTransitions([
      { from: "idle", to: "training" },
      { from: "training", to: "idle" },
    ]);
    const states: string[] = [];
    app.ctx.on("state", ({ to }) => states.push(to));
    expect(app.ctx.transition("training").ok).toBe(true);
    expect(app.ctx.transition("recording")).toEqual({ ok: false, reason: "Cannot go to recording while training" });
    expect(app.ctx.statusMessage).toBe("Cannot go to recording while training");
    expect(app.ctx.transition("idle").ok).toBe(true);
    expect(states).toEqual(["training", "idle"]);
  });

  it("writes timestamped lines to the bounded user log", () => {
    const clock = new SimulatedClock(3);
    const app = new App({ name: "Log", clock, logCapacity: 2 });
    app.ctx.log("one");
    clock.advanceMs(500);
    app.ctx.log("two");
    app.ctx.log("three");
    expect(app.ctx.userLog.entries.map((entry) => [entry.text, entry.timeS])).toEqual([
      ["two", 3.5],
      ["three", 3.5],
    ]);
  });

  it("validates the cue", () => {
    const { app } = makeApp();
    app.ctx.cue = 1;
    expect(app.ctx.cue).toBe(1);
    expect(() => {
      app.ctx.cue = -1;
    }).toThrow(/class index/);
    expect(() => {
      app.ctx.cue = 0.5;
    }).toThrow(/class index/);
    app.ctx.cue = null;
    expect(app.ctx.cue).toBeNull();
  });

  it("rejects an empty name and duplicate stream names", () => {
    expect(() => new App({ name: "" })).toThrow(/non-empty name/);
    const { app } = makeApp();
    app.addStream({ name: "emg", source: new ManualSource({ nChannels: 1, sampleRateHz: 10 }) });
    expect(() => app.addStream({ name: "emg", source: new ManualSource({ nChannels: 1, sampleRateHz: 10 }) })).toThrow(
      /already exists/,
    );
    expect(() => app.stream("eeg")).toThrow(/no stream named "eeg"; streams: emg/);
  });
});

describe("App lifecycle", () => {
  it("fires beforeRun hooks at start and cleanup hooks at stop, in order", async () => {
    const { app } = makeApp();
    const calls: string[] = [];
    const source = new ManualSource({ nChannels: 1, sampleRateHz: 10 });
    app.addStream({ name: "emg", source });
    app.beforeRun.push(() => {
      calls.push(`before:${source.opens}`);
    });
    app.beforeRun.push(async () => {
      calls.push("before2");
    });
    app.cleanup.push(() => {
      calls.push(`cleanup:${source.stops}`);
    });
    const running = app.run({ headless: true, handleSignals: false });
    await app.start();
    expect(app.running).toBe(true);
    expect(app.stream("emg").status.state).toBe("running");
    await app.stop();
    await running;
    expect(calls).toEqual(["before:0", "before2", "cleanup:1"]);
    expect(app.running).toBe(false);
  });

  it("keeps stopping when a cleanup hook throws, and logs it", async () => {
    const { app } = makeApp();
    let later = false;
    app.cleanup.push(() => {
      throw new Error("boom");
    });
    app.cleanup.push(() => {
      later = true;
    });
    await app.start();
    await app.stop();
    expect(later).toBe(true);
    expect(app.ctx.userLog.entries.some((entry) => entry.text.includes("A cleanup hook failed: boom"))).toBe(true);
  });

  it("starts a stream added while running", async () => {
    const { app } = makeApp();
    await app.start();
    const stream = app.addStream({ name: "late", source: new ManualSource({ nChannels: 2, sampleRateHz: 10 }) });
    await new Promise((resolve) => setImmediate(resolve));
    expect(stream.status.state).toBe("running");
    await app.stop();
  });

  it("keeps running when a source fails", async () => {
    const { app } = makeApp();
    const source = new ManualSource({ nChannels: 1, sampleRateHz: 10 });
    source.openError = new Error("no such device");
    const stream = app.addStream({ name: "emg", source, reconnectDelayMs: 0 });
    await app.start();
    expect(app.running).toBe(true);
    expect(stream.status.state).toBe("error");
    expect(stream.status.message).toMatch(/no such device/);
    await app.stop();
  });

  it("refuses to record before the app starts", async () => {
    const { app } = makeApp();
    const result = await app.startRecording({ folder: "/nonexistent" });
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(/while the app is stopped; call app.start\(\)/) });
    expect(app.ctx.statusMessage).toMatch(/while the app is stopped/);
  });

  it("refuses to record before any stream opened", async () => {
    const { app } = makeApp();
    const source = new ManualSource({ nChannels: 1, sampleRateHz: 10 });
    source.openError = new Error("unplugged");
    app.addStream({ name: "emg", source, reconnectDelayMs: 0 });
    await app.start();
    const result = await app.startRecording({ folder: "/nonexistent" });
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(/no stream has opened/) });
    expect(app.ctx.statusMessage).toMatch(/no stream has opened/);
    const stop = await app.stopRecording();
    expect(stop).toEqual({ ok: false, reason: "Cannot stop recording while idle" });
  });
});
