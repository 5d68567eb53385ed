/**
 * A stream source fed by an LSL outlet: resolves the stream by name, type or source id, receives
 * its feed, maps its timestamps onto this machine's clock, and reconnects by source id when the
 * outlet comes back after it vanished.
 */

import type { SourceInfo, SourceSink, Source } from "../stream/source.js";
import { resolveLslConfig, type LslConfigInput } from "./config-input.js";
import type { LslConfig } from "./config.js";
import { resolveStreams, xpathLiteral } from "./discovery.js";
import type { InletChunk } from "./feed-decoding.js";
import { fetchFullInfo, LslInlet, MAX_TIMER_MS } from "./inlet.js";
import { TimestampPostprocessor, type PostprocessingFlag } from "./postprocess.js";
import { channelLabels, type LslStreamInfo } from "./stream-info.js";
import { TimeSync } from "./time-sync.js";
import { systemClock } from "../core/clock.js";

/** Conditions that find the stream to receive, and receiving options. */
export interface LslSourceOptions {
  readonly name?: string;
  readonly type?: string;
  readonly sourceId?: string;
  /** A further XPath 1.0 condition on the stream info. */
  readonly where?: string;
  /** Maximum wait for the stream to reply to discovery, in ms. Default 5000. */
  readonly resolveTimeoutMs?: number;
  /** LSL configuration, or overrides of the configuration file's values. */
  readonly config?: LslConfigInput;
  /**
   * Adds the measured clock offset to every timestamp, so samples from another machine land on
   * this machine's clock. Default true, because the app's buffers are read on this clock.
   */
  readonly clockSync?: boolean;
  /** Smooths timestamps with liblsl's recursive least-squares fit (regular streams). Default false. */
  readonly dejitter?: boolean;
  /** Never lets a timestamp go below the previous one. Default false. */
  readonly monotonize?: boolean;
  /** Half-life of the dejitter fit, in seconds. Default the configuration's (90). */
  readonly smoothingHalftimeS?: number;
  /** Maximum length of a string value from a string stream, in bytes. Default 1 MiB. */
  readonly maxStringBytes?: number;
  /** Highest protocol to ask for: 110, or 100 for the old feed. Default the configuration's `UseProtocolVersion` (110). */
  readonly protocolVersion?: number;
  /** Seconds of samples the outlet may queue for this source when it falls behind. Default 360. */
  readonly maxBufferedS?: number;
}

/** Default wait for discovery, in ms. */
export const LSL_SOURCE_RESOLVE_TIMEOUT_MS = 5000;
/** Maximum wait for the first clock offset before samples flow uncorrected, in ms. */
const FIRST_CORRECTION_TIMEOUT_MS = 2000;
/** Chunks kept between the handshake and the start; more are dropped, oldest first. */
const MAX_PENDING_CHUNKS = 256;

/** A {@link Source} that receives an LSL stream. */
export class LslSource implements Source {
  readonly description: string;
  readonly options: LslSourceOptions;
  readonly #config: LslConfig;
  #info: LslStreamInfo | undefined;
  #inlet: LslInlet | undefined;
  #timeSync: TimeSync | undefined;
  #timestamps: TimestampPostprocessor | undefined;
  #sink: SourceSink | undefined;
  #pending: InletChunk[] = [];
  #closedError: Error | undefined;
  #connections = 0;
  #watchdog: NodeJS.Timeout | undefined;
  #lastDataMs = 0;

  constructor(options: LslSourceOptions) {
    if ([options.name, options.type, options.sourceId, options.where].every((value) => value === undefined || value === "")) {
      throw new TypeError("LslSource needs a name, type, sourceId or where condition to find its stream");
    }
    this.options = options;
    this.#config = resolveLslConfig(options.config);
    const label = options.name ?? options.sourceId ?? options.type ?? options.where ?? "";
    this.description = `LSL stream ${label}`;
  }

  /** The info of the stream received now (full info, `desc` included), once opened. */
  get info(): LslStreamInfo | undefined {
    return this.#info;
  }

  /** Connections made so far; more than 1 after the source reconnected. */
  get connections(): number {
    return this.#connections;
  }

  /** The latest clock correction in seconds (local minus remote), when clock sync is on. */
  get timeCorrectionS(): number | undefined {
    return this.#timeSync?.correction?.timeCorrectionS;
  }

  /** Resolves the stream, reads its full info and opens its feed. */
  async open(): Promise<SourceInfo> {
    await this.#release();
    const found = await this.#resolve();
    const info = await fetchFullInfo(found);
    const inlet = await LslInlet.open(info, {
      protocolVersion: this.options.protocolVersion ?? this.#config.useProtocolVersion,
      ...(this.options.maxStringBytes === undefined ? {} : { maxStringBytes: this.options.maxStringBytes }),
      ...(this.options.maxBufferedS === undefined ? {} : { maxBufferedS: this.options.maxBufferedS }),
      sessionId: this.#config.sessionId,
    });

    this.#info = info;
    this.#inlet = inlet;
    this.#connections++;
    this.#closedError = undefined;
    inlet.on("chunk", (chunk) => this.#receive(chunk));
    inlet.on("closed", ({ error }) => {
      if (error !== undefined) {
        this.#closedError = error;
        this.#sink?.fail(error);
      }
    });
    const clockSync = this.options.clockSync ?? true;
    const flags: PostprocessingFlag[] = [];
    if (clockSync) flags.push("clocksync");
    if (this.options.dejitter === true) flags.push("dejitter");
    if (this.options.monotonize === true) flags.push("monotonize");
    if (clockSync) {
      try {
        await this.#startTimeSync(info);
      } catch (error) {
        // The feed is open already; it must not outlive a failed open.
        await this.#release();
        throw error;
      }
    }
    const timeSync = this.#timeSync;
    this.#timestamps = new TimestampPostprocessor({
      flags,
      nominalRateHz: info.nominalSrateHz,
      smoothingHalftimeS: this.options.smoothingHalftimeS ?? this.#config.smoothingHalftimeS,
      ...(timeSync === undefined ? {} : { timeCorrection: { timeCorrectionS: () => timeSync.correction?.timeCorrectionS ?? 0, takeReset: () => false } }),
    });

    const labels = channelLabels(info);
    return {
      nChannels: info.channelCount,
      sampleRateHz: info.nominalSrateHz,
      ...(info.channelFormat === "string" ? { kind: "marker" as const } : {}),
      ...(labels === undefined ? {} : { channelNames: labels }),
    };
  }

  start(sink: SourceSink): void {
    this.#sink = sink;
    this.#lastDataMs = Date.now();
    this.#armWatchdog(sink);
    if (this.#closedError !== undefined) {
      sink.fail(this.#closedError);
      return;
    }
    for (const chunk of this.#pending.splice(0)) {
      this.#deliver(chunk, sink);
    }
  }

  async stop(): Promise<void> {
    this.#sink = undefined;
    await this.#release();
  }

  async #release(): Promise<void> {
    clearInterval(this.#watchdog);
    this.#watchdog = undefined;
    this.#pending = [];
    this.#timeSync?.stop();
    this.#timeSync = undefined;
    const inlet = this.#inlet;
    this.#inlet = undefined;
    inlet?.close();
  }

  async #resolve(): Promise<LslStreamInfo> {
    const timeoutMs = this.options.resolveTimeoutMs ?? LSL_SOURCE_RESOLVE_TIMEOUT_MS;
    const previous = this.#info;
    // After a loss, look for the same device by its source id in any session, as liblsl does.
    const recovery = previous !== undefined && previous.sourceId !== "";
    const query = recovery
      ? {
          anySession: true,
          name: previous.name,
          type: previous.type,
          sourceId: previous.sourceId,
          where: `channel_count=${xpathLiteral(String(previous.channelCount))} and channel_format=${xpathLiteral(previous.channelFormat)}`,
        }
      : this.options;
    const found = await resolveStreams({ ...query, timeoutMs, config: this.#config });
    const first = found[0];
    if (first === undefined) {
      const what = recovery ? `source id ${previous.sourceId}` : this.description;
      throw new Error(`no LSL stream matching ${what} responded within ${timeoutMs} ms; check that its outlet runs and that the LSL configuration reaches it`);
    }
    return first;
  }

  async #startTimeSync(info: LslStreamInfo): Promise<void> {
    const timeSync = new TimeSync(info, this.#config, systemClock);
    this.#timeSync = timeSync;
    const first = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, FIRST_CORRECTION_TIMEOUT_MS);
      const off = timeSync.on("update", () => {
        clearTimeout(timer);
        off();
        resolve();
      });
    });
    await timeSync.start();
    await first;
  }

  /**
   * Reconnects a regular stream that has sent nothing for `watchdogTimeThresholdS`, as liblsl's
   * watchdog does: an outlet that froze without closing its connection otherwise looks alive.
   */
  #armWatchdog(sink: SourceSink): void {
    clearInterval(this.#watchdog);
    if ((this.#info?.nominalSrateHz ?? 0) <= 0) {
      return;
    }
    const thresholdMs = 1000 * this.#config.watchdogTimeThresholdS;
    const checkMs = Math.min(MAX_TIMER_MS, Math.max(100, 1000 * this.#config.watchdogCheckIntervalS));
    this.#watchdog = setInterval(() => {
      const silentMs = Date.now() - this.#lastDataMs;
      if (silentMs > thresholdMs) {
        clearInterval(this.#watchdog);
        sink.fail(new Error(`no data from ${this.#info?.name ?? "the outlet"} for ${(silentMs / 1000).toFixed(1)} s, so the connection is presumed dead`));
      }
    }, checkMs);
    this.#watchdog.unref();
  }

  #receive(chunk: InletChunk): void {
    this.#lastDataMs = Date.now();
    const sink = this.#sink;
    if (sink === undefined) {
      this.#pending.push(chunk);
      if (this.#pending.length > MAX_PENDING_CHUNKS) {
        this.#pending.shift();
      }
      return;
    }
    this.#deliver(chunk, sink);
  }

  #deliver(chunk: InletChunk, sink: SourceSink): void {
    const timestamps = chunk.timestamps;
    this.#timestamps?.process(timestamps);
    if (chunk.strings !== undefined) {
      const nChannels = this.#info?.channelCount ?? 1;
      // A marker stream carries one event per sample; a multi-channel one joins its channels.
      const events: string[] = [];
      for (let sample = 0; sample < chunk.count; sample++) {
        events.push(chunk.strings.slice(sample * nChannels, (sample + 1) * nChannels).join("\t"));
      }
      sink.pushMarkers(events, timestamps);
      return;
    }
    sink.pushChunk({ nChannels: this.#info?.channelCount ?? 0, samples: chunk.values, timestamps });
  }
}
