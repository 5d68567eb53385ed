import type { TimerHandle } from "../core/clock.js";
import { errorMessage } from "../core/errors.js";
import { TypedEmitter } from "../core/events.js";
import { EnvelopeCache, type DisplayEnvelope } from "./display.js";
import { MarkerBuffer, type MarkerEvent } from "./markers.js";
import { SampleRing } from "./ring.js";
import type { SampleChunk, Source, SourceInfo, SourceSink, StreamKind } from "./source.js";
import {
  STREAM_DEFAULTS,
  type StreamEvents,
  type StreamHost,
  type StreamOptions,
  type StreamState,
  type StreamStats,
  type StreamStatus,
  type StreamWindow,
} from "./stream-types.js";
import { checkChunk, TimestampAssigner } from "./chunks.js";

/** Envelope sizes a stream keeps up to date before it starts over. */
const MAX_ENVELOPE_CACHES = 8;

/**
 * One named signal: a source feeding a ring buffer (numeric streams) or an event buffer
 * (marker streams), with windows for the predict loop and envelopes for plots.
 *
 * Non-finite samples (NaN, ±Infinity) are kept as received in the buffer and the recording,
 * counted in {@link Stream.stats}, and reported once on the status line and in the app log;
 * plots leave them out. Feature code downstream is expected to flag them.
 *
 * Chunks without timestamps get timestamps spaced by the nominal rate, continuing from the
 * previous chunk while that stays within half a second (or two chunk lengths) of the clock, and
 * anchored with the newest sample at the arrival time otherwise.
 *
 * NOTE: a numeric stream with a rate of 0 has no rate to size its ring by, so it keeps at most
 * `bufferMs` worth of samples at 1 kHz; faster irregular streams hold less than `bufferMs`.
 */
export class Stream extends TypedEmitter<StreamEvents> {
  readonly name: string;
  readonly source: Source;
  readonly windowMs: number;
  readonly bufferMs: number;
  readonly reconnectDelayMs: number;
  readonly stats: StreamStats = { samplesAccepted: 0, chunksAccepted: 0, chunksRejected: 0, nonFiniteValues: 0 };
  readonly #host: StreamHost;
  readonly #envelopes = new Map<string, EnvelopeCache>();
  #info: SourceInfo | undefined;
  #ring: SampleRing | undefined;
  #markers: MarkerBuffer | undefined;
  #status: StreamStatus = { state: "stopped", message: "Not started" };
  #generation = 0;
  #wanted = false;
  #reconnectTimer: TimerHandle | undefined;
  #watchdogTimer: TimerHandle | undefined;
  #lastChunkS: number | undefined;
  #usualIntervalS: number | undefined;
  #reportedRejections = new Set<string>();
  #timestamps = new TimestampAssigner();

  constructor(options: StreamOptions, host: StreamHost) {
    super();
    const merged = { ...STREAM_DEFAULTS, ...options };
    if (!/^[A-Za-z0-9_.-]+$/.test(merged.name)) {
      throw new TypeError(
        `stream name must use letters, digits, "_", "-" or ".", received ${JSON.stringify(merged.name)}`,
      );
    }
    for (const key of ["windowMs", "bufferMs"] as const) {
      if (!(Number.isFinite(merged[key]) && merged[key] > 0)) {
        throw new RangeError(`${key} must be a finite number above 0, received ${merged[key]}`);
      }
    }
    if (merged.windowMs > merged.bufferMs) {
      throw new RangeError(`windowMs (${merged.windowMs}) must not exceed bufferMs (${merged.bufferMs})`);
    }
    if (!(merged.reconnectDelayMs >= 0)) {
      throw new RangeError(`reconnectDelayMs must be 0 or more, received ${merged.reconnectDelayMs}`);
    }
    this.name = merged.name;
    this.source = merged.source;
    this.windowMs = merged.windowMs;
    this.bufferMs = merged.bufferMs;
    this.reconnectDelayMs = merged.reconnectDelayMs;
    this.#host = host;
  }

  /** The source's data shape, once opened. */
  get info(): SourceInfo | undefined {
    return this.#info;
  }

  get kind(): StreamKind | undefined {
    return this.#info === undefined ? undefined : (this.#info.kind ?? "numeric");
  }

  get nChannels(): number {
    return this.#info?.nChannels ?? 0;
  }

  get sampleRateHz(): number {
    return this.#info?.sampleRateHz ?? 0;
  }

  get status(): StreamStatus {
    return this.#status;
  }

  /** Samples (or events) currently held in the buffer. */
  get bufferedCount(): number {
    return this.#ring?.count ?? this.#markers?.count ?? 0;
  }

  /** Opens and starts the source. Failures show in {@link Stream.status}; this never rejects. */
  async start(): Promise<void> {
    this.#wanted = true;
    if (this.#status.state === "starting" || this.#status.state === "running" || this.#status.state === "stalled") {
      return;
    }
    this.#clearReconnect();
    const generation = ++this.#generation;
    this.#setStatus("starting", `Opening ${this.source.description}`);
    let info: SourceInfo;
    try {
      info = await this.source.open();
      this.#adopt(info);
    } catch (error) {
      this.#fail(generation, error);
      return;
    }
    if (generation !== this.#generation) {
      // Stopped while opening: release what this open acquired, unless a newer start owns it.
      if (!this.#wanted) {
        await this.#stopSource();
      }
      return;
    }
    this.#lastChunkS = undefined;
    this.#usualIntervalS = undefined;
    this.#timestamps.reset();
    this.#setStatus("running", `Receiving from ${this.source.description}`);
    try {
      await this.source.start(this.#makeSink(generation));
    } catch (error) {
      this.#fail(generation, error);
      return;
    }
    this.#armWatchdog(generation);
  }

  /** Stops the source and any reconnection; buffered data stays readable. */
  async stop(): Promise<void> {
    this.#wanted = false;
    this.#generation++;
    this.#clearReconnect();
    this.#clearWatchdog();
    if (this.#status.state === "stopped") {
      return;
    }
    this.#setStatus("stopped", "Stopped");
    await this.#stopSource();
  }

  async #stopSource(): Promise<void> {
    try {
      await this.source.stop();
    } catch (error) {
      this.#host.log(`Stream ${this.name}: stopping ${this.source.description} failed: ${errorMessage(error)}`);
    }
  }

  /** Stops and starts the source again, for example after the device was replugged. */
  async reconnect(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /**
   * Returns the newest `windowMs` of samples (default: the stream's `windowMs`) channels-first.
   * The window is empty before any data arrives and shorter only while the buffer holds less.
   * For a stream with a rate of 0 the window is every sample of the last `windowMs` before the
   * newest one.
   */
  getWindow(windowMs: number = this.windowMs): StreamWindow {
    if (this.kind === "marker") {
      throw new TypeError(`stream "${this.name}" is a marker stream; read it with getEvents(windowMs)`);
    }
    if (!(windowMs > 0)) {
      throw new RangeError(`windowMs must be above 0, received ${windowMs}`);
    }
    const ring = this.#ring;
    if (ring === undefined) {
      return { data: new Float32Array(0), nChannels: this.nChannels, nSamples: 0, timestamps: new Float64Array(0) };
    }
    const rateHz = this.sampleRateHz;
    const newestS = ring.newestTimestampS;
    const wanted =
      rateHz > 0
        ? Math.round((windowMs / 1000) * rateHz)
        : newestS === undefined
          ? 0
          : ring.countAfter(newestS - windowMs / 1000);
    const read = ring.readLatest(wanted);
    return { data: read.data, nChannels: ring.nChannels, nSamples: read.nSamples, timestamps: read.timestamps };
  }

  /** Events of a marker stream from `windowMs` before now (default: the stream's `windowMs`). */
  getEvents(windowMs: number = this.windowMs): MarkerEvent[] {
    if (this.#markers === undefined) {
      if (this.kind === "numeric") {
        throw new TypeError(`stream "${this.name}" is numeric; read it with getWindow(windowMs)`);
      }
      return [];
    }
    return this.#markers.between(this.#host.clock.now() - windowMs / 1000, Number.POSITIVE_INFINITY);
  }

  /** A min/max envelope of the last `spanMs` for a plot `widthPx` wide (numeric streams). */
  getDisplay(widthPx: number, spanMs: number = this.bufferMs): DisplayEnvelope {
    const ring = this.#ring ?? new SampleRing(Math.max(1, this.nChannels), 1);
    const span = Math.min(spanMs, this.bufferMs);
    const key = `${widthPx} ${span}`;
    let cache = this.#envelopes.get(key);
    if (cache === undefined) {
      // A few plots of one stream at most; more sizes than that start over rather than grow.
      if (this.#envelopes.size >= MAX_ENVELOPE_CACHES) {
        this.#envelopes.clear();
      }
      cache = new EnvelopeCache(widthPx, span);
      this.#envelopes.set(key, cache);
    }
    return cache.update(ring);
  }

  /** Samples per second measured over the buffered timestamps, or `undefined` with fewer than two. */
  get effectiveRateHz(): number | undefined {
    const ring = this.#ring;
    if (ring === undefined || ring.count < 2) {
      return undefined;
    }
    const spanS = (ring.newestTimestampS as number) - (ring.oldestTimestampS as number);
    return spanS > 0 ? (ring.count - 1) / spanS : undefined;
  }

  #adopt(info: SourceInfo): void {
    if (!Number.isInteger(info.nChannels) || info.nChannels < 1) {
      throw new RangeError(`${this.source.description} reported ${info.nChannels} channels; expected a positive integer`);
    }
    if (!(Number.isFinite(info.sampleRateHz) && info.sampleRateHz >= 0)) {
      throw new RangeError(`${this.source.description} reported a sample rate of ${info.sampleRateHz} Hz`);
    }
    const previous = this.#info;
    this.#info = info;
    if ((info.kind ?? "numeric") === "marker") {
      this.#ring = undefined;
      this.#markers ??= new MarkerBuffer(this.bufferMs);
    } else if (this.#ring === undefined || previous?.nChannels !== info.nChannels) {
      if (this.#ring !== undefined) {
        this.#host.log(`Stream ${this.name}: channel count changed from ${previous?.nChannels} to ${info.nChannels}; buffer cleared`);
      }
      const rateHz = info.sampleRateHz > 0 ? info.sampleRateHz : 1000;
      const capacity = Math.max(1, Math.ceil((this.bufferMs / 1000) * rateHz));
      this.#ring = new SampleRing(info.nChannels, capacity);
      this.#markers = undefined;
    }
    this.emit("opened", info);
  }

  #makeSink(generation: number): SourceSink {
    const host = this.#host;
    return {
      clock: host.clock,
      get cue() {
        return host.cue;
      },
      pushChunk: (chunk) => generation === this.#generation && this.#acceptChunk(chunk),
      pushMarkers: (values, timestamps) => generation === this.#generation && this.#acceptMarkers(values, timestamps),
      setCue: (classIndex, timestampS) => {
        if (generation === this.#generation) {
          host.setCue(classIndex, timestampS);
        }
      },
      fail: (error) => this.#fail(generation, error),
    };
  }

  #acceptChunk(chunk: SampleChunk): boolean {
    const ring = this.#ring;
    if (ring === undefined) {
      return this.#reject(`received numbers but the source opened as a marker stream`);
    }
    const checked = checkChunk(chunk, ring.nChannels);
    if (typeof checked === "string") {
      return this.#reject(checked);
    }
    const { samples, nSamples } = checked;
    const nowS = this.#host.clock.now();
    const timestamps =
      chunk.timestamps === undefined
        ? this.#timestamps.assign(nSamples, this.sampleRateHz, nowS)
        : Float64Array.from(chunk.timestamps);
    if (chunk.timestamps !== undefined) {
      this.#timestamps.observe(timestamps);
    }
    if (checked.nonFinite > 0) {
      if (this.stats.nonFiniteValues === 0) {
        const text = `Stream ${this.name}: received ${checked.nonFinite} NaN or infinite values; kept as received`;
        this.#status = { state: this.#status.state, message: text };
        this.emit("status", this.#status);
        this.#host.log(text);
      }
      this.stats.nonFiniteValues += checked.nonFinite;
    }
    ring.write(samples, timestamps, nSamples);
    this.stats.samplesAccepted += nSamples;
    this.stats.chunksAccepted++;
    this.#noteArrival(nowS);
    this.emit("chunk", { samples, timestamps, nSamples, nChannels: ring.nChannels }, (error) =>
      this.#host.log(`Stream ${this.name}: a chunk listener failed: ${errorMessage(error)}`),
    );
    return true;
  }

  #acceptMarkers(values: readonly string[], timestamps?: ArrayLike<number>): boolean {
    const markers = this.#markers;
    if (markers === undefined) {
      return this.#reject(`received markers but the source opened as a numeric stream`);
    }
    if (timestamps !== undefined && timestamps.length !== values.length) {
      return this.#reject(`received ${values.length} markers with ${timestamps.length} timestamps`);
    }
    for (let i = 0; i < values.length; i++) {
      if (typeof values[i] !== "string") {
        return this.#reject(`marker ${i} is ${typeof values[i]}; markers must be strings`);
      }
      if (timestamps !== undefined && !Number.isFinite(timestamps[i])) {
        return this.#reject(`marker timestamp ${i} is ${timestamps[i]}; timestamps must be finite seconds`);
      }
    }
    const nowS = this.#host.clock.now();
    const times = timestamps === undefined ? new Float64Array(values.length).fill(nowS) : Float64Array.from(timestamps);
    markers.write(values, times);
    this.stats.samplesAccepted += values.length;
    this.stats.chunksAccepted++;
    this.#noteArrival(nowS);
    this.emit("markers", { values, timestamps: times }, (error) =>
      this.#host.log(`Stream ${this.name}: a marker listener failed: ${errorMessage(error)}`),
    );
    return true;
  }

  #reject(problem: string): false {
    this.stats.chunksRejected++;
    const text = `Stream ${this.name} rejected a chunk: ${problem}`;
    this.#status = { state: this.#status.state, message: text };
    this.emit("status", this.#status);
    if (!this.#reportedRejections.has(problem)) {
      this.#reportedRejections.add(problem);
      this.#host.log(text);
    }
    return false;
  }

  #noteArrival(nowS: number): void {
    if (this.#lastChunkS !== undefined) {
      const intervalS = nowS - this.#lastChunkS;
      this.#usualIntervalS = this.#usualIntervalS === undefined ? intervalS : 0.9 * this.#usualIntervalS + 0.1 * intervalS;
    }
    this.#lastChunkS = nowS;
    if (this.#status.state === "stalled") {
      this.#setStatus("running", `Receiving from ${this.source.description} again`);
    }
  }

  #armWatchdog(generation: number): void {
    this.#clearWatchdog();
    const check = () => {
      if (generation !== this.#generation) {
        return;
      }
      const nowS = this.#host.clock.now();
      const limitS = Math.max(1, 3 * (this.#usualIntervalS ?? 0));
      const sinceS = nowS - (this.#lastChunkS ?? nowS);
      if (this.#status.state === "running" && this.#lastChunkS !== undefined && sinceS > limitS) {
        this.#setStatus("stalled", `No data from ${this.source.description} for ${sinceS.toFixed(1)} s`);
      }
      this.#watchdogTimer = this.#host.clock.setTimeout(check, 250);
    };
    this.#watchdogTimer = this.#host.clock.setTimeout(check, 250);
  }

  #clearWatchdog(): void {
    if (this.#watchdogTimer !== undefined) {
      this.#host.clock.clearTimeout(this.#watchdogTimer);
      this.#watchdogTimer = undefined;
    }
  }

  #clearReconnect(): void {
    if (this.#reconnectTimer !== undefined) {
      this.#host.clock.clearTimeout(this.#reconnectTimer);
      this.#reconnectTimer = undefined;
    }
  }

  #fail(generation: number, error: unknown): void {
    if (generation !== this.#generation) {
      return;
    }
    this.#generation++;
    this.#clearWatchdog();
    const retry = this.#wanted && this.reconnectDelayMs > 0;
    const suffix = retry ? `; retrying in ${this.reconnectDelayMs} ms` : "";
    this.#setStatus("error", `${this.source.description} failed: ${errorMessage(error)}${suffix}`);
    void Promise.resolve()
      .then(() => this.source.stop())
      .catch(() => undefined);
    if (retry) {
      this.#reconnectTimer = this.#host.clock.setTimeout(() => {
        this.#reconnectTimer = undefined;
        if (this.#wanted) {
          void this.start();
        }
      }, this.reconnectDelayMs);
    }
  }

  #setStatus(state: StreamState, message: string): void {
    const changed = state !== this.#status.state;
    this.#status = { state, message };
    this.emit("status", this.#status);
    if (changed && state !== "starting") {
      this.#host.log(`Stream ${this.name}: ${message}`);
    }
  }
}
