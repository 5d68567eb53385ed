import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "../app/app.js";
import { systemClock, type Clock } from "../core/clock.js";
import type { ClassifierReport, WindowClassifier } from "../ml/classifier.js";
import type { LoopStats } from "../ml/loop.js";
import { listLibemgDataset } from "../session/libemg.js";
import { TrainingData } from "../session/training-data.js";
import { ReplaySource } from "../sources/replay.js";
import { SyntheticEmgSource } from "../sources/synthetic.js";
import { resolveLslConfig } from "../lsl/config-input.js";
import { LslSource } from "../lsl/source.js";
import { describeStreamsAnswering } from "./lsl-record.js";
import { buildDemoPipeline } from "./demo-pipeline.js";
import type { LiveScoreSummary } from "./live-score.js";

/** Options of the demo job. */
export interface DemoOptions {
  /** Channels of the synthetic stream. */
  readonly channels: number;
  /** Sample rate of the synthetic stream, or of the rows of a LibEMG-layout set, in Hz. */
  readonly sampleRateHz: number;
  /** Folder that receives the recorded sessions. */
  readonly out: string;
  /** Seconds each cued class lasts (synthetic stream). */
  readonly trialS: number;
  /** Repetitions of each class recorded for training (synthetic stream). */
  readonly repetitions: number;
  readonly seed: number;
  /**
   * Classes cued in turn (synthetic stream). The first is rest (baseline activity only); the
   * synthetic source gives each other class its own pattern of channel activity.
   */
  readonly classNames: readonly string[];
  readonly predictHz: number;
  readonly windowMs: number;
  readonly hopMs: number;
  /** A LibEMG-layout data set to replay instead of the synthetic stream. */
  readonly data?: string;
  /**
   * Name of a Lab Streaming Layer stream to use instead of the synthetic stream; the person
   * wearing the electrodes follows the cue printed at each change.
   */
  readonly lsl?: string;
  /** Replay speed of the data set; 1 is real time. */
  readonly speed: number;
  /** Trial folders of the data set replayed for training and for prediction. */
  readonly trainTrials: readonly number[];
  readonly testTrials: readonly number[];
}

/** The demo's built-in defaults: synthetic 8-channel EMG at 2 kHz, four classes, 2 × 2.5 s each. */
export const DEMO_DEFAULTS: DemoOptions = {
  channels: 8,
  sampleRateHz: 2000,
  out: "sessions",
  trialS: 2.5,
  repetitions: 2,
  seed: 1,
  classNames: ["Rest", "Fist", "Open", "Pinch"],
  predictHz: 50,
  windowMs: 200,
  hopMs: 50,
  speed: 1,
  trainTrials: [1, 2, 3],
  testTrials: [4, 5, 6],
};

/** Outcome of a demo run. */
export interface DemoSummary {
  readonly sessionPath: string;
  readonly report: ClassifierReport | undefined;
  readonly live: LiveScoreSummary;
  readonly loop: LoopStats;
  readonly predictionChanges: number;
}

/**
 * Runs the main job: records labelled trials following a cue schedule, trains HTD features +
 * LDA from the recording, predicts live at `predictHz`, printing each change of predicted class,
 * and ends with live accuracy against the cue, the achieved predict rate and tick lateness.
 * With `data` set, a LibEMG-layout set replaces the synthetic stream: its training trials are
 * replayed live and recorded, and its test trials replayed live for prediction.
 */
export async function runDemo(
  options: Partial<DemoOptions> = {},
  print: (line: string) => void = console.log,
  clock: Clock = systemClock,
): Promise<DemoSummary> {
  const settings = { ...DEMO_DEFAULTS, ...options };
  return settings.data === undefined ? runSyntheticDemo(settings, print, clock) : runDataDemo(settings, settings.data, print, clock);
}

async function runSyntheticDemo(settings: DemoOptions, print: (line: string) => void, clock: Clock): Promise<DemoSummary> {
  const sleep = (seconds: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, seconds * 1000));
  const app = new App({ name: "myogestic demo", classNames: settings.classNames, clock });
  const lsl = settings.lsl;
  const stream = app.addStream({
    name: "emg",
    source:
      lsl === undefined
        ? new SyntheticEmgSource({ channels: settings.channels, sampleRateHz: settings.sampleRateHz, seed: settings.seed, restClasses: [0] })
        : new LslSource({ name: lsl }),
    windowMs: settings.windowMs,
  });
  const cue = (classIndex: number) => {
    const changed = app.ctx.cue !== classIndex;
    app.ctx.cue = classIndex;
    if (lsl !== undefined && changed) {
      print(`Cue: ${settings.classNames[classIndex] ?? classIndex}`);
    }
  };
  const { pipeline, score, changes } = buildDemoPipeline(app, { stream: "emg", ...settings }, print);
  const running = app.run({ headless: true });
  try {
    await app.start();
    if (stream.status.state !== "running") {
      const answering = lsl === undefined ? "" : ` ${await describeStreamsAnswering(resolveLslConfig())}`;
      throw new Error(`${stream.status.message.replace(/; retrying in \d+ ms$/, "")}.${answering}`);
    }
    if (stream.kind === "marker" || !(stream.sampleRateHz > 0)) {
      throw new Error(
        `stream ${lsl ?? "emg"} is ${stream.kind === "marker" ? "a marker (string) stream" : "irregular (no nominal rate)"}; ` +
          "the main job needs a regular numeric stream such as EMG",
      );
    }
    const nClasses = settings.classNames.length;
    const from =
      lsl === undefined
        ? `${settings.channels}-channel synthetic EMG at ${settings.sampleRateHz} Hz`
        : `LSL stream ${lsl} (${stream.nChannels} channels at ${stream.sampleRateHz} Hz)`;
    print(`Recording ${settings.repetitions} repetitions of ${nClasses} classes, ${settings.trialS} s each, from ${from}`);
    cue(0);
    const started = await app.startRecording({ folder: settings.out });
    if (!started.ok) {
      throw new Error(started.reason);
    }
    for (let repetition = 0; repetition < settings.repetitions; repetition++) {
      for (let classIndex = 0; classIndex < nClasses; classIndex++) {
        cue(classIndex);
        await sleep(settings.trialS);
      }
    }
    const saved = await app.stopRecording();
    if (!saved.ok) {
      throw new Error(saved.reason);
    }
    print(`Saved ${saved.archivePath}`);

    const report = await train(pipeline, new TrainingData({ paths: [saved.archivePath], classNames: settings.classNames }), print);
    print(`Predicting live at ${settings.predictHz} Hz while the cue steps through the classes`);
    cue(0);
    expectOk(pipeline.startPredicting());
    for (let classIndex = 0; classIndex < nClasses; classIndex++) {
      cue(classIndex);
      await sleep(settings.trialS);
    }
    pipeline.stopPredicting();
    const summary = { sessionPath: saved.archivePath, report, live: score.summary, loop: pipeline.loopStats, predictionChanges: changes() };
    printSummary(summary, settings, print);
    return summary;
  } finally {
    await app.stop();
    await running;
  }
}

async function runDataDemo(settings: DemoOptions, dataDir: string, print: (line: string) => void, clock: Clock): Promise<DemoSummary> {
  const dataset = await listLibemgDataset(dataDir);
  const classNames = dataset.classNames;
  const scratch = await mkdtemp(join(tmpdir(), "myogestic-demo-"));
  try {
    // The replay source plays a folder's files in name order, so each part gets its own folder.
    const trainDir = await copyTrials(dataDir, scratch, "train", settings.trainTrials);
    const testDir = await copyTrials(dataDir, scratch, "test", settings.testTrials);

    print(`Replaying trials ${settings.trainTrials.join(", ")} of ${dataDir} at ${settings.speed}× and recording them`);
    const recorder = new App({ name: "myogestic demo", classNames, clock });
    const trainReplay = new ReplaySource({ path: trainDir, sampleRateHz: settings.sampleRateHz, speed: settings.speed });
    recorder.addStream({ name: "emg", source: trainReplay, windowMs: settings.windowMs });
    let sessionPath: string;
    try {
      await recorder.start();
      const started = await recorder.startRecording({ folder: settings.out });
      if (!started.ok) {
        throw new Error(started.reason);
      }
      await trainReplay.finished;
      const saved = await recorder.stopRecording();
      if (!saved.ok) {
        throw new Error(saved.reason);
      }
      sessionPath = saved.archivePath;
      print(`Saved ${sessionPath}`);
    } finally {
      await recorder.stop();
    }

    const app = new App({ name: "myogestic demo", classNames, clock });
    const testReplay = new ReplaySource({ path: testDir, sampleRateHz: settings.sampleRateHz, speed: settings.speed });
    app.addStream({ name: "emg", source: testReplay, windowMs: settings.windowMs });
    const { pipeline, score, changes } = buildDemoPipeline(app, { stream: "emg", ...settings }, print);
    const report = await train(pipeline, new TrainingData({ paths: [sessionPath], classNames }), print);
    print(`Replaying trials ${settings.testTrials.join(", ")} at ${settings.speed}× and predicting live at ${settings.predictHz} Hz`);
    const running = app.run({ headless: true });
    try {
      await app.start();
      expectOk(pipeline.startPredicting());
      await testReplay.finished;
      pipeline.stopPredicting();
    } finally {
      await app.stop();
      await running;
    }
    const summary = { sessionPath, report, live: score.summary, loop: pipeline.loopStats, predictionChanges: changes() };
    printSummary(summary, settings, print);
    return summary;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function train(pipeline: ReturnType<typeof buildDemoPipeline>["pipeline"], data: TrainingData, print: (line: string) => void) {
  pipeline.trainingData = data;
  print("Training HTD features + LDA");
  expectOk(pipeline.startTraining());
  await pipeline.whenTrainingDone();
  const model = pipeline.model as WindowClassifier | undefined;
  if (model === undefined || pipeline.app.ctx.statusMessage !== "Training complete") {
    throw new Error(pipeline.trainLog.at(-2) ?? pipeline.app.ctx.statusMessage);
  }
  const report = model.report;
  if (report !== undefined) {
    print(`  held-out accuracy ${(report.accuracy * 100).toFixed(1)} % on ${report.nTestWindows} windows (${report.nTrainWindows} trained on)`);
  }
  return report;
}

async function copyTrials(dataDir: string, scratch: string, part: string, trials: readonly number[]): Promise<string> {
  const target = join(scratch, part);
  for (const trial of trials) {
    await cp(join(dataDir, `trial_${trial}`), join(target, `trial_${trial}`), { recursive: true }).catch((error: Error) => {
      throw new Error(`cannot read trial_${trial} of ${dataDir}: ${error.message}`);
    });
  }
  return target;
}

function expectOk(result: { ok: boolean; reason?: string }): void {
  if (!result.ok) {
    throw new Error(result.reason);
  }
}

function printSummary(summary: DemoSummary, settings: DemoOptions, print: (line: string) => void): void {
  const { live, loop } = summary;
  print("");
  print("Summary");
  print(`  live accuracy     ${live.accuracy.toFixed(3)} over ${live.ticks} ticks (raw predictions, labelled by the cue at each window's newest sample)`);
  print(`  one-class windows ${live.singleClassAccuracy.toFixed(3)} over ${live.singleClassTicks} ticks whose window holds one class`);
  print(`  predict rate      ${loop.meanRateHz.toFixed(2)} Hz (target ${settings.predictHz} Hz)`);
  print(`  tick lateness     p50 ${loop.latenessMs.p50.toFixed(2)} ms, p99 ${loop.latenessMs.p99.toFixed(2)} ms, max ${loop.latenessMs.max.toFixed(2)} ms`);
  print(`  class changes     ${summary.predictionChanges}`);
}
