import { errorMessage } from "../../core/errors.js";
import type { Pipeline } from "../../ml/pipeline.js";
import { PipelineState } from "../../ml/pipeline-types.js";
import type { Ui } from "../ui.js";

/** Draws a Train button that calls `pipeline.startTraining()` on click. */
export function trainButton(ui: Ui, pipeline: Pipeline): void {
  if (ui.button("Train", { active: pipeline.app.ctx.state === PipelineState.TRAINING })) {
    pipeline.startTraining();
  }
}

/** Returns why Predict cannot start now, or undefined when it can. */
export function predictDisabledReason(pipeline: Pipeline): string | undefined {
  const state = pipeline.app.ctx.state;
  if (state !== "idle") {
    return `Cannot predict while ${state}`;
  }
  if (pipeline.model === undefined) {
    return "No model: train or load one first";
  }
  if (!pipeline.hasExtract || !pipeline.hasPredict) {
    const missing = [!pipeline.hasExtract ? "extract" : "", !pipeline.hasPredict ? "predict" : ""].filter((name) => name !== "");
    return `No ${missing.join(" or ")} callback: register it with pipeline.${missing[0]}(fn)`;
  }
  return undefined;
}

/**
 * Draws the Predict/Stop toggle: Stop while predicting; otherwise Predict, enabled only when the
 * state is idle, a model is loaded and both extract and predict callbacks are registered, and
 * disabled with the reason shown on hover.
 */
export function predictButton(ui: Ui, pipeline: Pipeline): void {
  if (pipeline.app.ctx.state === PipelineState.PREDICTING) {
    if (ui.button("Stop", { id: "predict", active: true })) {
      pipeline.stopPredicting();
    }
    return;
  }
  const reason = predictDisabledReason(pipeline);
  if (ui.button("Predict", { id: "predict", ...(reason === undefined ? {} : { disabled: reason }) })) {
    pipeline.startPredicting();
  }
}

/**
 * Draws a read-only view of `pipeline.trainLog` that follows its tail unless the user scrolled
 * up. The follow-tail and popout toggles are drawn by {@link pipelinePanel}.
 */
export function trainingLog(ui: Ui, pipeline: Pipeline, options: { follow?: boolean } = {}): boolean {
  return ui.log(pipeline.trainLog, { id: "training log", ...(options.follow === undefined ? {} : { follow: options.follow }) });
}

/** Reports the outcome of a model action on the status line and in the app log. */
function report(pipeline: Pipeline, text: string): void {
  pipeline.app.ctx.statusMessage = text;
  pipeline.app.ctx.log(text);
}

/**
 * Draws a Save button that writes the model to `path` through `pipeline.saveModel`. Disabled,
 * with the reason, unless both `saveModel` and a model are set; the result goes to the status
 * line and the app log.
 */
export function saveModelButton(ui: Ui, pipeline: Pipeline, path: string): void {
  const reason =
    pipeline.saveModel === undefined
      ? "No save hook: set pipeline.saveModel"
      : pipeline.model === undefined
        ? "No model to save: train or load one first"
        : undefined;
  if (!ui.button("Save model", { id: "save model", ...(reason === undefined ? {} : { disabled: reason }) })) {
    return;
  }
  const save = pipeline.saveModel;
  if (save === undefined) {
    return;
  }
  void Promise.resolve()
    .then(() => save(pipeline.model, path))
    .then(
      () => report(pipeline, `Model saved to ${path}`),
      (error: unknown) => report(pipeline, `Saving the model to ${path} failed: ${errorMessage(error)}`),
    );
}

/**
 * Draws a Load button that reads a model from `path` through `pipeline.loadModel` and stores it
 * on `pipeline.model`. Disabled, with the reason, unless `loadModel` is set; the result goes to
 * the status line and the app log, and a failed load leaves the current model in place.
 */
export function loadModelButton(ui: Ui, pipeline: Pipeline, path: string): void {
  const reason = pipeline.loadModel === undefined ? "No load hook: set pipeline.loadModel" : undefined;
  if (!ui.button("Load model", { id: "load model", ...(reason === undefined ? {} : { disabled: reason }) })) {
    return;
  }
  const load = pipeline.loadModel;
  if (load === undefined) {
    return;
  }
  void Promise.resolve()
    .then(() => load(path))
    .then(
      (model) => {
        if (model === undefined) {
          throw new Error("loadModel returned nothing");
        }
        pipeline.model = model;
        report(pipeline, `Model loaded from ${path}`);
      },
      (error: unknown) => {
        throw error;
      },
    )
    .catch((error: unknown) => report(pipeline, `Loading the model from ${path} failed: ${errorMessage(error)}`));
}

/**
 * Draws Train and Predict side by side in a titled panel, the log's follow-tail and popout
 * toggles beside them once a log exists, the log, and the Save and Load buttons when a model
 * path is given. A popped-out log is drawn as a panel of its own that stays across frames.
 */
export function pipelinePanel(ui: Ui, pipeline: Pipeline, options: { modelPath?: string; title?: string } = {}): void {
  const title = options.title ?? "Pipeline";
  const follow = ui.state(`${title} follow`, true);
  const popout = ui.state(`${title} popout`, false);
  const hasLog = pipeline.trainLog.length > 0;
  // The log keeps its own follow state, which the browser turns off when the user scrolls up;
  // the toggle forces it only on the frame it is clicked.
  let forceFollow: boolean | undefined;
  const logOptions = () => (forceFollow === undefined ? {} : { follow: forceFollow });
  ui.panel(title, () => {
    ui.row(
      () => {
        trainButton(ui, pipeline);
        predictButton(ui, pipeline);
        if (hasLog) {
          if (ui.button(follow.value ? "Following tail" : "Follow tail", { id: "follow toggle", active: follow.value })) {
            forceFollow = !follow.value;
          }
          if (ui.button(popout.value ? "Dock log" : "Pop out log", { id: "popout toggle", active: popout.value })) {
            popout.value = !popout.value;
          }
        }
        if (options.modelPath !== undefined) {
          saveModelButton(ui, pipeline, options.modelPath);
          loadModelButton(ui, pipeline, options.modelPath);
        }
      },
      { id: "controls" },
    );
    if (hasLog && !popout.value) {
      follow.value = trainingLog(ui, pipeline, logOptions());
    }
  });
  if (hasLog && popout.value) {
    ui.panel(`${title} training log`, () => {
      follow.value = trainingLog(ui, pipeline, logOptions());
    });
  }
}
