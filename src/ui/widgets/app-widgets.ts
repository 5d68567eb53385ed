import type { App } from "../../app/app.js";
import type { CueSchedule } from "../../app/cue-schedule.js";
import { formatLogEntry } from "../../core/log.js";
import type { WindowClassifier } from "../../ml/classifier.js";
import type { Pipeline } from "../../ml/pipeline.js";
import type { Stream } from "../../stream/stream.js";
import type { Ui } from "../ui.js";

/** Draws a titled plot of a stream's channels with its rate and status. */
export function signalViewer(ui: Ui, stream: Stream, options: { spanMs?: number; title?: string } = {}): void {
  ui.panel(options.title ?? `Signals: ${stream.name}`, () => {
    const rate = stream.effectiveRateHz;
    const shape = stream.info === undefined ? "not open" : `${stream.nChannels} channels at ${stream.sampleRateHz} Hz`;
    ui.text(`${shape}${rate === undefined ? "" : `, ${rate.toFixed(1)} Hz measured`}; ${stream.status.message}`, {
      id: "stream status",
      tone: stream.status.state === "error" || stream.status.state === "stalled" ? "error" : "muted",
    });
    if (stream.kind === "numeric") {
      ui.plot(stream, { ...(options.spanMs === undefined ? {} : { spanMs: options.spanMs }), id: "plot" });
    }
  });
}

/**
 * Draws the recording controls: Record and Stop, and a button per class that sets the cue (and
 * so writes a label while recording), plus one that clears it. Record is disabled with the
 * reason unless the app is idle and running.
 */
export function recordingControls(
  ui: Ui,
  app: App,
  options: { folder: string; classNames?: readonly string[]; schedule?: CueSchedule },
): void {
  const schedule = options.schedule;
  const classNames = options.classNames ?? app.classNames;
  ui.panel("Recording", () => {
    ui.row(
      () => {
        const state = app.ctx.state;
        let recordReason: string | undefined;
        if (!app.running) {
          recordReason = "The app is not running";
        } else if (state !== "idle") {
          recordReason = `Cannot record while ${state}`;
        }
        if (ui.button("Record", { ...(recordReason === undefined ? {} : { disabled: recordReason }), active: state === "recording" })) {
          void app.startRecording({ folder: options.folder, classNames });
        }
        if (ui.button("Stop", state === "recording" ? {} : { disabled: "Not recording" })) {
          schedule?.stop();
          void app.stopRecording();
        }
        if (schedule !== undefined) {
          const steps = schedule.steps.length;
          if (ui.button(`Record protocol (${steps} trials)`, { id: "protocol", ...(recordReason === undefined ? {} : { disabled: recordReason }), active: schedule.running })) {
            void runProtocol(app, schedule, options.folder, classNames);
          }
        }
        const recording = app.ctx.recording;
        if (recording !== null) {
          ui.text(`Recording for ${(app.clock.now() - recording.startedS).toFixed(1)} s`, { id: "recording time" });
        }
      },
      { id: "record row" },
    );
    ui.row(
      () => {
        for (const [index, name] of classNames.entries()) {
          if (ui.button(name, { id: `cue ${index}`, active: app.ctx.cue === index })) {
            app.ctx.cue = index;
          }
        }
        if (ui.button("No cue", { id: "cue none", active: app.ctx.cue === null })) {
          app.ctx.cue = null;
        }
      },
      { id: "cue row" },
    );
  });
}

/** Records while `schedule` runs: starts a recording, runs the schedule, and stops at its end. */
async function runProtocol(app: App, schedule: CueSchedule, folder: string, classNames: readonly string[]): Promise<void> {
  const started = await app.startRecording({ folder, classNames });
  if (!started.ok) {
    return;
  }
  schedule.start();
  await schedule.finished;
  if (app.ctx.state === "recording") {
    await app.stopRecording();
  }
}

/**
 * Draws the cue for the person: the class to perform now, large. With a running schedule it also
 * shows the next class and a countdown to it.
 */
export function cueDisplay(ui: Ui, app: App, options: { schedule?: CueSchedule } = {}): void {
  const name = (classIndex: number | null) => (classIndex === null ? "Relax" : (app.classNames[classIndex] ?? `Class ${classIndex}`));
  const position = options.schedule?.position;
  ui.panel("Cue", () =>
    ui.cue(name(app.ctx.cue), {
      ...(position === undefined
        ? {}
        : { nextText: position.next === undefined ? "End" : name(position.next.classIndex), countdownS: Math.ceil(position.remainingS * 10) / 10 }),
    }),
  );
}

/** Draws the prediction under `key` of `pipeline.predictions`, large. */
export function predictionLabel(ui: Ui, pipeline: Pipeline, key: string): void {
  const value = pipeline.predictions[key];
  ui.panel("Prediction", () => ui.cue(value === undefined ? "–" : String(value), { id: "prediction" }));
}

/** Draws the app's log, newest lines at the bottom, following the tail. */
export function appLog(ui: Ui, app: App): void {
  ui.panel("Log", () => ui.log(app.ctx.userLog.entries.map(formatLogEntry), { id: "app log" }));
}

/**
 * Draws training feedback: a progress bar while training, and after it the held-out confusion
 * matrix when the model carries a report (as models from `trainClassifier` do).
 */
export function trainingResults(ui: Ui, pipeline: Pipeline): void {
  const progress = pipeline.trainProgress;
  if (pipeline.app.ctx.state === "training") {
    ui.progress(progress?.fraction ?? 0, progress?.message ?? "Training...", { id: "training progress" });
    return;
  }
  const report = (pipeline.model as Partial<WindowClassifier> | undefined)?.report;
  if (report !== undefined) {
    const names = [...report.classNames];
    ui.matrix(
      `Held-out accuracy ${(report.accuracy * 100).toFixed(1)} % on ${report.nTestWindows} windows`,
      names,
      names,
      report.confusionMatrix,
      { id: "confusion matrix" },
    );
  }
}
