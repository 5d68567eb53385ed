/**
 * `myogestic record --lsl` and `myogestic streams`, with the helpers every LSL command shares:
 * saying which configuration is in effect, and listing the streams that reply to discovery.
 */

import { App } from "../app/app.js";
import { systemClock } from "../core/clock.js";
import { resolveLslConfig, type LslConfigInput } from "../lsl/config-input.js";
import { unknownLslConfigKeys, type LslConfig } from "../lsl/config.js";
import { isLoopbackOnly } from "../lsl/discovery-targets.js";
import { resolveStreams } from "../lsl/discovery.js";
import { MAX_TIMER_MS } from "../lsl/inlet.js";
import { LslSource } from "../lsl/source.js";
import type { LslStreamInfo } from "../lsl/stream-info.js";
import { openSession } from "../session/reader.js";
import { CliError } from "./cli-error.js";

/** Maximum recording length of `record`, in seconds: the longest timer Node keeps. */
export const MAX_RECORD_S = Math.floor(MAX_TIMER_MS / 1000);

/**
 * Loads the LSL configuration, prints where it comes from and how far discovery reaches, and
 * warns about keys the file has that nothing reads (a misspelled key keeps its default).
 */
export function announceLslConfig(input: LslConfigInput | undefined, print: (line: string) => void, warn: (line: string) => void): LslConfig {
  const config = resolveLslConfig(input);
  const source = config.source === "defaults" ? "no lsl_api.cfg found, built-in defaults" : config.source;
  const reach = isLoopbackOnly(config) ? "this machine only" : "the network (multicast and broadcast)";
  print(`LSL configuration: ${source}; discovery reaches ${reach}`);
  for (const key of unknownLslConfigKeys(config)) {
    warn(`warning: the LSL configuration sets ${key}, which no LSL setting has; check its spelling`);
  }
  return config;
}

/** Describes a stream in one line: name, type, channels, rate, source id and host. */
export function describeStream(info: LslStreamInfo): string {
  const rate = info.nominalSrateHz > 0 ? `${info.nominalSrateHz} Hz` : "irregular";
  const id = info.sourceId === "" ? "" : `, source id ${info.sourceId}`;
  return `${info.name} (${info.type || "no type"}, ${info.channelCount} ${info.channelFormat} channels, ${rate}${id}, on ${info.hostname} ${info.v4address})`;
}

/** Describes the streams that reply to discovery within `timeoutMs`, or states that none did. */
export async function describeStreamsAnswering(config: LslConfig, timeoutMs = 1000): Promise<string> {
  const found = await resolveStreams({ config, timeoutMs, minimum: Number.POSITIVE_INFINITY, anySession: true }).catch(() => []);
  if (found.length === 0) {
    return "No LSL stream answered at all.";
  }
  return `Streams that answered: ${found.map(describeStream).join("; ")}.`;
}

/** Prints every stream that replies to discovery within `timeoutMs`, and resolves with their count. */
export async function runListStreams(options: { timeoutMs: number; config?: LslConfigInput }, print: (line: string) => void, warn: (line: string) => void): Promise<number> {
  const config = announceLslConfig(options.config, print, warn);
  const found = await resolveStreams({ config, timeoutMs: options.timeoutMs, minimum: Number.POSITIVE_INFINITY, anySession: true });
  if (found.length === 0) {
    print(`No LSL stream answered within ${options.timeoutMs} ms.`);
  }
  for (const info of found) {
    print(describeStream(info));
  }
  return found.length;
}

/** Options of `myogestic record`. */
export interface RecordCliOptions {
  readonly lsl: string;
  readonly durationS: number;
  readonly out: string;
  readonly resolveTimeoutMs?: number;
  /** LSL configuration over the file's; the command line reads the file only. */
  readonly config?: LslConfigInput;
}

/** Returns a session stream name made from an LSL name: letters, digits, `_`, `-` and `.` only. */
function sessionStreamName(lslName: string): string {
  const safe = lslName.replace(/[^A-Za-z0-9_.-]/g, "_").replace(/^[.-]+/, "");
  return safe === "" ? "lsl" : safe;
}

/**
 * Records the LSL stream called `lsl` for `durationS` seconds (or until `signal` aborts, as
 * Ctrl-C does) into a session under `out`, and prints where it went and how many samples the
 * session holds. Warns when the stream was interrupted during the recording. Fails when the
 * stream cannot be found, listing the streams that did reply.
 */
export async function runRecordLsl(options: RecordCliOptions, print: (line: string) => void, warn: (line: string) => void = print, signal?: AbortSignal): Promise<string> {
  if (!(options.durationS > 0 && options.durationS <= MAX_RECORD_S)) {
    throw new CliError(`--duration-s must be from 0 to ${MAX_RECORD_S} s, received ${options.durationS}; stop a longer recording with Ctrl-C`);
  }
  const config = announceLslConfig(options.config, print, warn);
  const app = new App({ name: "myogestic record" });
  const source = new LslSource({ name: options.lsl, config, ...(options.resolveTimeoutMs === undefined ? {} : { resolveTimeoutMs: options.resolveTimeoutMs }) });
  const streamName = sessionStreamName(options.lsl);
  const stream = app.addStream({ name: streamName, source });
  try {
    await app.start();
    if (stream.status.state !== "running") {
      throw new CliError(`${stream.status.message.replace(/; retrying in \d+ ms$/, "")}. ${await describeStreamsAnswering(config)}`);
    }
    const info = source.info;
    print(`Recording ${options.lsl}: ${info?.channelCount ?? "?"} ${info?.channelFormat ?? ""} channels at ${info?.nominalSrateHz ?? "?"} Hz for ${options.durationS} s (Ctrl-C stops early)`);
    const interruptions: string[] = [];
    const off = stream.on("status", (status) => {
      if (status.state === "error" || status.state === "stalled") interruptions.push(status.message);
    });
    const started = await app.startRecording({ folder: options.out });
    if (!started.ok) {
      throw new CliError(started.reason);
    }
    const stoppedEarly = await new Promise<boolean>((resolve) => {
      const timer = systemClock.setTimeout(() => resolve(false), options.durationS * 1000);
      signal?.addEventListener("abort", () => {
        systemClock.clearTimeout(timer);
        resolve(true);
      }, { once: true });
    });
    off();
    const saved = await app.stopRecording();
    if (!saved.ok) {
      throw new CliError(saved.reason);
    }
    const recorded = (await openSession(saved.archivePath)).streams.find((entry) => entry.name === streamName);
    if (stoppedEarly) {
      print("Stopped early by Ctrl-C");
    }
    if (interruptions.length > 0) {
      warn(`warning: the stream was interrupted ${interruptions.length} times while recording (first: ${interruptions[0]}), so the session has gaps`);
    }
    print(`Saved ${recorded?.nSamples ?? 0} samples of stream ${streamName} to ${saved.archivePath}`);
    return saved.archivePath;
  } finally {
    await app.stop();
  }
}
