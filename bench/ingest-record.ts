import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "../src/app/app.js";
import { openSession } from "../src/session/reader.js";
import type { Source, SourceInfo, SourceSink } from "../src/stream/source.js";
import type { BenchFigure } from "./figure.js";

/** A source that hands the benchmark its sink, so the benchmark pushes as fast as it can. */
class PushSource implements Source {
  readonly description: string;
  readonly #info: SourceInfo;
  sink: SourceSink | undefined;

  constructor(info: SourceInfo) {
    this.#info = info;
    this.description = `benchmark ${info.nChannels} ch @ ${info.sampleRateHz} Hz`;
  }

  async open(): Promise<SourceInfo> {
    return this.#info;
  }

  start(sink: SourceSink): void {
    this.sink = sink;
  }

  stop(): void {
    this.sink = undefined;
  }
}

/**
 * Ingest plus recording: a 384-channel 2048 Hz stream pushed in 64-sample chunks as fast as the
 * app accepts them while a recording writes every sample to disk. The figure is seconds of
 * signal per second of wall time, timed from the first push until the session archive is
 * written, checked and its folder removed. The recording is then opened and its sample count
 * compared with what was pushed.
 */
export async function benchIngestRecord(signalS: number): Promise<BenchFigure> {
  const nChannels = 384;
  const sampleRateHz = 2048;
  const chunkSamples = 64;
  const folder = await mkdtemp(join(tmpdir(), "myogestic-bench-"));
  try {
    const app = new App({ name: "bench" });
    const source = new PushSource({ nChannels, sampleRateHz });
    app.addStream({ name: "emg", source, windowMs: 200 });
    await app.start();
    const started = await app.startRecording({ folder });
    if (!started.ok) {
      throw new Error(started.reason);
    }
    const pattern = new Float32Array(chunkSamples * nChannels);
    for (let i = 0; i < pattern.length; i++) {
      pattern[i] = Math.sin(i * 0.37) * 100;
    }
    const timestamps = new Float64Array(chunkSamples);
    const nChunks = Math.ceil((signalS * sampleRateHz) / chunkSamples);
    const cpuBefore = process.cpuUsage();
    const startMs = performance.now();
    for (let chunk = 0; chunk < nChunks; chunk++) {
      for (let i = 0; i < chunkSamples; i++) {
        timestamps[i] = (chunk * chunkSamples + i) / sampleRateHz;
      }
      source.sink?.pushChunk({ nChannels, samples: pattern, timestamps });
      if (chunk % 32 === 31) {
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    const stopped = await app.stopRecording();
    const wallS = (performance.now() - startMs) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    await app.stop();
    if (!stopped.ok) {
      throw new Error(stopped.reason);
    }
    const session = await openSession(stopped.archivePath);
    const recorded = await session.readStream("emg");
    const expected = nChunks * chunkSamples;
    if (recorded.nSamples !== expected) {
      throw new Error(`the recording contains ${recorded.nSamples} samples, expected ${expected}`);
    }
    const durationS = expected / sampleRateHz;
    const value = durationS / wallS;
    return {
      name: "ingest_record_realtime_multiple",
      description: `ingest and record ${nChannels} ch at ${sampleRateHz} Hz: seconds of signal per wall second`,
      value,
      unit: "x real time",
      target: 20,
      comparison: ">=",
      met: value >= 20,
      details: {
        signalS: durationS,
        wallS,
        cpuUserS: cpu.user / 1e6,
        cpuSystemS: cpu.system / 1e6,
        samples: expected,
        megabytesWritten: (expected * nChannels * 4) / 1e6,
      },
    };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
