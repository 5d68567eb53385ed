import { join } from "node:path";
import { App } from "../app/app.js";
import { CueSchedule } from "../app/cue-schedule.js";
import type { WindowClassifier } from "../ml/classifier.js";
import { loadModelFile, saveModelFile } from "../ml/model-file.js";
import { Pipeline } from "../ml/pipeline.js";
import { streamSetup } from "../ml/setup.js";
import { trainClassifier } from "../ml/train-classifier.js";
import { TrainingData } from "../session/training-data.js";
import { SyntheticEmgSource } from "../sources/synthetic.js";
import type { StreamWindow } from "../stream/stream-types.js";
import "../ui/register.js";
import { statusLine } from "../ui/default-panel.js";
import type { Ui } from "../ui/ui.js";
import { appLog, cueDisplay, predictionLabel, recordingControls, signalViewer, trainingResults } from "../ui/widgets/app-widgets.js";
import { pipelinePanel } from "../ui/widgets/ml.js";
import { sessionManager } from "../ui/widgets/session-manager.js";
import { DEMO_DEFAULTS, type DemoOptions } from "./demo.js";

/** Options of the interactive demo. */
export interface DemoUiOptions extends Partial<DemoOptions> {
  /** First port to try for the panel. Default 8765. */
  readonly port?: number;
}

/**
 * Runs the main job with the full panel: a synthetic EMG stream that follows the cue, recording
 * controls, the sessions of `out`, training HTD + LDA on the ticked sessions and classes, live
 * prediction, saving and loading the model. Prints the panel's address and runs until stopped.
 */
export async function runDemoUi(options: DemoUiOptions = {}, print: (line: string) => void = console.log): Promise<void> {
  const settings = { ...DEMO_DEFAULTS, ...options };
  const app = new App({ name: "myogestic demo", classNames: settings.classNames });
  const emg = app.addStream({
    name: "emg",
    source: new SyntheticEmgSource({ channels: settings.channels, sampleRateHz: settings.sampleRateHz, seed: settings.seed, restClasses: [0] }),
    windowMs: settings.windowMs,
  });
  const pipeline = new Pipeline(app, { predictHz: settings.predictHz });
  pipeline.train((data, context) =>
    trainClassifier(data, { stream: "emg", features: "HTD", windowMs: settings.windowMs, hopMs: settings.hopMs }, context),
  );
  pipeline.extract((windows) => windows.emg);
  pipeline.predict((model, window) => {
    const streamWindow = window as StreamWindow | undefined;
    return streamWindow === undefined ? undefined : { gesture: (model as WindowClassifier).classify(streamWindow).className };
  });
  pipeline.saveModel = (model, path) =>
    saveModelFile(model, path, (model as Partial<WindowClassifier>).trainedOn === undefined ? {} : { trainedOn: (model as WindowClassifier).trainedOn() });
  pipeline.loadModel = (path) => loadModelFile(path, { expect: streamSetup(app, "emg") });
  const modelPath = join(settings.out, "..", "models", "demo.model");
  const schedule = new CueSchedule(app, CueSchedule.cycle(settings.classNames.length, { trialS: settings.trialS, repetitions: settings.repetitions }));

  app.ui((ui: Ui) => {
    statusLine(ui, app);
    ui.grid(2, () => {
      signalViewer(ui, emg, { spanMs: 3000 });
      ui.panel("Person", () => {
        cueDisplay(ui, app, { schedule });
        predictionLabel(ui, pipeline, "gesture");
      });
      recordingControls(ui, app, { folder: settings.out, schedule });
      pipeline.trainingData = sessionManager(ui, app, { folder: settings.out });
      pipelinePanel(ui, pipeline, { modelPath });
      ui.panel("Training results", () => trainingResults(ui, pipeline));
    });
    appLog(ui, app);
  });
  pipeline.trainingData = new TrainingData({ paths: [], classNames: settings.classNames });
  await app.run({ panel: { ...(options.port === undefined ? {} : { port: options.port }) }, print });
}
