/**
 * The outlet's side of the sample encoding: turning pushed values into chunks, and writing a
 * connection's stream feed in the protocol it negotiated (1.10 raw binary or 1.00 archive).
 */

import { encodeArchiveHeader, encodeChunk100 } from "./portable-archive.js";
import { encodeChunk110 } from "./sample-codec.js";
import { chunkFromSamples, INTEGER_RANGES, type LslChunk } from "./sample-chunk.js";
import { writeStreamInfo, type LslStreamInfo } from "./stream-info.js";
import { TEST_PATTERN_TIMESTAMP, testPatternValues } from "./test-pattern.js";

/** Values pushed to an outlet: numbers (or bigints for int64) or strings, sample-major. */
export type OutletValues = ArrayLike<number> | readonly string[] | readonly bigint[];

/** Timing of a pushed chunk: each sample's own time, or the last one's with the rest deduced. */
export type OutletTiming = { readonly timestamps: ArrayLike<number> } | { readonly timestampS: number; readonly deduce: boolean };

/**
 * Packs values pushed to an outlet into a chunk. With `timestampS` the last sample has that time;
 * with `deduce` only the first sample carries its time (`timestampS - (n - 1) / rate`) and the
 * rest are deduced by the inlet, as liblsl's `push_chunk` sends them. Throws a `RangeError` when
 * the values are not a whole number of samples, or a timestamp is not finite.
 */
export function toOutletChunk(info: LslStreamInfo, values: OutletValues, timing: OutletTiming): LslChunk {
  const nChannels = info.channelCount;
  const count = values.length / nChannels;
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`${values.length} values do not make whole samples of ${nChannels} channels; push a multiple of ${nChannels}`);
  }
  const timestamps = new Float64Array(count);
  if ("timestamps" in timing) {
    if (timing.timestamps.length !== count) {
      throw new RangeError(`${timing.timestamps.length} timestamps were given for ${count} samples`);
    }
    for (let index = 0; index < count; index++) {
      timestamps[index] = timing.timestamps[index] as number;
    }
  } else {
    const interval = info.nominalSrateHz > 0 ? 1 / info.nominalSrateHz : 0;
    const first = timing.timestampS - (count - 1) * interval;
    for (let index = 0; index < count; index++) {
      timestamps[index] = timing.deduce && index > 0 && interval > 0 ? Number.NaN : first + index * interval;
    }
  }
  for (let index = 0; index < count; index++) {
    const timestamp = timestamps[index] as number;
    if (!Number.isNaN(timestamp) && !Number.isFinite(timestamp)) {
      throw new RangeError(`timestamp ${timestamp} of sample ${index} is not finite`);
    }
    if (Number.isNaN(timestamp) && (index === 0 || "timestamps" in timing)) {
      throw new RangeError(`timestamp of sample ${index} is NaN; give a finite time`);
    }
  }
  return packValues(info, values, count, timestamps);
}

function packValues(info: LslStreamInfo, values: OutletValues, count: number, timestamps: Float64Array): LslChunk {
  const format = info.channelFormat;
  const nChannels = info.channelCount;
  const first = values[0];
  if (format === "string") {
    if (typeof first !== "string") {
      throw new TypeError(`stream ${info.name} carries strings; push strings, not ${typeof first}`);
    }
    return { format, nChannels, count, timestamps, values: new Float64Array(0), strings: Array.from(values as readonly string[]) };
  }
  if (format === "int64" || typeof first === "bigint" || typeof first === "string") {
    // The packing helper checks every value's type and, for int64, its range.
    const samples = [];
    for (let index = 0; index < count; index++) {
      const timestamp = timestamps[index] as number;
      samples.push({
        timestamp: Number.isNaN(timestamp) ? undefined : timestamp,
        values: Array.prototype.slice.call(values, index * nChannels, (index + 1) * nChannels) as number[],
      });
    }
    return chunkFromSamples(format, nChannels, samples);
  }
  const total = count * nChannels;
  const packed = format === "float32" ? new Float32Array(total) : new Float64Array(total);
  const range = INTEGER_RANGES[format];
  for (let slot = 0; slot < total; slot++) {
    const value = (values as ArrayLike<number>)[slot];
    if (typeof value !== "number") {
      throw new TypeError(`value ${slot} pushed to ${info.name} is a ${typeof value}; a ${format} stream takes numbers`);
    }
    // Checked here, at the push, so a bad value never reaches the encoder of a queued chunk.
    if (range !== undefined && !(Number.isInteger(value) && value >= range[0] && value <= range[1])) {
      throw new RangeError(`value ${value} pushed to ${info.name} is not an ${format}: it must be an integer from ${range[0]} to ${range[1]}`);
    }
    packed[slot] = value;
  }
  return { format, nChannels, count, timestamps, values: packed };
}

/** Returns the two test-pattern samples sent before any data, as liblsl checks them. */
export function testPatternChunk(info: LslStreamInfo): LslChunk {
  return chunkFromSamples(info.channelFormat, info.channelCount, [
    { timestamp: TEST_PATTERN_TIMESTAMP, values: testPatternValues(info.channelFormat, info.channelCount, 4) },
    { timestamp: TEST_PATTERN_TIMESTAMP, values: testPatternValues(info.channelFormat, info.channelCount, 2) },
  ]);
}

/** Writes one connection's feed: its opening bytes, then each chunk, in the negotiated protocol. */
export class FeedWriter {
  readonly #info: LslStreamInfo;
  readonly #protocolVersion: number;

  constructor(info: LslStreamInfo, protocolVersion: number) {
    this.#info = info;
    this.#protocolVersion = protocolVersion;
  }

  /** Returns what follows the response header: the 1.00 archive start, then the test patterns. */
  start(): Buffer {
    const patterns = testPatternChunk(this.#info);
    if (this.#protocolVersion >= 110) {
      return Buffer.from(encodeChunk110(patterns, { littleEndian: true }));
    }
    const header = encodeArchiveHeader(writeStreamInfo(this.#info, true));
    return Buffer.concat([header, encodeChunk100(patterns, { classMarkerWritten: false })]);
  }

  /** Encodes a chunk of data samples. */
  encode(chunk: LslChunk): Buffer {
    const bytes = this.#protocolVersion >= 110 ? encodeChunk110(chunk, { littleEndian: true }) : encodeChunk100(chunk, { classMarkerWritten: true });
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
}
