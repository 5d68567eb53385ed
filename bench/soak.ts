/**
 * The soak run: hours of a 64-channel 2 kHz synthetic stream, faster than real time, cycling
 * record, train and predict at 50 Hz with the panel connected. Each recording is checked (every
 * sample the stream accepted while it ran is on disk) and then deleted, so disk use stays
 * bounded. Reports samples in, recorded and lost, resident memory after garbage collection at
 * the start and the end, and the predict loop's tick lateness.
 */

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { App } from "../src/index.js";
import { localClockS, type Clock, type TimerHandle } from "../src/core/clock.js";
import { CueSchedule } from "../src/app/cue-schedule.js";
import { buildDemoPipeline } from "../src/cli/demo-pipeline.js";
import { TrainingData } from "../src/session/training-data.js";
import { openSessionStore } from "../src/session/archive.js";
import { openSession } from "../src/session/reader.js";
import { readZarrRows } from "../src/session/zarr.js";
import { parseZarrMetadata } from "../src/session/zarr-parse.js";
import { SyntheticEmgSource } from "../src/sources/synthetic.js";
import type { BenchFigure } from "./figure.js";

/** A clock that runs `speed` times faster than the monotonic clock, timers included. */
export class AcceleratedClock implements Clock {
  readonly speed: number;
  readonly #originS = localClockS();

  constructor(speed: number) {
    this.speed = speed;
  }

  now(): number {
    return this.#originS + (localClockS() - this.#originS) * this.speed;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    return setTimeout(callback, Math.max(0, delayMs) / this.speed);
  }

  clearTimeout(handle: TimerHandle): void {
    clearTimeout(handle as NodeJS.Timeout);
  }
}

/** Settings of a soak run. */
export interface SoakOptions {
  /** Seconds of signal to stream in total. */
  readonly signalS: number;
  /** How many times faster than real time the app's clock runs. */
  readonly speed: number;
  /** Seconds of signal recorded, then predicted from, in each cycle. */
  readonly phaseS: number;
  readonly channels: number;
  readonly sampleRateHz: number;
  /**
   * Cycles run before the starting memory is taken: the allocator's high-water marks settle in
   * the first few, while the heap stays flat. Default 3.
   */
  readonly warmupCycles?: number;
  readonly print: (line: string) => void;
}

/** Measurements of a soak run. */
export interface SoakReport {
  readonly signalS: number;
  readonly wallS: number;
  readonly cycles: number;
  readonly samplesIn: number;
  readonly samplesRecorded: number;
  readonly samplesLost: number;
  readonly rssStartMb: number;
  readonly rssEndMb: number;
  /** JavaScript heap and buffers after garbage collection, at the start and the end, in MB. */
  readonly liveStartMb: number;
  readonly liveEndMb: number;
  readonly latenessP50Ms: number;
  readonly latenessP99Ms: number;
  readonly latenessMaxMs: number;
  readonly predictions: number;
  readonly panelFrames: number;
}

const CLASS_NAMES = ["Rest", "Fist", "Open", "Pinch"];

/** Resident memory in MB after a full garbage collection (when the process runs with `--expose-gc`). */
function residentMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss / 1024 / 1024;
}

/** Memory the JavaScript heap and its buffers hold after a full garbage collection, in MB. */
function liveMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  const usage = process.memoryUsage();
  return (usage.heapUsed + usage.external) / 1024 / 1024;
}

/** Reads how many samples the session's `emg` stream holds, and the timestamp of its first. */
async function recordedCountAndStart(path: string): Promise<{ nSamples: number; firstS: number }> {
  const nSamples = (await openSession(path)).streams.find((stream) => stream.name === "emg")?.nSamples ?? 0;
  const store = await openSessionStore(path);
  try {
    const metadataPath = "emg_timestamps.zarr/zarr.json";
    const metadata = parseZarrMetadata((await store.read(metadataPath)) ?? new Uint8Array(0), store.locate(metadataPath));
    const first = await readZarrRows(store, "emg_timestamps.zarr", metadata, 0, 1);
    return { nSamples, firstS: first.values[0] as number };
  } finally {
    await store.close();
  }
}

/** Runs the soak and resolves with its report; throws when a recording lost samples. */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const { speed, phaseS, print } = options;
  const clock = new AcceleratedClock(speed);
  const folder = await mkdtemp(join(tmpdir(), "myogestic-soak-"));
  const app = new App({ name: "soak", classNames: CLASS_NAMES, clock });
  const stream = app.addStream({
    name: "emg",
    source: new SyntheticEmgSource({ channels: options.channels, sampleRateHz: options.sampleRateHz, seed: 7, restClasses: [0] }),
    windowMs: 200,
  });
  const { pipeline } = buildDemoPipeline(app, { stream: "emg", windowMs: 200, hopMs: 100, predictHz: 50 }, () => undefined);
  // Training runs on a worker thread, as a lab's app should, so the loop and the stream keep pace.
  pipeline.train({ module: new URL("./fixtures/train-htd-lda.ts", import.meta.url) });
  const sleep = (seconds: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, seconds * 1000));

  // Chunks accepted by the stream, as (first timestamp, samples), while a recording may run.
  let accepted: { firstS: number; nSamples: number }[] = [];
  let counting = false;
  stream.on("chunk", (chunk) => {
    if (counting) accepted.push({ firstS: chunk.timestamps[0] as number, nSamples: chunk.nSamples });
  });
  /**
   * Checks that the recording contains the accepted chunks from its first one on, each whole, at
   * least up to the stop request (chunks that came while it was saving may be on disk too).
   */
  const checkRecording = (recordedFirstS: number, recordedSamples: number, acceptedBeforeStop: number): number => {
    const first = accepted.findIndex((chunk) => chunk.firstS === recordedFirstS);
    let total = 0;
    let next = first;
    while (first >= 0 && next < accepted.length && total < recordedSamples) {
      total += (accepted[next] as { nSamples: number }).nSamples;
      next++;
    }
    if (first < 0 || total !== recordedSamples || next < acceptedBeforeStop) {
      const cameIn = accepted.slice(Math.max(0, first), acceptedBeforeStop).reduce((sum, chunk) => sum + chunk.nSamples, 0);
      throw new Error(`${cameIn} samples came in before the stop but the session contains ${recordedSamples} (first chunk found: ${first >= 0})`);
    }
    return total;
  };

  let panelUrl: string | undefined;
  const running = app.run({ panel: { port: 19_700, frameHz: 30 / speed, plotHz: 60 / speed }, handleSignals: false, print: (line) => (panelUrl ??= /http:\/\/\S+/.exec(line)?.[0]) });
  await app.start();
  while (panelUrl === undefined) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  // The page reading the panel runs in its own process, as a browser does.
  const panel = spawn(process.execPath, [fileURLToPath(new URL("./soak-panel-client.mjs", import.meta.url)), panelUrl], { stdio: ["ignore", "pipe", "inherit"] });
  let panelOutput = "";
  panel.stdout.setEncoding("utf8").on("data", (text: string) => (panelOutput += text));
  await new Promise<void>((resolve, reject) => {
    panel.stdout.on("data", () => panelOutput.includes("open") && resolve());
    panel.once("exit", (code) => reject(new Error(`the panel client exited with ${code}`)));
  });

  const startedS = localClockS();
  const firstStreamS = clock.now();
  let samplesIn = 0;
  let samplesRecorded = 0;
  let cycles = 0;
  let rssStartMb = 0;
  let liveStartMb = 0;
  const warmupCycles = options.warmupCycles ?? 3;
  const lateness = { p50: 0, p99: 0, max: 0 };
  let predictions = 0;
  pipeline.on("prediction", () => predictions++);
  try {
    while (clock.now() - firstStreamS < options.signalS) {
      accepted = [];
      counting = true;
      const schedule = new CueSchedule(app, CueSchedule.cycle(CLASS_NAMES.length, { trialS: phaseS / CLASS_NAMES.length, repetitions: 1 }));
      const started = await app.startRecording({ folder });
      if (!started.ok) throw new Error(`recording did not start: ${started.reason}`);
      schedule.start();
      await schedule.finished;
      const acceptedBeforeStop = accepted.length;
      const saved = await app.stopRecording();
      counting = false;
      if (!saved.ok) throw new Error(`recording did not stop: ${saved.reason}`);

      // The session's sample count and first timestamp are enough for the check; reading only
      // those keeps the run's own allocations out of the memory figures.
      const recorded = await recordedCountAndStart(saved.archivePath);
      samplesIn += checkRecording(recorded.firstS, recorded.nSamples, acceptedBeforeStop);
      samplesRecorded += recorded.nSamples;

      pipeline.trainingData = new TrainingData({ paths: [saved.archivePath], classNames: CLASS_NAMES });
      pipeline.startTraining();
      await pipeline.whenTrainingDone();
      if (pipeline.model === undefined) throw new Error(`cycle ${cycles}: training failed: ${pipeline.trainLog.join(" | ")}`);
      pipeline.resetLoopStats();
      const predicting = pipeline.startPredicting();
      if (!predicting.ok) throw new Error(`cycle ${cycles}: predicting did not start: ${predicting.reason}`);
      await sleep(phaseS);
      pipeline.stopPredicting();
      // The loop measures lateness on the accelerated clock; divided by the speed it is real time.
      const stats = pipeline.loopStats.latenessMs;
      lateness.p50 = Math.max(lateness.p50, stats.p50 / speed);
      lateness.p99 = Math.max(lateness.p99, stats.p99 / speed);
      lateness.max = Math.max(lateness.max, stats.max / speed);
      await rm(saved.archivePath, { force: true });

      cycles++;
      if (cycles === warmupCycles) {
        rssStartMb = residentMb();
        liveStartMb = liveMb();
      }
      print(
        `cycle ${cycles}: ${((clock.now() - firstStreamS) / 60).toFixed(1)} min of signal, ${samplesRecorded} samples recorded, 0 lost, ` +
          `rss ${residentMb().toFixed(1)} MB, heap and buffers ${liveMb().toFixed(1)} MB, lateness p99 ${(stats.p99 / speed).toFixed(2)} ms`,
      );
    }
  } finally {
    const exited = new Promise((resolve) => panel.once("exit", resolve));
    panel.kill("SIGTERM");
    await exited;
    await app.stop();
    await running;
    await rm(folder, { recursive: true, force: true });
  }
  return {
    signalS: clock.now() - firstStreamS,
    wallS: localClockS() - startedS,
    cycles,
    samplesIn,
    samplesRecorded,
    samplesLost: samplesIn - samplesRecorded,
    rssStartMb,
    rssEndMb: residentMb(),
    liveStartMb,
    liveEndMb: liveMb(),
    latenessP50Ms: lateness.p50,
    latenessP99Ms: lateness.p99,
    latenessMaxMs: lateness.max,
    predictions,
    panelFrames: Number(/frames (\d+)/.exec(panelOutput)?.[1] ?? 0),
  };
}

/** Returns the soak report as benchmark figures with their targets. */
export function soakFigures(report: SoakReport, speed: number): BenchFigure[] {
  const growthMb = report.rssEndMb - report.rssStartMb;
  const details = { ...report, speed } as unknown as Record<string, number | string>;
  return [
    { name: "soak_samples_lost", description: "samples accepted by the stream while a recording ran but missing from the session, over the whole soak", value: report.samplesLost, unit: "samples", target: 0, comparison: "<=", met: report.samplesLost <= 0, details },
    { name: "soak_rss_growth", description: "resident memory after garbage collection, end minus after the warm-up cycles", value: growthMb, unit: "MB", target: 20, comparison: "<=", met: growthMb <= 20, details: {} },
    { name: "soak_heap_growth", description: "JavaScript heap and buffers after garbage collection, end minus after the warm-up cycles", value: report.liveEndMb - report.liveStartMb, unit: "MB", target: 20, comparison: "<=", met: report.liveEndMb - report.liveStartMb <= 20, details: {} },
    { name: "soak_predict_lateness_p99", description: "the predict loop's 99th percentile of tick lateness in real time, worst predict phase of the soak, at the run's speed with the panel's page connected", value: report.latenessP99Ms, unit: "ms", target: 5, comparison: "<=", met: report.latenessP99Ms <= 5, details: {} },
  ];
}
