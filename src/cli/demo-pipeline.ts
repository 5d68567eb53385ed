import type { App } from "../app/app.js";
import type { WindowClassifier } from "../ml/classifier.js";
import { Pipeline } from "../ml/pipeline.js";
import { trainClassifier } from "../ml/train-classifier.js";
import type { StreamWindow } from "../stream/stream-types.js";
import { LiveScore } from "./live-score.js";

/** Result of the demo's predict callback. */
export interface DemoPrediction extends Record<string, unknown> {
  readonly classIndex: number;
  readonly className: string;
  readonly windowStartS: number;
  readonly windowEndS: number;
}

/** Settings of the demo's decoder. */
export interface DemoDecoder {
  readonly stream: string;
  readonly windowMs: number;
  readonly hopMs: number;
  readonly predictHz: number;
}

/**
 * Wires the demo's pipeline: HTD features and LDA trained from sessions, and a predict callback
 * that classifies the newest window. Every prediction is scored against the cue, and each change
 * of predicted class is printed.
 */
export function buildDemoPipeline(
  app: App,
  decoder: DemoDecoder,
  print: (line: string) => void,
): { pipeline: Pipeline; score: LiveScore; changes: () => number } {
  const pipeline = new Pipeline(app, { predictHz: decoder.predictHz });
  const score = new LiveScore();
  app.ctx.on("cue", (change) => score.noteCue(change.classIndex, change.timestampS));

  pipeline.train((data, context) =>
    trainClassifier(
      data,
      { stream: decoder.stream, features: "HTD", model: "lda", windowMs: decoder.windowMs, hopMs: decoder.hopMs, holdOutFraction: 0.2 },
      context,
    ),
  );
  pipeline.extract((windows) => windows[decoder.stream]);
  pipeline.predict((model, window): DemoPrediction | undefined => {
    const streamWindow = window as StreamWindow | undefined;
    if (streamWindow === undefined || streamWindow.nSamples === 0) {
      return undefined;
    }
    const { classIndex, className } = (model as WindowClassifier).classify(streamWindow);
    return {
      classIndex,
      className,
      windowStartS: streamWindow.timestamps[0] as number,
      windowEndS: streamWindow.timestamps[streamWindow.nSamples - 1] as number,
    };
  });

  let previous: number | undefined;
  let changes = 0;
  let firstS: number | undefined;
  pipeline.on("prediction", (result) => {
    const prediction = result as DemoPrediction;
    score.score(prediction);
    if (prediction.classIndex !== previous) {
      previous = prediction.classIndex;
      changes++;
      firstS ??= prediction.windowEndS;
      const cue = score.labelAt(prediction.windowEndS);
      const cueName = cue === null ? "none" : (app.classNames[cue] ?? String(cue));
      print(`  ${(prediction.windowEndS - firstS).toFixed(2).padStart(7)} s  predicted ${prediction.className.padEnd(16)} cue ${cueName}`);
    }
  });
  return { pipeline, score, changes: () => changes };
}
