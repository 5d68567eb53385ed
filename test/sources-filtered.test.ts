import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../src/core/clock.js";
import { bandpass, notch } from "../src/recipes/filters/index.js";
import { FilteredSource } from "../src/sources/filtered.js";
import { SyntheticEmgSource } from "../src/sources/synthetic.js";
import { Stream } from "../src/stream/stream.js";
import { makeHost } from "./support/host.js";

describe("FilteredSource", () => {
  it("filters chunks at acquisition as filtering the whole signal would", async () => {
    const host = makeHost(new SimulatedClock(0));
    const synthetic = new SyntheticEmgSource({ channels: 4, sampleRateHz: 1000, seed: 2 });
    const filters = () => [bandpass(20, 450, { sampleRateHz: 1000, nChannels: 4 }), notch(50, { sampleRateHz: 1000, nChannels: 4 })];
    const stream = new Stream({ name: "emg", source: new FilteredSource(synthetic, filters()), windowMs: 500, bufferMs: 2000 }, host);
    await stream.start();
    host.clock.advanceMs(1000);
    const window = stream.getWindow(1000);
    expect(window.nSamples).toBe(1000);

    const total = stream.stats.samplesAccepted;
    const offline = synthetic.generateSamples(total, null);
    for (const filter of filters()) {
      filter.processSampleMajor(offline);
    }
    const nSamples = window.nSamples;
    const first = total - nSamples;
    for (let c = 0; c < 4; c++) {
      for (let i = 0; i < nSamples; i += 7) {
        expect(window.data[c * nSamples + i]).toBe(offline[(first + i) * 4 + c]);
      }
    }
    await stream.stop();
  });

  it("rejects filters set up for another channel count", async () => {
    const host = makeHost();
    const source = new FilteredSource(new SyntheticEmgSource({ channels: 8 }), bandpass(20, 450, { sampleRateHz: 2000, nChannels: 4 }));
    const stream = new Stream({ name: "emg", source, reconnectDelayMs: 0 }, host);
    await stream.start();
    expect(stream.status.state).toBe("error");
    expect(stream.status.message).toMatch(/filter 1 is set up for 4 channels but .* has 8; create it with nChannels: 8/);
  });
});
