/**
 * The in-memory forms of LSL samples that the codecs of both protocol versions read and write:
 * one object per sample for convenience, or chunks of typed arrays for high sample rates.
 */
import type { ChannelFormat } from "./formats.js";

/**
 * Channel values of one sample: numbers for the numeric formats, strings for `string`, and
 * bigints (exact) or integer numbers for `int64`.
 */
export type SampleValues = ArrayLike<number> | readonly bigint[] | readonly string[];

/** One sample of an LSL stream. */
export interface LslSample {
  /**
   * Time stamp in seconds on the sender's LSL clock, or `undefined` when the sender left it to be
   * deduced (tag 0x01 on the wire) from the previous one and the nominal rate.
   */
  readonly timestamp: number | undefined;
  /** One value per channel. */
  readonly values: SampleValues;
}

/**
 * A run of samples of one stream stored in typed arrays, with no object per sample. Values are
 * sample-major: channel `c` of sample `i` is at `i * nChannels + c`.
 */
export interface LslChunk {
  readonly format: ChannelFormat;
  readonly nChannels: number;
  /** Number of samples. */
  readonly count: number;
  /**
   * Time stamps in seconds, `NaN` where the timestamp is deduced. A NaN sent as an explicit
   * timestamp therefore also reads as deduced.
   */
  readonly timestamps: Float64Array;
  /**
   * Numeric values: a `Float32Array` for `float32` streams, a `Float64Array` for the other
   * numeric formats, empty for `string`. For `int64` these are the values rounded to the nearest
   * double, which loses precision beyond ±2^53. `int64Values` contains them exactly.
   */
  readonly values: Float32Array | Float64Array;
  /** Exact values of an `int64` stream, or `undefined` for other formats. Encoders prefer it to `values`. */
  readonly int64Values?: BigInt64Array | undefined;
  /** Values of a `string` stream, or `undefined` for other formats. */
  readonly strings?: readonly string[] | undefined;
}

/** A chunk whose arrays a decoder fills in. */
export interface WritableChunk extends LslChunk {
  readonly int64Values: BigInt64Array | undefined;
  readonly strings: string[] | undefined;
}

/** Smallest and largest value of the integer formats that fit a double exactly. */
export const INTEGER_RANGES: Readonly<Partial<Record<ChannelFormat, readonly [number, number]>>> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
};

const INT64_LIMIT = 2 ** 63;

/** Throws a `RangeError` unless `nChannels` is a whole number from 0 to 2^31 - 1. */
export function checkChannelCount(nChannels: number): void {
  if (!Number.isInteger(nChannels) || nChannels < 0 || nChannels > 0x7fffffff) {
    throw new RangeError(`nChannels ${nChannels} is invalid. Give a whole number from 0 to 2^31 - 1.`);
  }
}

/** Allocates a chunk of `count` samples with zeroed values, the exact size of the arrays the format needs. */
export function allocateChunk(format: ChannelFormat, nChannels: number, count: number): WritableChunk {
  const total = count * nChannels;
  let values: Float32Array | Float64Array;
  if (format === "float32") {
    values = new Float32Array(total);
  } else if (format === "string") {
    values = new Float64Array(0);
  } else {
    values = new Float64Array(total);
  }
  return {
    format,
    nChannels,
    count,
    timestamps: new Float64Array(count),
    values,
    int64Values: format === "int64" ? new BigInt64Array(total) : undefined,
    strings: format === "string" ? new Array<string>(total).fill("") : undefined,
  };
}

/**
 * Packs samples into a chunk. Throws a `RangeError` for a NaN timestamp, a wrong number of values
 * or an int64 bigint outside the signed 64-bit range, and a `TypeError` for a value of the wrong
 * type. Integer ranges of int8, int16 and int32 are checked by the encoders.
 */
export function chunkFromSamples(format: ChannelFormat, nChannels: number, samples: readonly LslSample[]): LslChunk {
  checkChannelCount(nChannels);
  const chunk = allocateChunk(format, nChannels, samples.length);
  samples.forEach((sample, index) => {
    const timestamp = sample.timestamp;
    if (timestamp === undefined) {
      chunk.timestamps[index] = Number.NaN;
    } else if (typeof timestamp !== "number" || Number.isNaN(timestamp)) {
      throw new RangeError(`sample ${index}: timestamp ${String(timestamp)} is not a number. Pass undefined for a deduced timestamp.`);
    } else {
      chunk.timestamps[index] = timestamp;
    }
    if (sample.values.length !== nChannels) {
      throw new RangeError(`sample ${index} has ${sample.values.length} values but the stream has ${nChannels} channels`);
    }
    for (let channel = 0; channel < nChannels; channel++) {
      storeValue(chunk, index * nChannels + channel, sample.values[channel], index, channel);
    }
  });
  return chunk;
}

function storeValue(chunk: WritableChunk, slot: number, value: unknown, index: number, channel: number): void {
  const where = `sample ${index}, channel ${channel}`;
  if (chunk.strings !== undefined) {
    if (typeof value !== "string") {
      throw new TypeError(`${where}: a string stream needs string values, got ${typeof value}`);
    }
    chunk.strings[slot] = value;
  } else if (chunk.int64Values !== undefined) {
    let exact: bigint;
    if (typeof value === "bigint") {
      if (BigInt.asIntN(64, value) !== value) {
        throw new RangeError(`${where}: int64 value ${value} is outside the signed 64-bit range`);
      }
      exact = value;
    } else if (typeof value === "number") {
      exact = int64FromNumber(value, where);
    } else {
      throw new TypeError(`${where}: an int64 stream needs bigint or integer number values, got ${typeof value}`);
    }
    chunk.int64Values[slot] = exact;
    chunk.values[slot] = Number(exact);
  } else {
    if (typeof value !== "number") {
      throw new TypeError(`${where}: a ${chunk.format} stream needs number values, got ${typeof value}`);
    }
    chunk.values[slot] = value;
  }
}

function int64FromNumber(value: number, where: string): bigint {
  if (!Number.isInteger(value) || value < -INT64_LIMIT || value >= INT64_LIMIT) {
    throw new RangeError(`${where}: value ${value} is not an int64 (an integer from -2^63 to 2^63 - 1)`);
  }
  return BigInt(value);
}

/**
 * Returns value `slot` of an int8, int16 or int32 chunk after checking that it is an integer in
 * the format's range. Throws a `RangeError` naming the sample and channel otherwise.
 */
export function integerValue(chunk: LslChunk, slot: number): number {
  const value = chunk.values[slot] as number;
  const range = INTEGER_RANGES[chunk.format];
  if (range !== undefined && Number.isInteger(value) && value >= range[0] && value <= range[1]) {
    return value;
  }
  const where = `sample ${Math.floor(slot / chunk.nChannels)}, channel ${slot % chunk.nChannels}`;
  const bounds = range === undefined ? "" : ` (an integer from ${range[0]} to ${range[1]})`;
  throw new RangeError(`${where}: value ${value} is not an ${chunk.format}${bounds}`);
}

/** Returns value `slot` of an int64 chunk exactly, from `int64Values` when present, else from `values`. */
export function int64Value(chunk: LslChunk, slot: number): bigint {
  if (chunk.int64Values !== undefined) {
    return chunk.int64Values[slot] as bigint;
  }
  const where = `sample ${Math.floor(slot / chunk.nChannels)}, channel ${slot % chunk.nChannels}`;
  return int64FromNumber(chunk.values[slot] as number, where);
}

/**
 * Throws a `RangeError` when the arrays of `chunk` are shorter than its `count` and `nChannels`
 * imply, or the one its format needs is missing.
 */
export function checkChunkShape(chunk: LslChunk): void {
  checkChannelCount(chunk.nChannels);
  const total = chunk.count * chunk.nChannels;
  if (!Number.isInteger(chunk.count) || chunk.count < 0 || chunk.timestamps.length < chunk.count) {
    throw new RangeError(`chunk count ${chunk.count} does not match its ${chunk.timestamps.length} timestamps`);
  }
  if (chunk.format === "string") {
    if (chunk.strings === undefined || chunk.strings.length < total) {
      throw new RangeError(`a string chunk of ${chunk.count} samples needs ${total} strings, got ${chunk.strings?.length ?? 0}`);
    }
  } else if (chunk.values.length < total && (chunk.format !== "int64" || (chunk.int64Values?.length ?? 0) < total)) {
    throw new RangeError(`a chunk of ${chunk.count} samples × ${chunk.nChannels} channels needs ${total} values, got ${chunk.values.length}`);
  }
}

/** Returns sample `index` of a chunk as an object: numbers, exact bigints for int64, or strings. */
export function chunkSample(chunk: LslChunk, index: number): LslSample {
  const stamp = chunk.timestamps[index] as number;
  const timestamp = Number.isNaN(stamp) ? undefined : stamp;
  const first = index * chunk.nChannels;
  const last = first + chunk.nChannels;
  if (chunk.strings !== undefined) {
    return { timestamp, values: chunk.strings.slice(first, last) };
  }
  if (chunk.format === "int64") {
    const exact: bigint[] = [];
    for (let slot = first; slot < last; slot++) {
      exact.push(int64Value(chunk, slot));
    }
    return { timestamp, values: exact };
  }
  return { timestamp, values: Array.from(chunk.values.subarray(first, last)) };
}

/** Returns every sample of a chunk as objects (see {@link chunkSample}). */
export function samplesFromChunk(chunk: LslChunk): LslSample[] {
  const samples: LslSample[] = [];
  for (let index = 0; index < chunk.count; index++) {
    samples.push(chunkSample(chunk, index));
  }
  return samples;
}
