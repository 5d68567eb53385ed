import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../src/core/clock.js";
import { SYNTHETIC_EMG_DEFAULTS, SyntheticEmgSource, type SyntheticEmgOptions } from "../src/sources/synthetic.js";
import { classPattern } from "../src/sources/synthetic-signal.js";
import { Stream } from "../src/stream/stream.js";
import { makeHost } from "./support/host.js";
import { RecordingSink } from "./support/recording-sink.js";

/** Per-channel RMS of sample-major values. */
function channelRms(samples: Float32Array, nChannels: number): number[] {
  const sums = new Array<number>(nChannels).fill(0);
  const nSamples = samples.length / nChannels;
  for (let i = 0; i < nSamples; i++) {
    for (let c = 0; c < nChannels; c++) {
      const value = samples[i * nChannels + c] as number;
      sums[c] = (sums[c] as number) + value * value;
    }
  }
  return sums.map((sum) => Math.sqrt(sum / nSamples));
}

function distance(a: readonly number[], b: readonly number[]): number {
  return Math.sqrt(a.reduce((total, value, i) => total + (value - (b[i] as number)) ** 2, 0));
}

async function startOnSink(options: SyntheticEmgOptions, clock = new SimulatedClock()) {
  const source = new SyntheticEmgSource(options);
  const sink = new RecordingSink(clock);
  const info = await source.open();
  source.start(sink);
  return { source, sink, clock, info };
}

describe("SyntheticEmgSource", () => {
  it("opens with its channel count and rate", async () => {
    const source = new SyntheticEmgSource({ channels: 16, sampleRateHz: 1000 });

    expect(await source.open()).toEqual({ nChannels: 16, sampleRateHz: 1000, kind: "numeric" });
    expect(source.description).toBe("synthetic EMG 16 ch @ 1000 Hz");
  });

  it("fills unset options from the defaults", () => {
    const source = new SyntheticEmgSource({ channels: 4, chunkMs: undefined });

    expect(source.options).toEqual({ ...SYNTHETIC_EMG_DEFAULTS, channels: 4 });
  });

  it("repeats its samples for a seed", async () => {
    const first = await startOnSink({ channels: 4, sampleRateHz: 1000, seed: 7 });
    const second = await startOnSink({ channels: 4, sampleRateHz: 1000, seed: 7 });
    const other = await startOnSink({ channels: 4, sampleRateHz: 1000, seed: 8 });
    for (const run of [first, second, other]) {
      run.sink.cue = 2;
      run.clock.advanceMs(500);
      run.sink.cue = null;
      run.clock.advanceMs(500);
    }

    expect(first.sink.sampleCount).toBe(1000);
    expect(second.sink.allSamples()).toEqual(first.sink.allSamples());
    expect(other.sink.allSamples()).not.toEqual(first.sink.allSamples());
  });

  it("generates the same samples on every call", () => {
    const source = new SyntheticEmgSource({ channels: 3, seed: 42 });

    const first = source.generateSamples(500, 1);
    const second = source.generateSamples(500, 1);

    expect(first).toHaveLength(1500);
    expect(second).toEqual(first);
    expect(source.generateSamples(500, 2)).not.toEqual(first);
  });

  it("streams what generateSamples returns for a constant cue", async () => {
    const run = await startOnSink({ channels: 5, sampleRateHz: 2000, seed: 3, chunkMs: 13 });
    run.sink.cue = 4;
    run.source.start(run.sink);
    run.clock.advanceMs(1000);
    run.source.step(run.clock.now());

    expect(run.sink.sampleCount).toBe(2000);
    expect(run.sink.allSamples()).toEqual(run.source.generateSamples(2000, 4));
  });

  it.each([
    [2000, 20],
    [2048, 7],
    [200, 33.3],
    [1111.1, 20],
  ])("delivers exactly the samples due at %d Hz in %d ms chunks", async (sampleRateHz, chunkMs) => {
    const run = await startOnSink({ channels: 2, sampleRateHz, chunkMs });
    const startS = run.clock.now();
    const durationS = 600;

    run.clock.advanceMs(durationS * 1000 + chunkMs / 2);
    const lastTickS = run.sink.chunks.at(-1)?.atS as number;
    const timestamps = run.sink.allTimestamps();
    let largestErrorS = 0;
    for (let k = 0; k < timestamps.length; k++) {
      largestErrorS = Math.max(largestErrorS, Math.abs((timestamps[k] as number) - (startS + k / sampleRateHz)));
    }

    expect(lastTickS).toBeGreaterThan(startS + durationS - chunkMs / 1000);
    expect(run.sink.sampleCount).toBe(Math.floor((lastTickS - startS) * sampleRateHz + 1e-6));
    expect(Math.abs(run.sink.sampleCount - durationS * sampleRateHz)).toBeLessThanOrEqual((chunkMs / 1000) * sampleRateHz);
    expect(timestamps[0]).toBe(startS);
    expect(largestErrorS).toBeLessThan(1e-9);
    expect(run.source.samplesProduced).toBe(run.sink.sampleCount);
  });

  it("delivers the full count at whole seconds", async () => {
    const run = await startOnSink({ channels: 1, sampleRateHz: 2048, chunkMs: 20 });

    run.clock.advanceMs(300_000);
    run.source.step(run.clock.now());

    expect(run.sink.sampleCount).toBe(300 * 2048);
  });

  it("keeps one chunk per tick at a steady clock", async () => {
    const run = await startOnSink({ channels: 2, sampleRateHz: 2000, chunkMs: 20 });

    run.clock.advanceMs(10_000);
    const sizes = new Set(run.sink.chunks.map((chunk) => chunk.timestamps.length));

    expect(run.sink.chunks).toHaveLength(500);
    expect([...sizes]).toEqual([40]);
  });

  it("pays back a late tick in one step", async () => {
    const run = await startOnSink({ channels: 2, sampleRateHz: 1000, chunkMs: 20 });
    run.clock.advanceMs(100);

    const delivered = run.source.step(run.clock.now() + 0.5);

    expect(delivered).toBe(500);
    expect(run.sink.sampleCount).toBe(600);
  });

  it("separates classes by per-channel RMS", () => {
    const nChannels = 8;
    const sampleRateHz = 2000;
    const source = new SyntheticEmgSource({ channels: nChannels, sampleRateHz, seed: 11 });
    const windowSamples = 400;
    const classes = [null, 0, 1, 2, 3, 4];
    const centroids = classes.map((classIndex) => channelRms(source.generateSamples(20_000, classIndex), nChannels));

    let correct = 0;
    let total = 0;
    for (const [truth, classIndex] of classes.entries()) {
      const samples = new SyntheticEmgSource({ channels: nChannels, sampleRateHz, seed: 11 }).generateSamples(
        40_000,
        classIndex,
      );
      for (let start = 20_000; start + windowSamples <= 40_000; start += windowSamples) {
        const rms = channelRms(samples.subarray(start * nChannels, (start + windowSamples) * nChannels), nChannels);
        const distances = centroids.map((centroid) => distance(rms, centroid));
        correct += distances.indexOf(Math.min(...distances)) === truth ? 1 : 0;
        total++;
      }
    }

    expect(correct / total).toBe(1);
    for (let a = 1; a < classes.length; a++) {
      for (let b = a + 1; b < classes.length; b++) {
        const gap = distance(centroids[a] as number[], centroids[b] as number[]);
        expect(gap, `classes ${classes[a]} and ${classes[b]}`).toBeGreaterThan(20);
      }
    }
  });

  it("keeps rest quiet on every channel", () => {
    const source = new SyntheticEmgSource({ channels: 8, seed: 5 });

    const rest = channelRms(source.generateSamples(40_000, null), 8);
    const active = channelRms(source.generateSamples(40_000, 0), 8);

    for (const rms of rest) {
      expect(rms).toBeGreaterThan(4.5);
      expect(rms).toBeLessThan(5.5);
    }
    expect(Math.max(...active)).toBeGreaterThan(90);
    expect(Math.max(...active)).toBeLessThan(110);
  });

  it("scales channels by the class pattern", () => {
    const source = new SyntheticEmgSource({ channels: 8, seed: 9, noiseLevel: 0.1, activeRmsUv: 50 });
    const pattern = classPattern(9, 3, 8);

    const rms = channelRms(source.generateSamples(100_000, 3), 8);

    for (let c = 0; c < 8; c++) {
      const expected = 50 * (0.1 + 0.9 * (pattern[c] as number));
      expect(Math.abs((rms[c] as number) / expected - 1), `channel ${c}`).toBeLessThan(0.05);
    }
  });

  it("follows a change of cue from the next chunk", async () => {
    const run = await startOnSink({ channels: 8, sampleRateHz: 2000, seed: 2, rampMs: 0 });
    run.clock.advanceMs(1000);
    const restChunks = run.sink.chunks.length;

    run.sink.cue = 1;
    run.clock.advanceMs(1000);
    run.sink.cue = null;
    run.clock.advanceMs(1000);

    const during = run.sink.chunks.slice(restChunks, restChunks + 50);
    const after = run.sink.chunks.slice(restChunks + 50);
    const firstActive = channelRms((during[0] as { samples: Float32Array }).samples, 8);
    const lastRest = channelRms((run.sink.chunks[restChunks - 1] as { samples: Float32Array }).samples, 8);
    const firstRestAgain = channelRms((after[0] as { samples: Float32Array }).samples, 8);

    expect(during.every((chunk) => chunk.cue === 1)).toBe(true);
    expect(Math.max(...firstActive)).toBeGreaterThan(50);
    expect(Math.max(...lastRest)).toBeLessThan(10);
    expect(Math.max(...firstRestAgain)).toBeLessThan(10);
  });

  it("ramps the gains over rampMs", async () => {
    const run = await startOnSink({ channels: 8, sampleRateHz: 2000, seed: 2, rampMs: 100 });
    run.clock.advanceMs(200);
    const before = run.sink.chunks.length;

    run.sink.cue = 1;
    run.clock.advanceMs(400);
    const chunkRms = run.sink.chunks.slice(before).map((chunk) => Math.max(...channelRms(chunk.samples, 8)));

    expect(chunkRms[0]).toBeLessThan(40);
    expect(chunkRms[2]).toBeGreaterThan(chunkRms[0] as number);
    expect(Math.min(...chunkRms.slice(5))).toBeGreaterThan(60);
  });

  it("leaves no timer after stop and restarts", async () => {
    const run = await startOnSink({ channels: 2, sampleRateHz: 1000 });
    run.clock.advanceMs(100);

    expect(run.clock.pendingTimers).toBe(1);
    run.source.stop();
    expect(run.clock.pendingTimers).toBe(0);
    const countAtStop = run.sink.sampleCount;
    run.clock.advanceMs(1000);
    expect(run.sink.sampleCount).toBe(countAtStop);

    const restartS = run.clock.now();
    run.source.start(run.sink);
    run.clock.advanceMs(100);
    const restarted = run.sink.chunks.slice(-5);

    expect(run.sink.sampleCount).toBe(countAtStop + 100);
    expect(restarted[0]?.timestamps[0]).toBe(restartS);
    run.source.stop();
    expect(run.clock.pendingTimers).toBe(0);
  });

  it("runs under a stream and stops cleanly", async () => {
    const host = makeHost();
    const source = new SyntheticEmgSource({ channels: 8, sampleRateHz: 2000, seed: 4 });
    const stream = new Stream({ name: "emg", source, windowMs: 200 }, host);

    await stream.start();
    host.setCue(2);
    host.clock.advanceMs(1000);
    const window = stream.getWindow();

    expect(stream.status.state).toBe("running");
    expect(window.nSamples).toBe(400);
    expect(window.nChannels).toBe(8);
    expect(stream.stats.samplesAccepted).toBe(2000);
    await stream.stop();
    expect(host.clock.pendingTimers).toBe(0);

    await stream.start();
    host.clock.advanceMs(500);
    expect(stream.stats.samplesAccepted).toBe(3000);
    await stream.stop();
    expect(host.clock.pendingTimers).toBe(0);
  });

  it.each([
    [{ channels: 0 }, "option channels must be an integer from 1 to 4096, received 0"],
    [{ channels: 2.5 }, "option channels must be an integer from 1 to 4096, received 2.5"],
    [{ sampleRateHz: 0 }, "option sampleRateHz must be a finite number above 0 and at most 100000, received 0"],
    [{ sampleRateHz: Number.NaN }, "option sampleRateHz must be a finite number above 0 and at most 100000, received NaN"],
    [{ seed: 1.5 }, "option seed must be an integer, received 1.5"],
    [{ chunkMs: -1 }, "option chunkMs must be a finite number above 0 and at most 1000, received -1"],
    [{ activeRmsUv: 0 }, "option activeRmsUv must be a finite number above 0, received 0"],
    [{ noiseLevel: 1.5 }, "option noiseLevel must be a finite number from 0 to 1, received 1.5"],
    [{ lowCutHz: 0 }, "option lowCutHz must be a finite number above 0, received 0"],
    [{ lowCutHz: 100, highCutHz: 50 }, "option highCutHz must be a finite number above 100, received 50"],
    [{ rampMs: Number.POSITIVE_INFINITY }, "option rampMs must be a finite number from 0 to 10000, received Infinity"],
  ] as const)("rejects %o", (options, message) => {
    expect(() => new SyntheticEmgSource(options)).toThrow(RangeError);
    expect(() => new SyntheticEmgSource(options)).toThrow(`SyntheticEmgSource ${message}`);
  });

  it("rejects an option that is not a number", () => {
    const options = { channels: "8" } as unknown as SyntheticEmgOptions;

    expect(() => new SyntheticEmgSource(options)).toThrow(TypeError);
    expect(() => new SyntheticEmgSource(options)).toThrow("option channels must be a number, received string 8");
  });

  it("clamps the noise band at a low sample rate", () => {
    const source = new SyntheticEmgSource({ channels: 8, sampleRateHz: 200, seed: 1 });

    const samples = source.generateSamples(20_000, 0);
    const rms = channelRms(samples, 8);

    expect(samples.every((value) => Number.isFinite(value))).toBe(true);
    expect(Math.max(...rms)).toBeGreaterThan(90);
    expect(Math.max(...rms)).toBeLessThan(110);
  });
});

describe("SyntheticEmgSource rest classes", () => {
  it("plays a rest class as the baseline", () => {
    const source = new SyntheticEmgSource({ channels: 4, sampleRateHz: 1000, seed: 5, restClasses: [0] });
    const plain = new SyntheticEmgSource({ channels: 4, sampleRateHz: 1000, seed: 5 });
    expect(Array.from(source.generateSamples(200, 0))).toEqual(Array.from(plain.generateSamples(200, null)));
    expect(Array.from(source.generateSamples(200, 1))).toEqual(Array.from(plain.generateSamples(200, 1)));
  });

  it("rejects rest classes that are not class indices", () => {
    expect(() => new SyntheticEmgSource({ restClasses: [-1] })).toThrow(/restClasses entry/);
    expect(() => new SyntheticEmgSource({ restClasses: 1 as never })).toThrow(/restClasses must be an array/);
  });
});
