import { App, CueSchedule } from "myogestic";
import { Pipeline, trainClassifier, type WindowClassifier } from "myogestic/ml";
import { TrainingData } from "myogestic/session";
import { SyntheticEmgSource } from "myogestic/sources";
import type { StreamWindow } from "myogestic/stream";

const classNames = ["Rest", "Fist", "Open"];
const app = new App({ name: "Gestures", classNames });
app.addStream({
  name: "emg",
  source: new SyntheticEmgSource({ channels: 8, sampleRateHz: 2000, restClasses: [0] }),
  windowMs: 200,
});

const pipeline = new Pipeline(app, { predictHz: 50 });
pipeline.train((data, context) => trainClassifier(data, { stream: "emg", windowMs: 200, hopMs: 50 }, context));
pipeline.extract((windows) => windows.emg);
pipeline.predict((model, window) => ({
  gesture: (model as WindowClassifier).classify(window as StreamWindow).className,
}));

const running = app.run({ headless: true });
await app.start();

// Record each class for 1 s while the cue steps through them.
const schedule = new CueSchedule(app, CueSchedule.cycle(classNames.length, { trialS: 1, repetitions: 2 }));
await app.startRecording({ folder: "sessions" });
schedule.start();
await schedule.finished;
const saved = await app.stopRecording();
if (!saved.ok) throw new Error(saved.reason);

// Train on the recording, then predict live while the person makes a fist.
pipeline.trainingData = new TrainingData({ paths: [saved.archivePath], classNames });
pipeline.startTraining();
await pipeline.whenTrainingDone();
app.ctx.cue = 1;
pipeline.startPredicting();
await new Promise((resolve) => setTimeout(resolve, 500));
console.log(`cue ${classNames[1]}, predicted ${String(pipeline.predictions.gesture)}`);

await app.stop();
await running;
