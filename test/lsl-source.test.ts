import { afterEach, describe, expect, it } from "vitest";
import { App } from "../src/app/app.js";
import { localClockS } from "../src/core/clock.js";
import { LslOutlet } from "../src/lsl/outlet.js";
import { LslSource } from "../src/lsl/source.js";
import { loopbackConfig, waitUntil } from "./support/lsl.js";

const CONFIG = loopbackConfig(17_140);
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

async function openOutlet(name: string, sourceId: string, channels = 3) {
  const outlet = await LslOutlet.open({ name, type: "EMG", channelCount: channels, nominalSrateHz: 500, sourceId }, { config: CONFIG });
  cleanups.push(() => outlet.close());
  return outlet;
}

function appWith(source: LslSource) {
  const app = new App({ name: "lsl test" });
  const stream = app.addStream({ name: "emg", source, reconnectDelayMs: 100 });
  cleanups.push(() => app.stop());
  return { app, stream };
}

/** Pushes `count` samples whose first channel counts up from `first`. */
function pushCounter(outlet: LslOutlet, first: number, count: number): void {
  const channels = outlet.info.channelCount;
  const values = new Float32Array(count * channels);
  for (let index = 0; index < count; index++) {
    values[index * channels] = first + index;
  }
  outlet.pushChunk(values);
}

describe("LslSource", () => {
  it("receives a stream found by name, on this machine's clock", async () => {
    const outlet = await openOutlet("Amp", "amp-1");
    const source = new LslSource({ name: "Amp", config: CONFIG });
    const { app, stream } = appWith(source);
    await app.start();
    expect(stream.status.state).toBe("running");
    expect(stream.nChannels).toBe(3);
    expect(stream.sampleRateHz).toBe(500);
    expect(source.timeCorrectionS).toBeDefined();
    expect(Math.abs(source.timeCorrectionS ?? 1)).toBeLessThan(0.01);
    await waitUntil(() => outlet.inletCount === 1, "the inlet to connect");
    pushCounter(outlet, 0, 250);
    await waitUntil(() => stream.stats.samplesAccepted === 250, "250 samples");
    const window = stream.getWindow(500);
    expect(window.timestamps.at(-1)).toBeCloseTo(localClockS(), 0);
    expect([...window.data.subarray(0, 5)]).toEqual([0, 1, 2, 3, 4]);
  });

  it("reconnects by source id", async () => {
    const first = await openOutlet("Device", "device-7");
    const source = new LslSource({ name: "Device", config: CONFIG, resolveTimeoutMs: 300 });
    const { app, stream } = appWith(source);
    await app.start();
    await waitUntil(() => first.inletCount === 1, "the first connection");
    pushCounter(first, 0, 100);
    await waitUntil(() => stream.stats.samplesAccepted === 100, "100 samples");

    await first.close();
    await waitUntil(() => stream.status.state === "error", "the loss to show");
    expect(stream.status.message).toMatch(/closed the connection|no LSL stream matching/);

    const second = await openOutlet("Device", "device-7");
    await waitUntil(() => second.inletCount === 1, "the reconnection", 10_000);
    await waitUntil(() => stream.status.state === "running", "the stream to run again");
    expect(source.connections).toBe(2);
    pushCounter(second, 100, 100);
    await waitUntil(() => stream.stats.samplesAccepted === 200, "200 samples");
    const window = stream.getWindow(400);
    const counter = Array.from({ length: 200 }, (_, index) => window.data[index] as number);
    expect(counter).toEqual(Array.from({ length: 200 }, (_, index) => index));
  });

  it("turns a string stream into marker events", async () => {
    const outlet = await LslOutlet.open({ name: "Cues", type: "Markers", channelCount: 1, channelFormat: "string" }, { config: CONFIG });
    cleanups.push(() => outlet.close());
    const { app, stream } = appWith(new LslSource({ name: "Cues", config: CONFIG }));
    await app.start();
    expect(stream.kind).toBe("marker");
    await waitUntil(() => outlet.inletCount === 1, "the inlet to connect");
    const now = localClockS();
    outlet.pushSample(["fist"], now - 0.5);
    outlet.pushSample(["rest"], now);
    await waitUntil(() => stream.bufferedCount === 2, "two markers");
    const events = stream.getEvents(5000);
    expect(events.map((event) => event.value)).toEqual(["fist", "rest"]);
    expect(events[1]?.timestampS).toBeCloseTo(now, 3);
  });

  it("smooths jittered timestamps when asked to de-jitter", async () => {
    const outlet = await openOutlet("Jittery", "jittery-1", 1);
    const source = new LslSource({ name: "Jittery", config: CONFIG, dejitter: true });
    const { app, stream } = appWith(source);
    await app.start();
    await waitUntil(() => outlet.inletCount === 1, "the inlet to connect");
    const baseS = localClockS();
    let seed = 1;
    const jitterS = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 0.004;
    for (let index = 0; index < 1500; index++) {
      outlet.pushSample([index], baseS + index / 500 + jitterS());
    }
    await waitUntil(() => stream.stats.samplesAccepted === 1500, "1500 samples");
    const { timestamps, nSamples } = stream.getWindow(10_000);
    // Input steps vary by up to ±4 ms around 2 ms; after the fit has settled they stay within 0.1 ms.
    for (let index = nSamples - 500; index < nSamples; index++) {
      const stepS = (timestamps[index] as number) - (timestamps[index - 1] as number);
      expect(Math.abs(stepS - 0.002)).toBeLessThan(0.0001);
    }
  });

  it("needs something to look for", () => {
    expect(() => new LslSource({})).toThrow(/name, type, sourceId or where/);
  });
});
