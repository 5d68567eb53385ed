/**
 * Decoding of Samples chunks into one stream's growing arrays of timestamps and values.
 */
import { valueBytes, type ChannelFormat } from "../lsl/formats.js";
import { XdfChunkError, type ByteReader } from "./bytes.js";

/** A stream's samples once every chunk is decoded, in arrays of exactly `nSamples` entries. */
export type DecodedSamples =
  | { readonly kind: "numeric"; readonly nSamples: number; readonly timestamps: Float64Array; readonly values: Float32Array | Float64Array }
  | { readonly kind: "string"; readonly nSamples: number; readonly timestamps: Float64Array; readonly values: string[][] };

type ValueReader = (view: DataView, at: number) => number;

const VALUE_READERS: Readonly<Record<Exclude<ChannelFormat, "string">, ValueReader>> = {
  float32: (view, at) => view.getFloat32(at, true),
  double64: (view, at) => view.getFloat64(at, true),
  int8: (view, at) => view.getInt8(at),
  int16: (view, at) => view.getInt16(at, true),
  int32: (view, at) => view.getInt32(at, true),
  int64: (view, at) => Number(view.getBigInt64(at, true)),
};

/** Smallest capacity of a stream's arrays once it has samples, in samples. */
const MIN_CAPACITY = 64;

/**
 * The samples of one stream, decoded chunk by chunk. The arrays grow by doubling, so decoding
 * n samples copies O(n) values in all. A chunk that fails to decode adds nothing.
 */
export class SampleAccumulator {
  readonly channelFormat: ChannelFormat;
  readonly channelCount: number;
  /** Timestamp increment of a sample stored without one, in seconds: 1 / nominal rate, or 0. */
  readonly #periodS: number;
  #count = 0;
  #capacity = 0;
  #timestamps = new Float64Array(0);
  #numbers: Float32Array | Float64Array;
  readonly #strings: string[][] = [];
  /** The stream's latest timestamp, from which the next deduced one counts; 0 before any. */
  #lastTimestampS = 0;
  /** Samples whose timestamp size byte was neither 0 nor 8, read as 8. */
  oddTimestampSizes = 0;

  constructor(channelFormat: ChannelFormat, channelCount: number, nominalSrateHz: number) {
    this.channelFormat = channelFormat;
    this.channelCount = channelCount;
    this.#periodS = nominalSrateHz > 0 ? 1 / nominalSrateHz : 0;
    this.#numbers = usesFloat64(channelFormat) ? new Float64Array(0) : new Float32Array(0);
  }

  /** Samples decoded so far. */
  get count(): number {
    return this.#count;
  }

  /**
   * Decodes one Samples chunk's content from `reader` and appends its samples. Throws
   * {@link XdfChunkError}, leaving the stream as it was, when the content does not fit.
   */
  decodeChunk(reader: ByteReader): void {
    const nSamples = reader.varlen("num_samples");
    const format = this.channelFormat;
    const minSampleBytes = 1 + this.channelCount * (format === "string" ? 2 : valueBytes(format));
    if (nSamples * minSampleBytes > reader.remaining) {
      throw new XdfChunkError(
        `num_samples ${nSamples} cannot fit in the ${reader.remaining} bytes left in the chunk, ` +
          `because each sample takes at least ${minSampleBytes} bytes`,
      );
    }

    this.#reserve(nSamples);
    const strings: string[][] = [];
    let lastS = this.#lastTimestampS;
    let odd = 0;
    for (let i = 0; i < nSamples; i++) {
      const timestampBytes = reader.u8(`timestamp size of sample ${i}`);
      if (timestampBytes === 0) {
        lastS += this.#periodS;
      } else {
        odd += timestampBytes === 8 ? 0 : 1;
        lastS = reader.f64(`timestamp of sample ${i}`);
      }
      this.#timestamps[this.#count + i] = lastS;
      if (format === "string") {
        strings.push(this.#readStrings(reader, i));
      } else {
        this.#readNumbers(reader, VALUE_READERS[format], valueBytes(format), (this.#count + i) * this.channelCount, i);
      }
    }

    for (const values of strings) {
      this.#strings.push(values);
    }
    this.#count += nSamples;
    this.#lastTimestampS = lastS;
    this.oddTimestampSizes += odd;
  }

  #readNumbers(reader: ByteReader, read: ValueReader, size: number, at: number, sample: number): void {
    reader.need(this.channelCount * size, `values of sample ${sample}`);
    const view = reader.view;
    let position = reader.position;
    for (let channel = 0; channel < this.channelCount; channel++) {
      this.#numbers[at + channel] = read(view, position);
      position += size;
    }
    reader.position = position;
  }

  #readStrings(reader: ByteReader, sample: number): string[] {
    const bytes = Buffer.from(reader.bytes.buffer, reader.bytes.byteOffset, reader.bytes.byteLength);
    const values: string[] = [];
    for (let channel = 0; channel < this.channelCount; channel++) {
      const what = `string of channel ${channel} of sample ${sample}`;
      const length = reader.varlen(`length of the ${what}`);
      reader.need(length, what);
      // Buffer decodes invalid UTF-8 with U+FFFD, as pyxdf's decoding with replacement does.
      values.push(bytes.toString("utf8", reader.position, reader.position + length));
      reader.position += length;
    }
    return values;
  }

  /** Grows the arrays to take `nSamples` more samples, at least doubling their capacity. */
  #reserve(nSamples: number): void {
    const needed = this.#count + nSamples;
    if (needed <= this.#capacity) {
      return;
    }
    const capacity = Math.max(needed, 2 * this.#capacity, MIN_CAPACITY);
    const timestamps = new Float64Array(capacity);
    timestamps.set(this.#timestamps.subarray(0, this.#count));
    this.#timestamps = timestamps;
    if (this.channelFormat !== "string") {
      const numbers = usesFloat64(this.channelFormat) ? new Float64Array(capacity * this.channelCount) : new Float32Array(capacity * this.channelCount);
      numbers.set(this.#numbers.subarray(0, this.#count * this.channelCount));
      this.#numbers = numbers;
    }
    this.#capacity = capacity;
  }

  /** Returns the samples in arrays trimmed to their length. */
  finish(): DecodedSamples {
    const nSamples = this.#count;
    const timestamps = this.#timestamps.slice(0, nSamples);
    if (this.channelFormat === "string") {
      return { kind: "string", nSamples, timestamps, values: this.#strings };
    }
    return { kind: "numeric", nSamples, timestamps, values: this.#numbers.slice(0, nSamples * this.channelCount) };
  }
}

/** Returns whether values of `format` need a Float64Array; float32, int8 and int16 fit a Float32Array exactly. */
function usesFloat64(format: ChannelFormat): boolean {
  return format === "double64" || format === "int32" || format === "int64";
}
