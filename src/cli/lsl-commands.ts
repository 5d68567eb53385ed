/**
 * The Lab Streaming Layer commands: `streams` lists the streams that reply to discovery, `record --lsl`
 * records one found by name into a session, and `play --lsl` publishes a recording as a stream
 * at its recorded pace.
 */

import type { Command } from "commander";
import { systemClock } from "../core/clock.js";
import type { LslConfigInput } from "../lsl/config-input.js";
import { LslOutlet } from "../lsl/outlet.js";
import { resolveStreams } from "../lsl/discovery.js";
import { ReplaySource } from "../sources/replay.js";
import type { SampleChunk, SourceSink } from "../stream/source.js";
import { CliError, parsePositive } from "./cli-error.js";
import { announceLslConfig, describeStream, runListStreams, runRecordLsl } from "./lsl-record.js";

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
 * Publishes a recording (a session, an XDF file, a LibEMG-layout folder or a CSV file) as the
 * LSL stream `lsl`, at its recorded pace times `speed`, until it ends (or, with `loop`, until
 * stopped). Timestamps are the time of publishing, so at a speed above 1 they run ahead of the
 * recording's. Resolves with the number of samples published.
 */
export async function runPlayLsl(path: string, options: PlayCliOptions, print: (line: string) => void, signal?: AbortSignal, warn: (line: string) => void = print): Promise<number> {
  const replay = new ReplaySource({
    path,
    loop: options.loop,
    speed: options.speed,
    ...(options.stream === undefined ? {} : { stream: options.stream }),
    ...(options.sampleRateHz === undefined ? {} : { sampleRateHz: options.sampleRateHz }),
  });
  const info = await replay.open().catch((error: Error) => {
    // The replay names its options as the API does; here they are flags.
    throw new CliError(error.message.replace(/\bsampleRateHz\b/g, "--sample-rate-hz").replace(/as the stream option/g, "with --stream"));
  });
  const config = announceLslConfig(options.config, print, warn);
  const [taken] = await resolveStreams({ name: options.lsl, config, timeoutMs: 300 }).catch(() => []);
  if (taken !== undefined) {
    warn(`warning: a stream named ${options.lsl} is already published (${describeStream(taken)}); inlets that look it up by name may pick either`);
  }
  const outlet = await LslOutlet.open({
    name: options.lsl,
    type: info.kind === "marker" ? "Markers" : options.type,
    channelCount: info.nChannels,
    channelFormat: info.kind === "marker" ? "string" : "float32",
    nominalSrateHz: info.sampleRateHz,
    sourceId: `myogestic-play-${options.lsl}`,
    ...(info.channelNames === undefined || info.channelNames.length !== info.nChannels ? {} : { channelLabels: info.channelNames }),
  }, { config });
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

/** Adds `streams`, `record` and `play` to the program; warnings go to `warn` (standard error by default). */
export function addLslCommands(program: Command, print: (line: string) => void, warn: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): void {
  program
    .command("streams")
    .description("List the Lab Streaming Layer streams that answer discovery (LSLAPICFG or lsl_api.cfg sets where it looks)")
    .option("--timeout-s <seconds>", "how long to wait for answers", "2")
    .action(async (options: Record<string, string>) => {
      await runListStreams({ timeoutMs: 1000 * parsePositive("--timeout-s", options.timeoutS as string) }, print, warn);
    });

  program
    .command("record")
    .description("Record a Lab Streaming Layer stream, found by name, into a session (LSLAPICFG or lsl_api.cfg sets where it looks)")
    .requiredOption("--lsl <name>", "name of the LSL stream to record (see myogestic streams)")
    .requiredOption("--duration-s <seconds>", "how long to record, in seconds; Ctrl-C stops earlier and still saves")
    .requiredOption("--out <folder>", "folder that receives the session")
    .option("--resolve-timeout-s <seconds>", "how long to look for the stream", "5")
    .action(async (options: Record<string, string>) => {
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      try {
        await runRecordLsl(
          {
            lsl: options.lsl as string,
            durationS: parsePositive("--duration-s", options.durationS as string),
            out: options.out as string,
            resolveTimeoutMs: 1000 * parsePositive("--resolve-timeout-s", options.resolveTimeoutS as string),
          },
          print,
          warn,
          controller.signal,
        );
      } finally {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
      }
    });

  program
    .command("play <recording>")
    .description("Publish a session, an XDF file, a LibEMG-layout folder or a CSV file as a Lab Streaming Layer stream at its recorded rate")
    .requiredOption("--lsl <name>", "name of the LSL stream to publish")
    .option("--loop", "start over at the end, until stopped (Ctrl-C)")
    .option("--speed <factor>", "playback speed; 1 is real time", "1")
    .option("--stream <name>", "stream of the recording to play (default its only numeric one)")
    .option("--sample-rate-hz <hz>", "sample rate of CSV rows (LibEMG folders and CSV files), which store none")
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
          warn,
        );
      } finally {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
      }
    });
}
