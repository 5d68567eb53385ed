import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { App } from "../src/app/app.js";
import { Pipeline } from "../src/ml/pipeline.js";
import { LinearDiscriminant } from "../src/recipes/estimators/lda.js";
import { extractGroup, htd } from "../src/recipes/features/index.js";
import { listLibemgDataset, readLibemgCsv } from "../src/session/libemg.js";
import { TrainingData } from "../src/session/training-data.js";
import { sliceChannelsFirst } from "../src/session/windows.js";
import { SyntheticEmgSource } from "../src/sources/synthetic.js";
import type { StreamWindow } from "../src/stream/stream-types.js";
import type { BenchFigure } from "./figure.js";

const DATA = fileURLToPath(new URL("../../shared/data/one-subject-myo/", import.meta.url));
const REFERENCE = fileURLToPath(new URL("../../shared/reference/htd_lda.py", import.meta.url));

/**
 * Feature extraction plus LDA prediction per live window, one window at a time over
 * `stream/raw_emg.csv` (40 samples every 10, 8 channels), against the numpy reference timed in
 * the same run by htd_lda.py. The figure is the reference's time divided by ours.
 */
export async function benchExtractPredict(): Promise<BenchFigure> {
  const reference = JSON.parse(execFileSync("python3", [REFERENCE, DATA, "--json"], { encoding: "utf8" })) as {
    extract_and_predict_us_per_window: number;
  };
  const dataset = await listLibemgDataset(DATA);
  const rows: Float64Array[] = [];
  const labels: number[] = [];
  for (const file of dataset.files.filter((entry) => entry.trial !== undefined && entry.trial <= 3)) {
    const csv = await readLibemgCsv(file.path);
    for (const window of cut(csv.samples, csv.nSamples, csv.nChannels, 40, 10)) {
      rows.push(htd(window));
      labels.push(file.classIndex);
    }
  }
  const lda = new LinearDiscriminant().fit(rows, labels);
  const raw = await readLibemgCsv(`${DATA}stream/raw_emg.csv`);
  const live = [...cut(raw.samples, raw.nSamples, raw.nChannels, 40, 10)];
  let sink = 0;
  for (let warm = 0; warm < 20; warm++) {
    for (const window of live) {
      sink += lda.predict(htd(window));
    }
  }
  const repeats = 200;
  const start = performance.now();
  for (let repeat = 0; repeat < repeats; repeat++) {
    for (const window of live) {
      sink += lda.predict(htd(window));
    }
  }
  const oursUs = ((performance.now() - start) * 1000) / (repeats * live.length);
  const value = reference.extract_and_predict_us_per_window / oursUs;
  return {
    name: "extract_predict_speedup_vs_numpy",
    description: "HTD + LDA per live 8 x 40 window: numpy time divided by ours, same run",
    value,
    unit: "x faster",
    target: 3,
    comparison: ">=",
    met: value >= 3,
    details: { oursUsPerWindow: oursUs, numpyUsPerWindow: reference.extract_and_predict_us_per_window, windows: live.length, checksum: sink },
  };
}

function* cut(samples: Float32Array, nSamples: number, nChannels: number, length: number, step: number): Generator<StreamWindow> {
  for (let start = 0; start + length <= nSamples; start += step) {
    const data = sliceChannelsFirst(samples, nChannels, start, length);
    yield { data, nChannels, nSamples: length, timestamps: new Float64Array(length) };
  }
}

/**
 * Measures the predict loop at `predictHz` for `durationS` seconds on the real clock, with a 64-channel
 * 2 kHz synthetic stream flowing and HTD + LDA on its newest 200 ms window every tick.
 */
export async function benchPredictLoop(predictHz: number, durationS: number): Promise<BenchFigure[]> {
  const app = new App({ name: "bench", classNames: ["Rest", "Fist"] });
  const source = new SyntheticEmgSource({ channels: 64, sampleRateHz: 2000, seed: 3, restClasses: [0] });
  app.addStream({ name: "emg", source, windowMs: 200 });
  const rows: Float64Array[] = [];
  const labels: number[] = [];
  for (const classIndex of [0, 1]) {
    const samples = source.generateSamples(8000, classIndex);
    for (const window of cut(samples, 8000, 64, 400, 200)) {
      rows.push(extractGroup("HTD", window));
      labels.push(classIndex);
    }
  }
  const pipeline = new Pipeline(app, { predictHz });
  pipeline.extract((windows) => windows.emg);
  pipeline.predict((model, window) => ({ classIndex: (model as LinearDiscriminant).predict(htd(window as StreamWindow)) }));
  pipeline.model = new LinearDiscriminant().fit(rows, labels);
  await app.start();
  app.ctx.cue = 1;
  await new Promise((resolve) => setTimeout(resolve, 300));
  pipeline.startPredicting();
  await new Promise((resolve) => setTimeout(resolve, durationS * 1000));
  pipeline.stopPredicting();
  const stats = pipeline.loopStats;
  await app.stop();
  const rateError = Math.abs(stats.meanRateHz - predictHz) / predictHz;
  const details = {
    durationS,
    ticks: stats.ticks,
    meanRateHz: stats.meanRateHz,
    latenessP50Ms: stats.latenessMs.p50,
    latenessP99Ms: stats.latenessMs.p99,
    latenessMaxMs: stats.latenessMs.max,
    scheduleResets: stats.resets,
  };
  const figures: BenchFigure[] = [
    {
      name: `predict_loop_${predictHz}hz_rate_error`,
      description: `predict loop at ${predictHz} Hz with 64 ch at 2 kHz flowing: relative error of the mean rate`,
      value: rateError * 100,
      unit: "%",
      target: 0.5,
      comparison: "<=",
      met: rateError * 100 <= 0.5,
      details,
    },
  ];
  if (predictHz === 50) {
    figures.push({
      name: "predict_loop_50hz_lateness_p99",
      description: "predict loop at 50 Hz: 99th percentile of tick lateness",
      value: stats.latenessMs.p99,
      unit: "ms",
      target: 2,
      comparison: "<=",
      met: stats.latenessMs.p99 <= 2,
      details,
    });
  }
  return figures;
}

/**
 * Measures the maximum event-loop stall while a CPU-bound training of `burnMs` runs in module form on a
 * worker thread, with a 64-channel 2 kHz synthetic stream flowing; the stream must keep up.
 */
export async function benchTrainingStall(burnMs: number): Promise<BenchFigure> {
  const app = new App({ name: "bench" });
  const stream = app.addStream({ name: "emg", source: new SyntheticEmgSource({ channels: 64, sampleRateHz: 2000 }) });
  const pipeline = new Pipeline(app);
  pipeline.train({ module: new URL("./fixtures/train-burn.ts", import.meta.url) });
  pipeline.trainingData = new TrainingData({ paths: ["unused"], classNames: [`burn${burnMs}`] });
  await app.start();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const samplesBefore = stream.stats.samplesAccepted;
  const startMs = performance.now();
  pipeline.startTraining();
  await pipeline.whenTrainingDone();
  const elapsedS = (performance.now() - startMs) / 1000;
  histogram.disable();
  const received = stream.stats.samplesAccepted - samplesBefore;
  await app.stop();
  const stallMs = histogram.max / 1e6;
  const keptUp = received >= 0.98 * elapsedS * 2000;
  return {
    name: "training_event_loop_stall_max",
    description: `maximum event-loop stall while a ${burnMs} ms CPU-bound training runs on a worker thread`,
    value: stallMs,
    unit: "ms",
    target: 50,
    comparison: "<=",
    met: stallMs <= 50 && keptUp && app.ctx.statusMessage !== "",
    details: { trainingS: elapsedS, samplesReceived: received, samplesExpected: Math.round(elapsedS * 2000), streamKeptUp: String(keptUp), status: app.ctx.statusMessage },
  };
}

