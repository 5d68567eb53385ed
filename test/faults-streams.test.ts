import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { App } from "../src/app/app.js";
import { SimulatedClock, type TimerHandle } from "../src/core/clock.js";
import { LslOutlet } from "../src/lsl/outlet.js";
import { LslSource } from "../src/lsl/source.js";
import { openSession } from "../src/session/reader.js";
import type { Source, SourceInfo, SourceSink } from "../src/stream/source.js";
import { loopbackConfig, waitUntil } from "./support/lsl.js";

/** A device with a sample counter on channel 0 that keeps counting while no stream reads it. */
class CounterSource implements Source {
  readonly description = "counter device";
  #sink: SourceSink | undefined;
  #timer: TimerHandle | undefined;
  #lastS = 0;
  count = 0;

  async open(): Promise<SourceInfo> {
    return { nChannels: 2, sampleRateHz: 500 };
  }

  start(sink: SourceSink): void {
    this.#sink = sink;
    this.#lastS = sink.clock.now();
    const tick = () => {
      const nowS = sink.clock.now();
      const due = Math.floor((nowS - this.#lastS) * 500);
      if (due > 0 && this.#sink === sink) {
        this.#lastS += due / 500;
        const samples = new Float32Array(2 * due);
        for (let index = 0; index < due; index++) samples[2 * index] = this.count++;
        sink.pushChunk({ nChannels: 2, samples });
      }
      this.#timer = sink.clock.setTimeout(tick, 10);
    };
    this.#timer = sink.clock.setTimeout(tick, 10);
  }

  stop(): void {
    if (this.#timer !== undefined) this.#sink?.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#sink = undefined;
  }
}

/** Checks that the counter values only go up, and returns how many there are. */
function expectIncreasing(values: ArrayLike<number>): number {
  for (let index = 1; index < values.length; index++) {
    if (!((values[index] as number) > (values[index - 1] as number))) {
      throw new Error(`counter went from ${values[index - 1]} to ${values[index]} at sample ${index}`);
    }
  }
  return values.length;
}

let folder = "";
const cleanups: (() => unknown)[] = [];
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "myogestic-faults-streams-"));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe("a source stopped and started many times", () => {
  it("keeps samples ordered and listeners single", async () => {
    const clock = new SimulatedClock(10);
    const app = new App({ name: "Restarts", clock });
    const source = new CounterSource();
    const stream = app.addStream({ name: "emg", source, bufferMs: 60_000 });
    cleanups.push(() => app.stop());
    await app.start();
    const listeners = stream.listenerCount("chunk");
    expect((await app.startRecording({ folder })).ok).toBe(true);
    const listenersWhileRecording = stream.listenerCount("chunk");

    for (let restart = 0; restart < 50; restart++) {
      clock.advanceMs(37);
      await stream.stop();
      clock.advanceMs(11);
      await stream.start();
      expect(stream.listenerCount("chunk")).toBe(listenersWhileRecording);
    }
    clock.advanceMs(50);
    const saved = await app.stopRecording();
    if (!saved.ok) throw new Error(saved.reason);
    expect(stream.listenerCount("chunk")).toBe(listeners);

    const window = stream.getWindow(60_000);
    const buffered = expectIncreasing(window.data.subarray(0, window.nSamples));
    expect(buffered).toBeGreaterThan(50 * 10);
    const recorded = await (await openSession(saved.archivePath)).readStream("emg");
    const counter = Float32Array.from({ length: recorded.nSamples }, (_, index) => recorded.samples[index * 2] as number);
    expect(expectIncreasing(counter)).toBe(buffered);
  });

  it("over LSL, gives an increasing counter and one connection at the outlet", async () => {
    const config = loopbackConfig(17_320);
    const outlet = await LslOutlet.open({ name: "Counter", channelCount: 1, nominalSrateHz: 1000, sourceId: "counter-1" }, { config });
    cleanups.push(() => outlet.close());
    let count = 0;
    const pushing = setInterval(() => outlet.pushChunk(Float32Array.from({ length: 5 }, () => count++)), 5);
    cleanups.push(() => clearInterval(pushing));
    const app = new App({ name: "LSL restarts" });
    const stream = app.addStream({ name: "emg", source: new LslSource({ name: "Counter", config }), bufferMs: 60_000 });
    cleanups.push(() => app.stop());
    await app.start();
    for (let restart = 0; restart < 10; restart++) {
      await waitUntil(() => outlet.inletCount === 1 && stream.stats.samplesAccepted > restart * 5, "samples after a start");
      await stream.stop();
      await waitUntil(() => outlet.inletCount === 0, "the connection to close");
      await stream.start();
    }
    await waitUntil(() => outlet.inletCount === 1, "the last connection");
    const window = stream.getWindow(60_000);
    expect(expectIncreasing(window.data.subarray(0, window.nSamples))).toBeGreaterThan(0);
  });
});
