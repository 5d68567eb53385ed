import { App } from "../app/app.js";
import { systemClock, type Clock } from "../core/clock.js";
import { openSession } from "../session/reader.js";
import { SyntheticEmgSource } from "../sources/synthetic.js";
import { formatSessionSummary, summariseSession, type SessionSummary } from "./inspect.js";

/** Options of the demo job. */
export interface DemoOptions {
  /** Length of the recording, in seconds. */
  readonly durationS: number;
  readonly channels: number;
  readonly sampleRateHz: number;
  /** Folder that receives the session archive. */
  readonly out: string;
  /** Time each cued class lasts before the next, in seconds. */
  readonly trialS: number;
  readonly seed: number;
  /**
   * Classes cued in turn. The first is rest (baseline activity only); the synthetic source gives
   * each other class its own pattern of channel activity.
   */
  readonly classNames: readonly string[];
}

/** The demo's built-in defaults: 8 channels at 2 kHz, four classes of 1.5 s each, 6 s in all. */
export const DEMO_DEFAULTS: DemoOptions = {
  durationS: 6,
  channels: 8,
  sampleRateHz: 2000,
  out: "sessions",
  trialS: 1.5,
  seed: 1,
  classNames: ["Rest", "Fist", "Open", "Pinch"],
};

/**
 * Runs the main job without a device: a synthetic EMG stream whose activity follows a cue that
 * steps through the classes, recorded to a session, then summarised. Returns the summary.
 */
export async function runDemo(
  options: Partial<DemoOptions> = {},
  print: (line: string) => void = console.log,
  clock: Clock = systemClock,
): Promise<SessionSummary> {
  const settings = { ...DEMO_DEFAULTS, ...options };
  const app = new App({ name: "myogestic demo", classNames: settings.classNames, clock });
  const emg = app.addStream({
    name: "emg",
    source: new SyntheticEmgSource({
      channels: settings.channels,
      sampleRateHz: settings.sampleRateHz,
      seed: settings.seed,
      restClasses: [0],
    }),
  });

  const running = app.run({ headless: true });
  await app.start();
  if (emg.status.state !== "running") {
    await app.stop();
    throw new Error(`the synthetic stream did not start: ${emg.status.message}`);
  }
  app.ctx.cue = 0;
  const started = await app.startRecording({ folder: settings.out });
  if (!started.ok) {
    await app.stop();
    throw new Error(started.reason);
  }
  print(
    `Recording ${settings.durationS} s of ${settings.channels}-channel synthetic EMG at ${settings.sampleRateHz} Hz to ${started.folder}`,
  );

  await followProtocol(app, settings, clock, print);

  const stopped = await app.stopRecording();
  await app.stop();
  await running;
  if (!stopped.ok) {
    throw new Error(stopped.reason);
  }
  const summary = await summariseSession(stopped.archivePath);
  print("");
  print(formatSessionSummary(summary));
  print("");
  print(await formatTrialRms(stopped.archivePath));
  return summary;
}

/**
 * Formats the RMS of each channel over each trial of the recording, one row per trial, which
 * shows each class's own pattern of channel activity.
 */
async function formatTrialRms(archivePath: string): Promise<string> {
  const session = await openSession(archivePath);
  const recorded = await session.readStream("emg");
  const nChannels = recorded.nChannels;
  const header = Array.from({ length: nChannels }, (_, c) => `ch${c + 1}`.padStart(7)).join("");
  const lines = [`RMS per channel over each trial:`, `  ${"trial".padEnd(8)}${header}`];
  for (const trial of session.trials()) {
    const sums = new Float64Array(nChannels);
    let count = 0;
    for (let i = 0; i < recorded.nSamples; i++) {
      const timeS = recorded.timestamps[i] as number;
      if (timeS < trial.startS || timeS >= trial.endS) {
        continue;
      }
      for (let c = 0; c < nChannels; c++) {
        const value = recorded.samples[i * nChannels + c] as number;
        sums[c] = (sums[c] as number) + value * value;
      }
      count++;
    }
    const cells = Array.from(sums, (sum) => Math.sqrt(sum / Math.max(1, count)).toFixed(1).padStart(7)).join("");
    lines.push(`  ${trial.className.padEnd(8)}${cells}`);
  }
  return lines.join("\n");
}

/** Steps the cue through the classes every `trialS` until `durationS` has passed. */
function followProtocol(app: App, settings: DemoOptions, clock: Clock, print: (line: string) => void): Promise<void> {
  const startS = clock.now();
  const nClasses = settings.classNames.length;
  return new Promise((resolve) => {
    let trial = 0;
    // Trials are counted by index, not by the measured time, because timers may fire a
    // fraction of a millisecond early.
    const step = () => {
      if (trial * settings.trialS >= settings.durationS - 1e-9) {
        resolve();
        return;
      }
      const cue = trial % nClasses;
      app.ctx.cue = cue;
      const samples = app.stream("emg").stats.samplesAccepted;
      const elapsedS = clock.now() - startS;
      print(`  ${elapsedS.toFixed(1).padStart(5)} s  cue ${settings.classNames[cue]}  (${samples} samples so far)`);
      trial++;
      const nextS = Math.min(trial * settings.trialS, settings.durationS);
      clock.setTimeout(step, (nextS - (clock.now() - startS)) * 1000);
    };
    step();
  });
}
