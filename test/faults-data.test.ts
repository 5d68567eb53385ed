import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { App } from "../src/app/app.js";
import { SimulatedClock } from "../src/core/clock.js";
import { Pipeline } from "../src/ml/pipeline.js";
import { trainClassifier } from "../src/ml/train-classifier.js";
import { openSession } from "../src/session/reader.js";
import { TrainingData } from "../src/session/training-data.js";
import { ReplaySource } from "../src/sources/replay.js";
import { ManualSource } from "./support/manual-source.js";
import { RecordingSink } from "./support/recording-sink.js";

let folder = "";
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "myogestic-faults-data-"));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** Records `nSamples` samples (labelled Fist) and returns the archive's path. */
async function recordTiny(nSamples: number, name: string): Promise<string> {
  const clock = new SimulatedClock(10);
  const app = new App({ name, classNames: ["Rest", "Fist"], clock });
  const source = new ManualSource({ nChannels: 2, sampleRateHz: 100 });
  app.addStream({ name: "emg", source });
  await app.start();
  app.ctx.cue = 1;
  const started = await app.startRecording({ folder, name });
  if (!started.ok) throw new Error(started.reason);
  if (nSamples > 0) source.push({ nChannels: 2, samples: new Float32Array(2 * nSamples).fill(0.5) });
  const saved = await app.stopRecording();
  await app.stop();
  if (!saved.ok) throw new Error(saved.reason);
  return saved.archivePath;
}

describe("tiny recordings", () => {
  for (const nSamples of [0, 1, 2]) {
    it(`with ${nSamples} samples open, replay and fail training with the reason`, async () => {
      const path = await recordTiny(nSamples, `tiny-${nSamples}`);
      const session = await openSession(path);
      const recorded = await session.readStream("emg");
      expect(recorded.nSamples).toBe(nSamples);
      expect(recorded.timestamps.length).toBe(nSamples);

      // Replay: plays what there is and ends, or reports that there is nothing to play.
      const clock = new SimulatedClock(10);
      const replay = new ReplaySource({ path, speed: Number.POSITIVE_INFINITY });
      const opened = await replay.open().then(
        () => "opened",
        (error: Error) => error.message,
      );
      if (opened === "opened") {
        const sink = new RecordingSink(clock);
        await replay.start(sink);
        await replay.finished;
        expect(sink.sampleCount).toBe(nSamples);
      } else {
        expect(opened).toMatch(/no samples|empty/);
      }

      // Training: fails in the training log, with the reason, and the app stays usable.
      const app = new App({ name: "trainer", classNames: ["Rest", "Fist"], clock: new SimulatedClock(10) });
      const pipeline = new Pipeline(app);
      pipeline.train((data, context) => trainClassifier(data, { stream: "emg", windowMs: 200, hopMs: 50 }, context));
      pipeline.trainingData = new TrainingData({ paths: [path], classNames: ["Rest", "Fist"] });
      expect(pipeline.startTraining().ok).toBe(true);
      await pipeline.whenTrainingDone();
      expect(app.ctx.state).toBe("idle");
      expect(pipeline.model).toBeUndefined();
      expect(pipeline.trainLog.join("\n")).toMatch(/has no training windows of 200 ms in stream emg; record it or leave it out/);
      expect(pipeline.startTraining().ok).toBe(true);
      await pipeline.whenTrainingDone();
      expect(app.ctx.state).toBe("idle");
    });
  }
});
