import { describe, expect, it } from "vitest";
import { Stream } from "../src/stream/stream.js";
import { makeHost } from "./support/host.js";
import { ManualSource, rampSamples } from "./support/manual-source.js";

async function startedStream(nChannels = 2, sampleRateHz = 100, options: { windowMs?: number; bufferMs?: number } = {}) {
  const host = makeHost();
  const source = new ManualSource({ nChannels, sampleRateHz });
  const stream = new Stream({ name: "emg", source, windowMs: options.windowMs ?? 100, bufferMs: options.bufferMs ?? 1000 }, host);
  await stream.start();
  return { host, source, stream };
}

describe("Stream windows", () => {
  it("is empty before any data arrives", async () => {
    const { stream } = await startedStream();
    const window = stream.getWindow();
    expect(window.nSamples).toBe(0);
    expect(window.nChannels).toBe(2);
    expect(window.data.length).toBe(0);
  });

  it("returns the newest windowMs channels-first with timestamps", async () => {
    const { source, stream } = await startedStream(2, 100, { windowMs: 50 });
    const timestamps = Array.from({ length: 20 }, (_, i) => 10 + i / 100);
    source.push({ nChannels: 2, samples: rampSamples(20, 2), timestamps });
    const window = stream.getWindow();
    expect(window.nSamples).toBe(5);
    expect(Array.from(window.data)).toEqual([15, 16, 17, 18, 19, 15.01, 16.01, 17.01, 18.01, 19.01].map(Math.fround));
    expect(Array.from(window.timestamps)).toEqual(timestamps.slice(15));
  });

  it("is shorter only while the buffer holds less", async () => {
    const { source, stream } = await startedStream(1, 100, { windowMs: 200 });
    source.push({ nChannels: 1, samples: [1, 2, 3] });
    expect(stream.getWindow().nSamples).toBe(3);
    expect(stream.getWindow(20).nSamples).toBe(2);
  });

  it("never returns stale samples after the ring wraps", async () => {
    const { source, stream } = await startedStream(1, 100, { windowMs: 100, bufferMs: 100 });
    for (let chunk = 0; chunk < 7; chunk++) {
      source.push({ nChannels: 1, samples: rampSamples(3, 1, chunk * 3) });
    }
    expect(Array.from(stream.getWindow().data)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
  });

  it("rejects a chunk with the wrong channel count and names both counts", async () => {
    const { host, source, stream } = await startedStream(8, 100);
    source.push({ nChannels: 8, samples: rampSamples(4, 8) });
    const accepted = source.push({ nChannels: 7, samples: rampSamples(4, 7) });
    expect(accepted).toBe(false);
    expect(stream.status.message).toMatch(/7 channels but the stream has 8/);
    expect(host.lines.some((line) => line.includes("7 channels but the stream has 8"))).toBe(true);
    expect(stream.getWindow(1000).nSamples).toBe(4);
    expect(stream.stats.chunksRejected).toBe(1);
  });

  it("rejects chunks that do not split into samples or lack timestamps", async () => {
    const { source, stream } = await startedStream(2, 100);
    expect(source.push({ nChannels: 2, samples: [1, 2, 3] })).toBe(false);
    expect(stream.status.message).toMatch(/3 values do not split into samples of 2 channels/);
    expect(source.push({ nChannels: 2, samples: [1, 2, 3, 4], timestamps: [1] })).toBe(false);
    expect(stream.status.message).toMatch(/2 samples but 1 timestamps/);
    expect(source.push({ nChannels: 2, samples: [1, 2], timestamps: [Number.NaN] })).toBe(false);
    expect(stream.bufferedCount).toBe(0);
  });

  it("keeps non-finite samples as received, counts them and says so once", async () => {
    const { host, source, stream } = await startedStream(2, 100);
    source.push({ nChannels: 2, samples: [1, Number.NaN, Number.POSITIVE_INFINITY, 4], timestamps: [5.1, 5.2] });
    source.push({ nChannels: 2, samples: [Number.NaN, 6], timestamps: [5.3] });
    const window = stream.getWindow(1000);
    expect(Array.from(window.data)).toEqual([1, Number.POSITIVE_INFINITY, Number.NaN, Number.NaN, 4, 6]);
    expect(stream.stats.nonFiniteValues).toBe(3);
    expect(host.lines.filter((line) => line.includes("NaN or infinite")).length).toBe(1);
    const envelope = stream.getDisplay(1, 1000);
    expect(envelope.min[0]).toBe(1);
    expect(envelope.max[1]).toBe(6);
  });
});

describe("Stream timestamps", () => {
  it("spaces assigned timestamps by the nominal rate across bursts", async () => {
    const { host, source, stream } = await startedStream(1, 100);
    source.push({ nChannels: 1, samples: rampSamples(10, 1) });
    host.clock.advanceMs(100);
    source.push({ nChannels: 1, samples: rampSamples(10, 1) });
    const { timestamps } = stream.getWindow(1000);
    for (let i = 1; i < timestamps.length; i++) {
      expect((timestamps[i] as number) - (timestamps[i - 1] as number)).toBeCloseTo(0.01, 9);
    }
    expect(timestamps[timestamps.length - 1]).toBeCloseTo(host.clock.now(), 9);
  });

  it("anchors to the clock again after a gap", async () => {
    const { host, source, stream } = await startedStream(1, 100);
    source.push({ nChannels: 1, samples: [1, 2] });
    host.clock.advanceMs(5000);
    source.push({ nChannels: 1, samples: [3] });
    expect(stream.getWindow(1000).timestamps.at(-1)).toBeCloseTo(host.clock.now(), 9);
  });

  it("measures the effective rate from timestamps", async () => {
    const { source, stream } = await startedStream(1, 100);
    const timestamps = Array.from({ length: 51 }, (_, i) => i / 100.5);
    source.push({ nChannels: 1, samples: new Float32Array(51), timestamps });
    expect(stream.effectiveRateHz).toBeCloseTo(100.5, 6);
  });
});

describe("Stream display", () => {
  it("builds a min/max envelope of the newest span", async () => {
    const { source, stream } = await startedStream(1, 100, { bufferMs: 1000 });
    const timestamps = Array.from({ length: 100 }, (_, i) => i / 100);
    const samples = Float32Array.from(timestamps, (_, i) => (i % 2 === 0 ? i : -i));
    source.push({ nChannels: 1, samples, timestamps });
    const envelope = stream.getDisplay(4, 400);
    expect(envelope.widthPx).toBe(4);
    expect(envelope.endS).toBeCloseTo(0.99, 9);
    expect(envelope.startS).toBeCloseTo(0.6, 9);
    expect(envelope.max[3]).toBe(98);
    expect(envelope.min[3]).toBe(-99);
    expect(Number.isNaN(envelope.min[0])).toBe(false);
  });

  it("is all NaN before data arrives", async () => {
    const { stream } = await startedStream(2, 100);
    const envelope = stream.getDisplay(3, 500);
    expect(Array.from(envelope.min).every(Number.isNaN)).toBe(true);
  });
});

describe("Stream markers", () => {
  it("reads marker events by time", async () => {
    const host = makeHost();
    const source = new ManualSource({ nChannels: 1, sampleRateHz: 0, kind: "marker" });
    const stream = new Stream({ name: "events", source, windowMs: 500 }, host);
    await stream.start();
    const now = host.clock.now();
    source.sink?.pushMarkers(["start", "go"], [now - 2, now - 0.2]);
    expect(stream.getEvents().map((event) => event.value)).toEqual(["go"]);
    expect(stream.getEvents(5000).map((event) => event.value)).toEqual(["start", "go"]);
    expect(() => stream.getWindow()).toThrow(/marker stream; read it with getEvents/);
    expect(source.push({ nChannels: 1, samples: [1] })).toBe(false);
  });

  it("rejects markers with non-finite timestamps or non-string values", async () => {
    const host = makeHost();
    const source = new ManualSource({ nChannels: 1, sampleRateHz: 0, kind: "marker" });
    const stream = new Stream({ name: "events", source }, host);
    await stream.start();
    expect(source.sink?.pushMarkers(["trigger"], [Number.NaN])).toBe(false);
    expect(stream.status.message).toMatch(/marker timestamp 0 is NaN/);
    expect(source.sink?.pushMarkers([7 as unknown as string])).toBe(false);
    expect(stream.status.message).toMatch(/marker 0 is number; markers must be strings/);
    expect(stream.bufferedCount).toBe(0);
  });

  it("windows an irregular numeric stream by time", async () => {
    const { source, stream } = await startedStream(1, 0, { windowMs: 100 });
    source.push({ nChannels: 1, samples: [1, 2, 3, 4], timestamps: [1.0, 1.85, 1.95, 2.0] });
    expect(Array.from(stream.getWindow().data)).toEqual([3, 4]);
  });

  it("keeps a by-time window boundary exclusive at any clock value", async () => {
    for (const baseS of [0.3, 1000.3, 1e6 + 0.3]) {
      const { source, stream } = await startedStream(1, 0, { windowMs: 100 });
      source.push({ nChannels: 1, samples: [1, 2, 3], timestamps: [baseS - 0.1, baseS - 0.05, baseS] });
      expect(Array.from(stream.getWindow().data), `at ${baseS} s`).toEqual([2, 3]);
    }
  });
});

describe("Stream health", () => {
  it("reports a stall after the longer of 1 s and three chunk intervals, and recovers", async () => {
    const { host, source, stream } = await startedStream(1, 100);
    for (let i = 0; i < 5; i++) {
      source.push({ nChannels: 1, samples: [i] });
      host.clock.advanceMs(100);
    }
    host.clock.advanceMs(800);
    expect(stream.status.state).toBe("running");
    host.clock.advanceMs(500);
    expect(stream.status.state).toBe("stalled");
    source.push({ nChannels: 1, samples: [9] });
    expect(stream.status.state).toBe("running");
  });

  it("shows a source failure and reconnects after the delay", async () => {
    const host = makeHost();
    const source = new ManualSource({ nChannels: 1, sampleRateHz: 100 });
    const stream = new Stream({ name: "emg", source, reconnectDelayMs: 1000 }, host);
    await stream.start();
    source.sink?.fail(new Error("cable unplugged"));
    expect(stream.status.state).toBe("error");
    expect(stream.status.message).toMatch(/cable unplugged; retrying in 1000 ms/);
    const staleSink = source.sink;
    host.clock.advanceMs(1000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(stream.status.state).toBe("running");
    expect(source.opens).toBe(2);
    expect(staleSink === source.sink).toBe(false);
  });

  it("ignores pushes from a sink of an earlier start", async () => {
    const { source, stream } = await startedStream(1, 100);
    const oldSink = source.sink;
    await stream.reconnect();
    expect(oldSink?.pushChunk({ nChannels: 1, samples: [1] })).toBe(false);
    expect(source.push({ nChannels: 1, samples: [2] })).toBe(true);
    expect(Array.from(stream.getWindow(1000).data)).toEqual([2]);
  });

  it("reports an open failure and keeps retrying", async () => {
    const host = makeHost();
    const source = new ManualSource({ nChannels: 1, sampleRateHz: 100 });
    source.openError = new Error("device not found");
    const stream = new Stream({ name: "emg", source, reconnectDelayMs: 500 }, host);
    await stream.start();
    expect(stream.status).toEqual({ state: "error", message: expect.stringMatching(/device not found/) });
    source.openError = undefined;
    host.clock.advanceMs(500);
    await new Promise((resolve) => setImmediate(resolve));
    expect(stream.status.state).toBe("running");
  });

  it("leaves no timer behind after stop", async () => {
    const { host, stream } = await startedStream(1, 100);
    expect(host.clock.pendingTimers).toBeGreaterThan(0);
    await stream.stop();
    expect(host.clock.pendingTimers).toBe(0);
    expect(stream.status.state).toBe("stopped");
  });

  it("validates its options", () => {
    const host = makeHost();
    const source = new ManualSource({ nChannels: 1, sampleRateHz: 100 });
    expect(() => new Stream({ name: "bad name", source }, host)).toThrow(/stream name/);
    expect(() => new Stream({ name: "emg", source, windowMs: 0 }, host)).toThrow(/windowMs/);
    expect(() => new Stream({ name: "emg", source, windowMs: 500, bufferMs: 100 }, host)).toThrow(/must not exceed bufferMs/);
  });
});
