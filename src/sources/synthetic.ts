/**
 * A synthetic EMG source whose channel activity follows the app's cue, so the whole loop of
 * recording, training and predicting can be tried without hardware.
 */
import type { Source, SourceInfo, SourceSink } from "../stream/source.js";
import { SyntheticEmgGenerator, type SyntheticSignalConfig } from "./synthetic-signal.js";
import { Ticker } from "./ticker.js";

/** Options of {@link SyntheticEmgSource}. */
export interface SyntheticEmgOptions {
  /** Number of channels, an integer from 1 to 4096. Default 8. */
  readonly channels?: number;
  /** Sample rate in Hz, above 0 and at most 100 000. Default 2000. */
  readonly sampleRateHz?: number;
  /** Seed of the random sequence and of the class patterns; any integer, low 32 bits used. Default 1. */
  readonly seed?: number;
  /** Interval between delivered chunks, in ms, above 0 and at most 1000. Default 20. */
  readonly chunkMs?: number;
  /** RMS of a fully active channel, in µV; above 0. Default 100. */
  readonly activeRmsUv?: number;
  /** RMS of every channel at rest, as a fraction of `activeRmsUv`, from 0 to 1. Default 0.05. */
  readonly noiseLevel?: number;
  /** Lower edge of the noise band, in Hz; above 0. Default 20. */
  readonly lowCutHz?: number;
  /**
   * Upper edge of the noise band, in Hz; above `lowCutHz`. Default 450. It is clamped to
   * 0.45 × `sampleRateHz`, and the lower edge then to half the upper edge.
   */
  readonly highCutHz?: number;
  /** Duration of the gain ramp after a change of cue, in ms, from 0 to 10 000. Default 50. */
  readonly rampMs?: number;
  /**
   * Class indices that mean rest, such as a "Rest" or "No motion" class: while one of them is
   * cued every channel carries only the rest baseline, as with no cue. Default none.
   */
  readonly restClasses?: readonly number[];
}

/** Default values of {@link SyntheticEmgOptions}. */
export const SYNTHETIC_EMG_DEFAULTS = {
  channels: 8,
  sampleRateHz: 2000,
  seed: 1,
  chunkMs: 20,
  activeRmsUv: 100,
  noiseLevel: 0.05,
  lowCutHz: 20,
  highCutHz: 450,
  rampMs: 50,
  restClasses: [] as readonly number[],
} as const satisfies Required<SyntheticEmgOptions>;

/** Largest number of samples delivered in one chunk; a late tick is split into chunks this size. */
const MAX_CHUNK_SAMPLES = 65_536;

/**
 * Tolerance, in samples, on the number of samples due. It absorbs floating-point error in clock
 * readings, so that a tick exactly on a sample boundary delivers that sample.
 */
const DUE_TOLERANCE_SAMPLES = 1e-6;

/**
 * Generates EMG-like signals that follow the app's cue: band-limited Gaussian noise whose
 * amplitude per channel is set by a pattern belonging to the cued class. At rest (cue `null`)
 * every channel carries a low baseline, `noiseLevel × activeRmsUv` RMS. Each class activates
 * its own group of neighbouring channels around the channel ring. The patterns depend only
 * on `seed`, the class index and the channel count, so distinct classes differ in per-channel
 * RMS and a classifier can learn them.
 *
 * Every `chunkMs` on the sink's clock the source delivers exactly the samples due since it
 * started (`floor(elapsedS × sampleRateHz)` in all), so the long-run rate is exact. Sample k
 * gets the timestamp `t0 + k / sampleRateHz`, where `t0` is the clock reading at start. The cue
 * is read once per chunk, and a change ramps the gains over `rampMs` from that chunk's first
 * sample. Each start begins the random sequence again from the seed, so a start with a constant
 * cue delivers the same samples as {@link SyntheticEmgSource.generateSamples}.
 */
export class SyntheticEmgSource implements Source {
  /** The options in effect, defaults filled in. */
  readonly options: Readonly<Required<SyntheticEmgOptions>>;
  readonly description: string;
  #generator: SyntheticEmgGenerator;
  #ticker: Ticker | undefined;
  #sink: SourceSink | undefined;
  #startS = 0;
  #produced = 0;

  /** @throws RangeError or TypeError naming the first invalid option. */
  constructor(options: SyntheticEmgOptions = {}) {
    const merged = { ...SYNTHETIC_EMG_DEFAULTS, ...dropUndefined(options) };
    validateOptions(merged);
    this.options = merged;
    this.description = `synthetic EMG ${merged.channels} ch @ ${merged.sampleRateHz} Hz`;
    this.#generator = new SyntheticEmgGenerator(signalConfig(merged));
  }

  /** Samples delivered since the last start. */
  get samplesProduced(): number {
    return this.#produced;
  }

  async open(): Promise<SourceInfo> {
    return { nChannels: this.options.channels, sampleRateHz: this.options.sampleRateHz, kind: "numeric" };
  }

  /** Starts delivering chunks to `sink` on its clock; a running source is restarted. */
  start(sink: SourceSink): void {
    this.stop();
    this.#sink = sink;
    this.#startS = sink.clock.now();
    this.#produced = 0;
    this.#generator.reset(this.#classFor(sink.cue));
    this.#ticker = new Ticker(sink.clock, this.options.chunkMs, (nowS) => this.step(nowS));
    this.#ticker.start(this.#startS);
  }

  /** Cancels the pending tick; no timer is left behind. */
  stop(): void {
    this.#ticker?.stop();
    this.#ticker = undefined;
    this.#sink = undefined;
  }

  /**
   * Delivers the samples due at `nowS` (clock seconds) and returns how many it delivered. The
   * timer calls this every `chunkMs`; tests may call it directly.
   */
  step(nowS: number): number {
    const sink = this.#sink;
    if (sink === undefined) {
      return 0;
    }
    const { channels, sampleRateHz } = this.options;
    const dueTotal = Math.floor((nowS - this.#startS) * sampleRateHz + DUE_TOLERANCE_SAMPLES);
    let delivered = 0;
    while (this.#produced < dueTotal && this.#sink === sink) {
      const nSamples = Math.min(dueTotal - this.#produced, MAX_CHUNK_SAMPLES);
      const samples = this.#generator.generate(nSamples, this.#classFor(sink.cue));
      const timestamps = new Float64Array(nSamples);
      for (let i = 0; i < nSamples; i++) {
        timestamps[i] = this.#startS + (this.#produced + i) / sampleRateHz;
      }
      this.#produced += nSamples;
      delivered += nSamples;
      sink.pushChunk({ nChannels: channels, samples, timestamps });
    }
    return delivered;
  }

  /** Maps the cue to the class whose pattern plays: a rest class plays as no cue. */
  #classFor(cue: number | null): number | null {
    return cue !== null && this.options.restClasses.includes(cue) ? null : cue;
  }

  /**
   * Generates `nSamples` samples of class `classIndex` (`null` for rest) from the start of the
   * seed's sequence, sample-major (`nSamples × channels`), in µV. It does not touch the running
   * source and returns the same values on every call.
   */
  generateSamples(nSamples: number, classIndex: number | null): Float32Array {
    if (!Number.isInteger(nSamples) || nSamples < 0) {
      throw new RangeError(`nSamples must be an integer of 0 or more, received ${nSamples}`);
    }
    const generator = new SyntheticEmgGenerator(signalConfig(this.options));
    generator.reset(this.#classFor(classIndex));
    return generator.generate(nSamples, this.#classFor(classIndex));
  }
}

function signalConfig(options: Required<SyntheticEmgOptions>): SyntheticSignalConfig {
  return {
    nChannels: options.channels,
    sampleRateHz: options.sampleRateHz,
    seed: options.seed,
    activeRmsUv: options.activeRmsUv,
    noiseLevel: options.noiseLevel,
    lowCutHz: options.lowCutHz,
    highCutHz: options.highCutHz,
    rampMs: options.rampMs,
  };
}

function dropUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** Throws for the first option that breaks its constraint, naming the option and the value. */
function validateOptions(options: Required<SyntheticEmgOptions>): void {
  for (const [key, value] of Object.entries(options)) {
    if (key !== "restClasses" && typeof value !== "number") {
      throw new TypeError(
        `SyntheticEmgSource option ${key} must be a number, received ${typeof value} ${String(value)}`,
      );
    }
  }
  requireRange("channels", options.channels, { integer: true, min: 1, max: 4096 });
  requireRange("sampleRateHz", options.sampleRateHz, { above: 0, max: 100_000 });
  requireRange("seed", options.seed, { integer: true });
  requireRange("chunkMs", options.chunkMs, { above: 0, max: 1000 });
  requireRange("activeRmsUv", options.activeRmsUv, { above: 0 });
  requireRange("noiseLevel", options.noiseLevel, { min: 0, max: 1 });
  requireRange("lowCutHz", options.lowCutHz, { above: 0 });
  requireRange("highCutHz", options.highCutHz, { above: options.lowCutHz });
  requireRange("rampMs", options.rampMs, { min: 0, max: 10_000 });
  if (!Array.isArray(options.restClasses)) {
    throw new TypeError(`restClasses must be an array of class indices, received ${String(options.restClasses)}`);
  }
  for (const classIndex of options.restClasses) {
    requireRange("restClasses entry", classIndex, { integer: true, min: 0 });
  }
}

interface RangeRule {
  integer?: boolean;
  min?: number;
  above?: number;
  max?: number;
}

function requireRange(name: string, value: number, rule: RangeRule): void {
  const bounds: string[] = [];
  if (rule.min !== undefined && rule.max !== undefined) {
    bounds.push(`from ${rule.min} to ${rule.max}`);
  } else if (rule.min !== undefined) {
    bounds.push(`of at least ${rule.min}`);
  }
  if (rule.above !== undefined) {
    bounds.push(`above ${rule.above}`);
  }
  if (rule.max !== undefined && rule.min === undefined) {
    bounds.push(rule.above === undefined ? `of at most ${rule.max}` : `and at most ${rule.max}`);
  }
  const kind = rule.integer === true ? "an integer" : "a finite number";
  const valid =
    Number.isFinite(value) &&
    (rule.integer !== true || Number.isInteger(value)) &&
    (rule.min === undefined || value >= rule.min) &&
    (rule.above === undefined || value > rule.above) &&
    (rule.max === undefined || value <= rule.max);
  if (!valid) {
    const constraint = [kind, ...bounds].join(" ");
    throw new RangeError(`SyntheticEmgSource option ${name} must be ${constraint}, received ${value}`);
  }
}
