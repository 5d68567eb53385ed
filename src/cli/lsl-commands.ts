/**
 * The Lab Streaming Layer commands: `record --lsl` records a stream found by name into a session,
 * and `play --lsl` publishes a recording as a stream at its recorded rate.
 */

import type { Command } from "commander";
import { App } from "../app/app.js";
import { systemClock } from "../core/clock.js";
import type { LslConfigInput } from "../lsl/config-input.js";
import { LslOutlet } from "../lsl/outlet.js";
import { LslSource } from "../lsl/source.js";
import { ReplaySource } from "../sources/replay.js";
import type { SampleChunk, SourceSink } from "../stream/source.js";
import { CliError, parsePositive } from "./cli-error.js";

/** Options of `myogestic record`. */
export interface RecordCliOptions {
  readonly lsl: string;
  readonly durationS: number;
  readonly out: string;
  readonly resolveTimeoutMs?: number;
  /** LSL configuration over the file's; the command line reads the file only. */
  readonly config?: LslConfigInput;
}

/**
 * Records the LSL stream called `lsl` for `durationS` seconds into a session under `out`, and
 * prints where it went and how many samples it holds. Fails when the stream cannot be found or
 * the recording cannot be written.
 */
export async function runRecordLsl(options: RecordCliOptions, print: (line: string) => void): Promise<string> {
  const app = new App({ name: "myogestic record" });
  const source = new LslSource({
    name: options.lsl,
    ...(options.resolveTimeoutMs === undefined ? {} : { resolveTimeoutMs: options.resolveTimeoutMs }),
    ...(options.config === undefined ? {} : { config: options.config }),
  });
  const stream = app.addStream({ name: "lsl", source });
  try {
    await app.start();
    if (stream.status.state !== "running") {
      throw new CliError(stream.status.message);
    }
    const info = source.info;
    print(`Recording ${options.lsl}: ${info?.channelCount ?? "?"} ${info?.channelFormat ?? ""} channels at ${info?.nominalSrateHz ?? "?"} Hz for ${options.durationS} s`);
    const started = await app.startRecording({ folder: options.out });
    if (!started.ok) {
      throw new CliError(started.reason);
    }
    await new Promise<void>((resolve) => systemClock.setTimeout(resolve, options.durationS * 1000));
    const saved = await app.stopRecording();
    if (!saved.ok) {
      throw new CliError(saved.reason);
    }
    print(`Saved ${stream.stats.samplesAccepted} samples to ${saved.archivePath}`);
    return saved.archivePath;
  } finally {
    await app.stop();
  }
}

/** Options of `myogestic play`. */
export interface PlayCliOptions {
  readonly lsl: string;
  readonly loop: boolean;
  readonly speed: number;
  readonly stream?: string;
  readonly sampleRateHz?: number;
  readonly type: string;
  /** LSL configuration over the file's; the command line reads the file only. */
  readonly config?: LslConfigInput;
}

/**
 * Publishes a recording (a session, an XDF file or a LibEMG-layout folder) as the LSL stream
 * `lsl`, sample by sample at its recorded pace, until it ends (or, with `loop`, until stopped).
 * Resolves with the number of samples published.
 */
export async function runPlayLsl(path: string, options: PlayCliOptions, print: (line: string) => void, signal?: AbortSignal): Promise<number> {
  const replay = new ReplaySource({
    path,
    loop: options.loop,
    speed: options.speed,
    ...(options.stream === undefined ? {} : { stream: options.stream }),
    ...(options.sampleRateHz === undefined ? {} : { sampleRateHz: options.sampleRateHz }),
  });
  const info = await replay.open();
  const outlet = await LslOutlet.open({
    name: options.lsl,
    type: info.kind === "marker" ? "Markers" : options.type,
    channelCount: info.nChannels,
    channelFormat: info.kind === "marker" ? "string" : "float32",
    nominalSrateHz: info.sampleRateHz,
    sourceId: `myogestic-play-${options.lsl}`,
    ...(info.channelNames === undefined || info.channelNames.length !== info.nChannels ? {} : { channelLabels: info.channelNames }),
  }, options.config === undefined ? {} : { config: options.config });
  let published = 0;
  let failure: Error | undefined;
  const sink: SourceSink = {
    clock: systemClock,
    cue: null,
    pushChunk: (chunk: SampleChunk) => {
      const nSamples = chunk.samples.length / chunk.nChannels;
      outlet.pushChunk(chunk.samples, chunk.timestamps === undefined ? {} : { timestamps: chunk.timestamps });
      published += nSamples;
      return true;
    },
    pushMarkers: (values, timestamps) => {
      outlet.pushChunk(values, timestamps === undefined ? {} : { timestamps });
      published += values.length;
      return true;
    },
    setCue: () => undefined,
    fail: (error) => {
      failure = error;
    },
  };
  print(`Publishing ${path} as LSL stream ${options.lsl}: ${info.nChannels} channels at ${info.sampleRateHz} Hz${options.loop ? ", looping" : ""}`);
  try {
    await replay.start(sink);
    await Promise.race([
      replay.finished,
      new Promise<void>((resolve) => signal?.addEventListener("abort", () => resolve(), { once: true })),
    ]);
    if (failure !== undefined) {
      throw new CliError(`replay of ${path} failed: ${failure.message}`);
    }
    print(`Published ${published} samples`);
    return published;
  } finally {
    await replay.stop();
    await outlet.close();
  }
}

/** Adds `record` and `play` to the program. */
export function addLslCommands(program: Command, print: (line: string) => void): void {
  program
    .command("record")
    .description("Record a Lab Streaming Layer stream, found by name, into a session")
    .requiredOption("--lsl <name>", "name of the LSL stream to record")
    .requiredOption("--duration-s <seconds>", "how long to record, in seconds")
    .requiredOption("--out <folder>", "folder that receives the session")
    .option("--resolve-timeout-s <seconds>", "how long to look for the stream", "5")
    .action(async (options: Record<string, string>) => {
      await runRecordLsl(
        {
          lsl: options.lsl as string,
          durationS: parsePositive("--duration-s", options.durationS as string),
          out: options.out as string,
          resolveTimeoutMs: 1000 * parsePositive("--resolve-timeout-s", options.resolveTimeoutS as string),
        },
        print,
      );
    });

  program
    .command("play <recording>")
    .description("Publish a session, an XDF file or a LibEMG-layout folder as a Lab Streaming Layer stream at its recorded rate")
    .requiredOption("--lsl <name>", "name of the LSL stream to publish")
    .option("--loop", "start over at the end, until stopped (Ctrl-C)")
    .option("--speed <factor>", "playback speed; 1 is real time", "1")
    .option("--stream <name>", "stream of the recording to play (default its only numeric one)")
    .option("--sample-rate-hz <hz>", "sample rate of CSV rows, which store none")
    .option("--type <type>", "content type published in the stream info", "EMG")
    .action(async (path: string, options: Record<string, string | boolean | undefined>) => {
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      try {
        await runPlayLsl(
          path,
          {
            lsl: options.lsl as string,
            loop: options.loop === true,
            speed: parsePositive("--speed", options.speed as string),
            type: options.type as string,
            ...(options.stream === undefined ? {} : { stream: options.stream as string }),
            ...(options.sampleRateHz === undefined ? {} : { sampleRateHz: parsePositive("--sample-rate-hz", options.sampleRateHz as string) }),
          },
          print,
          controller.signal,
        );
      } finally {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
      }
    });
}
