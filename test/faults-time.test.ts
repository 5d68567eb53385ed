import { describe, expect, it } from "vitest";
import { Stream } from "../src/stream/stream.js";
import { Mulberry32 } from "../src/sources/prng.js";
import { makeHost } from "./support/host.js";
import { ManualSource } from "./support/manual-source.js";

async function startedStream(sampleRateHz: number, bufferMs = 10_000) {
  const host = makeHost();
  const source = new ManualSource({ nChannels: 1, sampleRateHz });
  const stream = new Stream({ name: "emg", source, bufferMs }, host);
  await stream.start();
  return { host, source, stream };
}

/**
 * Plays a device whose real rate is `realRateHz` on the simulated clock for `durationS`: every
 * `chunkMs` (late by up to `jitterMs`, drawn at random) it delivers the samples it has made.
 * Returns, for each chunk, the true time of its newest sample and the timestamp it was given.
 */
function playDevice(
  { host, source, stream }: Awaited<ReturnType<typeof startedStream>>,
  options: { realRateHz: number; durationS: number; chunkMs: number; jitterMs: number },
): { trueS: number; assignedS: number }[] {
  const prng = new Mulberry32(7);
  const random = () => prng.nextFloat();
  const startS = host.clock.now();
  const pairs: { trueS: number; assignedS: number }[] = [];
  let newestS = Number.NaN;
  const off = stream.on("chunk", (chunk) => (newestS = chunk.timestamps[chunk.nSamples - 1] as number));
  let made = 0;
  for (let tickS = options.chunkMs / 1000; tickS <= options.durationS; tickS += options.chunkMs / 1000) {
    const arrivalS = startS + tickS + (random() * options.jitterMs) / 1000;
    host.clock.advanceMs(Math.max(0, (arrivalS - host.clock.now()) * 1000));
    // Samples made by the time the chunk left the device, at the device's real rate.
    const total = Math.floor(tickS * options.realRateHz);
    const nSamples = total - made;
    if (nSamples === 0) continue;
    source.push({ nChannels: 1, samples: new Float32Array(nSamples).map((_, index) => made + index) });
    made = total;
    pairs.push({ trueS: startS + (total - 1) / options.realRateHz, assignedS: newestS });
  }
  off();
  return pairs;
}

describe("timestamps of a source without its own", () => {
  it("space samples delivered in bursts by the rate, not by arrival", async () => {
    const started = await startedStream(1000);
    playDevice(started, { realRateHz: 1000, durationS: 5, chunkMs: 100, jitterMs: 40 });
    const { timestamps, nSamples } = started.stream.getWindow(4000);
    // Arrivals vary by up to 40 ms; the spacing moves by a fraction of one sample period at most.
    for (let index = 1; index < nSamples; index++) {
      const stepS = (timestamps[index] as number) - (timestamps[index - 1] as number);
      expect(Math.abs(stepS - 0.001)).toBeLessThan(0.00025);
    }
    const meanStepS = ((timestamps[nSamples - 1] as number) - (timestamps[0] as number)) / (nSamples - 1);
    expect(meanStepS).toBeCloseTo(0.001, 5);
  });

  it("follow a 1000.5 Hz device within 20 ms", async () => {
    const started = await startedStream(1000);
    const pairs = playDevice(started, { realRateHz: 1000.5, durationS: 30 * 60, chunkMs: 20, jitterMs: 4 });
    const worstMs = Math.max(...pairs.map(({ trueS, assignedS }) => 1000 * Math.abs(assignedS - trueS)));
    expect(worstMs).toBeLessThan(20);
    expect(started.stream.effectiveRateHz).toBeCloseTo(1000.5, 1);
  });

  it("follow large lumps, 1,200 samples every 20 s, one per sample", async () => {
    const started = await startedStream(60, 60_000);
    const pairs = playDevice(started, { realRateHz: 60, durationS: 200, chunkMs: 20_000, jitterMs: 0 });
    expect(pairs).toHaveLength(10);
    const { timestamps, nSamples } = started.stream.getWindow(60_000);
    expect(nSamples).toBe(3600);
    for (let index = 1; index < nSamples; index++) {
      expect((timestamps[index] as number) - (timestamps[index - 1] as number)).toBeCloseTo(1 / 60, 6);
    }
    // The newest sample of a lump was made one period before the lump arrived.
    expect(Math.abs((pairs.at(-1)?.assignedS ?? 0) - (pairs.at(-1)?.trueS ?? 0))).toBeLessThan(0.02);
  });
});
