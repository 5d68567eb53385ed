import { App } from "myogestic";
import { SyntheticEmgSource } from "myogestic/sources";

const app = new App({ name: "Gestures", classNames: ["Rest", "Fist", "Open"] });
const emg = app.addStream({
  name: "emg",
  source: new SyntheticEmgSource({ channels: 8, sampleRateHz: 2000, seed: 1 }),
  windowMs: 200,
});

await app.start();
app.ctx.cue = 1; // ask for "Fist": the synthetic source follows, and a recording labels it
const started = await app.startRecording({ folder: "sessions" });
if (!started.ok) throw new Error(started.reason);

await new Promise((resolve) => setTimeout(resolve, 500));
const window = emg.getWindow(); // the newest 200 ms, channels-first: 8 × 400 values
console.log(`window: ${window.nChannels} channels × ${window.nSamples} samples`);

const saved = await app.stopRecording(); // packs sessions/<name>.session.zip
if (!saved.ok) throw new Error(saved.reason);
console.log(`saved ${saved.archivePath}`);
await app.stop();
