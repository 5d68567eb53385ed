/**
 * Sample encoding of LSL protocol 1.10, the raw binary feed of liblsl 1.10 and later
 * (liblsl `src/sample.cpp`, `save_streambuf` and `load_streambuf`). Samples are concatenated
 * with no framing:
 *
 * ```
 * sample := tag:u8 [timestamp:f64 unless tag == 0x01] value × nChannels
 * ```
 *
 * Numeric values are packed IEEE-754 floats or two's-complement integers. A string value is a
 * byte giving the width of its length (1, 2, 4 or 8), the length, then the raw bytes. Every
 * multi-byte field is in the byte order of the server's `Byte-Order` header.
 */
import { LslProtocolError } from "./errors.js";
import { valueBytes, type ChannelFormat } from "./formats.js";
import { RecordAssembler } from "./record-assembler.js";
import {
  allocateChunk,
  checkChannelCount,
  checkChunkShape,
  chunkFromSamples,
  int64Value,
  integerValue,
  type LslChunk,
  type LslSample,
  type WritableChunk,
} from "./sample-chunk.js";

/** Tag of a sample whose timestamp the receiver deduces, so no timestamp bytes follow. */
export const TAG_DEDUCED_TIMESTAMP = 0x01;
/** Tag of a sample followed by its 8-byte timestamp. liblsl reads any tag but 0x01 this way. */
export const TAG_TRANSMITTED_TIMESTAMP = 0x02;
/** Default limit on one string value received, in bytes (1 MiB). */
export const DEFAULT_MAX_STRING_BYTES = 1024 * 1024;

/** Byte order of a 1.10 feed. */
export interface ByteOrderOptions {
  /** True for `Byte-Order: 1234` (little-endian), false for `4321` (big-endian). */
  readonly littleEndian: boolean;
}

/** Settings of a {@link SampleDecoder110}. */
export interface SampleDecoder110Options extends ByteOrderOptions {
  /** Maximum length of one string value, in bytes. A longer one raises `LslProtocolError`. Default 1 MiB. */
  readonly maxStringBytes?: number;
}

const utf8Encoder = new TextEncoder();
/** Keeps a leading U+FEFF as a character, so strings round-trip unchanged. */
const utf8Decoder = new TextDecoder("utf-8", { ignoreBOM: true });
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Converts the value of a `Byte-Order` header to the `littleEndian` flag of the codecs: 1234 is
 * little-endian, 4321 big-endian, and 0 ("portable") means the host's order, as liblsl reads it.
 * Throws an `LslProtocolError` for any other value.
 */
export function isLittleEndianByteOrder(byteOrder: number): boolean {
  if (byteOrder === 1234) {
    return true;
  }
  if (byteOrder === 4321) {
    return false;
  }
  if (byteOrder === 0) {
    return HOST_LITTLE_ENDIAN;
  }
  throw new LslProtocolError(`Byte-Order ${byteOrder} is invalid. Expected 1234 (little-endian), 4321 (big-endian) or 0 (the host's order).`);
}

/**
 * Encodes samples in the 1.10 format. A sample whose timestamp is `undefined` gets tag 0x01.
 * Strings are written as UTF-8. Throws a `RangeError` or `TypeError` for values that do not fit
 * the format (see {@link chunkFromSamples} and {@link encodeChunk110}).
 */
export function encodeSamples110(
  format: ChannelFormat,
  nChannels: number,
  samples: readonly LslSample[],
  options: ByteOrderOptions,
): Uint8Array {
  return encodeChunk110(chunkFromSamples(format, nChannels, samples), options);
}

/**
 * Encodes a chunk in the 1.10 format, where a NaN timestamp gets tag 0x01. Throws a `RangeError` when
 * an int8, int16, int32 or int64 value is not an integer of that range, or the chunk's arrays are
 * too short.
 */
export function encodeChunk110(chunk: LslChunk, options: ByteOrderOptions): Uint8Array {
  checkChunkShape(chunk);
  const { count, nChannels, timestamps } = chunk;
  const littleEndian = options.littleEndian;
  let size = 0;
  for (let index = 0; index < count; index++) {
    size += Number.isNaN(timestamps[index]) ? 1 : 9;
  }
  let encodedStrings: Uint8Array[] = [];
  if (chunk.format === "string") {
    encodedStrings = (chunk.strings ?? []).slice(0, count * nChannels).map((text) => utf8Encoder.encode(text));
    for (const bytes of encodedStrings) {
      size += 1 + lengthFieldBytes(bytes.length) + bytes.length;
    }
  } else {
    size += count * nChannels * valueBytes(chunk.format);
  }

  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let pos = 0;
  for (let index = 0; index < count; index++) {
    const timestamp = timestamps[index] as number;
    if (Number.isNaN(timestamp)) {
      out[pos++] = TAG_DEDUCED_TIMESTAMP;
    } else {
      out[pos++] = TAG_TRANSMITTED_TIMESTAMP;
      view.setFloat64(pos, timestamp, littleEndian);
      pos += 8;
    }
    pos = writeValues(chunk, index, encodedStrings, out, view, pos, littleEndian);
  }
  return out;
}

/** Bytes liblsl uses for a string length: 1 up to 255, 4 up to 2^32 - 1, else 8. */
function lengthFieldBytes(length: number): number {
  if (length <= 0xff) {
    return 1;
  }
  return length <= 0xffffffff ? 4 : 8;
}

function writeValues(
  chunk: LslChunk,
  index: number,
  encodedStrings: readonly Uint8Array[],
  out: Uint8Array,
  view: DataView,
  start: number,
  littleEndian: boolean,
): number {
  const first = index * chunk.nChannels;
  const last = first + chunk.nChannels;
  const values = chunk.values;
  let pos = start;
  switch (chunk.format) {
    case "float32":
      for (let slot = first; slot < last; slot++, pos += 4) {
        view.setFloat32(pos, values[slot] as number, littleEndian);
      }
      break;
    case "double64":
      for (let slot = first; slot < last; slot++, pos += 8) {
        view.setFloat64(pos, values[slot] as number, littleEndian);
      }
      break;
    case "int8":
      for (let slot = first; slot < last; slot++, pos += 1) {
        view.setInt8(pos, integerValue(chunk, slot));
      }
      break;
    case "int16":
      for (let slot = first; slot < last; slot++, pos += 2) {
        view.setInt16(pos, integerValue(chunk, slot), littleEndian);
      }
      break;
    case "int32":
      for (let slot = first; slot < last; slot++, pos += 4) {
        view.setInt32(pos, integerValue(chunk, slot), littleEndian);
      }
      break;
    case "int64":
      for (let slot = first; slot < last; slot++, pos += 8) {
        view.setBigInt64(pos, int64Value(chunk, slot), littleEndian);
      }
      break;
    case "string":
      for (let slot = first; slot < last; slot++) {
        const bytes = encodedStrings[slot] as Uint8Array;
        const fieldBytes = lengthFieldBytes(bytes.length);
        out[pos] = fieldBytes;
        if (fieldBytes === 1) {
          out[pos + 1] = bytes.length;
        } else if (fieldBytes === 4) {
          view.setUint32(pos + 1, bytes.length, littleEndian);
        } else {
          view.setBigUint64(pos + 1, BigInt(bytes.length), littleEndian);
        }
        pos += 1 + fieldBytes;
        out.set(bytes, pos);
        pos += bytes.length;
      }
      break;
  }
  return pos;
}

/**
 * An incremental decoder of a 1.10 sample feed: it takes the bytes that follow the response
 * header as they arrive and returns the whole samples they complete. A sample split across
 * pushes is held (only its bytes) until the rest arrives. Each declared string length is checked
 * against `maxStringBytes` before anything is buffered for it, so a held incomplete sample is at
 * most 9 + nChannels × (9 + maxStringBytes) bytes. After an `LslProtocolError` the decoder stays
 * failed.
 *
 * NOTE: it never zeroes subnormal values. liblsl's reader does so only when the server answered
 * `Suppress-Subnormals: 1`, which it sends only to clients that announced no subnormal support.
 */
export class SampleDecoder110 {
  readonly format: ChannelFormat;
  readonly nChannels: number;
  readonly #littleEndian: boolean;
  readonly #maxStringBytes: number;
  /** Bytes of all values of a numeric sample, or 0 for strings. */
  readonly #valuesBytes: number;
  readonly #assembler = new RecordAssembler();
  readonly #empty: WritableChunk;
  #failure: LslProtocolError | undefined;

  /** Creates a decoder for a stream of `nChannels` channels of `format`. */
  constructor(format: ChannelFormat, nChannels: number, options: SampleDecoder110Options) {
    checkChannelCount(nChannels);
    this.format = format;
    this.nChannels = nChannels;
    this.#littleEndian = options.littleEndian;
    this.#maxStringBytes = checkMaxStringBytes(options.maxStringBytes ?? DEFAULT_MAX_STRING_BYTES);
    this.#valuesBytes = nChannels * valueBytes(format);
    this.#empty = allocateChunk(format, nChannels, 0);
  }

  /** Bytes of an incomplete sample held for the next push. */
  get bufferedBytes(): number {
    return this.#assembler.bufferedBytes;
  }

  /**
   * Decodes the whole samples completed by `bytes` into one chunk (possibly of 0 samples).
   * Throws an `LslProtocolError` for an invalid string length field or a string over the limit,
   * and on every push after one.
   */
  push(bytes: Uint8Array): LslChunk {
    if (this.#failure !== undefined) {
      throw new LslProtocolError(`the 1.10 decoder already failed (${this.#failure.message}). Open a new connection.`);
    }
    try {
      return this.#assembler.decode(bytes, 0, this.#measure, this.#allocate, this.#decodeSample).target;
    } catch (error) {
      if (error instanceof LslProtocolError) {
        this.#failure = error;
      }
      throw error;
    }
  }

  #allocate = (count: number): WritableChunk => {
    return count === 0 ? this.#empty : allocateChunk(this.format, this.nChannels, count);
  };

  #measure = (bytes: Uint8Array, view: DataView, start: number, end: number): number => {
    if (start >= end) {
      return -1;
    }
    const headerBytes = view.getUint8(start) === TAG_DEDUCED_TIMESTAMP ? 1 : 9;
    if (this.format !== "string") {
      const length = headerBytes + this.#valuesBytes;
      return end - start >= length ? length : -length;
    }
    let pos = start + headerBytes;
    if (pos > end) {
      return -(pos - start);
    }
    for (let channel = 0; channel < this.nChannels; channel++) {
      if (pos >= end) {
        return -(pos - start + 1);
      }
      const fieldBytes = view.getUint8(pos);
      if (fieldBytes !== 1 && fieldBytes !== 2 && fieldBytes !== 4 && fieldBytes !== 8) {
        throw new LslProtocolError(
          `string length field of channel ${channel} is ${fieldBytes} bytes wide, but LSL 1.10 allows 1, 2, 4 or 8, so the feed is corrupt or not a 1.10 feed of a string stream`,
        );
      }
      if (pos + 1 + fieldBytes > end) {
        return -(pos + 1 + fieldBytes - start);
      }
      pos += 1 + fieldBytes + this.#readStringLength(view, pos + 1, fieldBytes, channel);
      if (pos > end) {
        return -(pos - start);
      }
    }
    return pos - start;
  };

  /** Reads a string length field and checks it against the limit before anything uses it. */
  #readStringLength(view: DataView, pos: number, fieldBytes: number, channel: number): number {
    const littleEndian = this.#littleEndian;
    let length: number;
    if (fieldBytes === 1) {
      length = view.getUint8(pos);
    } else if (fieldBytes === 2) {
      length = view.getUint16(pos, littleEndian);
    } else if (fieldBytes === 4) {
      length = view.getUint32(pos, littleEndian);
    } else {
      const wide = view.getBigUint64(pos, littleEndian);
      if (wide > BigInt(this.#maxStringBytes)) {
        throw stringTooLong(wide, channel, this.#maxStringBytes);
      }
      length = Number(wide);
    }
    if (length > this.#maxStringBytes) {
      throw stringTooLong(length, channel, this.#maxStringBytes);
    }
    return length;
  }

  #decodeSample = (bytes: Uint8Array, view: DataView, start: number, chunk: WritableChunk, index: number): number => {
    const littleEndian = this.#littleEndian;
    let pos = start + 1;
    if (view.getUint8(start) === TAG_DEDUCED_TIMESTAMP) {
      chunk.timestamps[index] = Number.NaN;
    } else {
      chunk.timestamps[index] = view.getFloat64(pos, littleEndian);
      pos += 8;
    }
    const first = index * this.nChannels;
    const last = first + this.nChannels;
    const values = chunk.values;
    switch (this.format) {
      case "float32":
        for (let slot = first; slot < last; slot++, pos += 4) {
          values[slot] = view.getFloat32(pos, littleEndian);
        }
        break;
      case "double64":
        for (let slot = first; slot < last; slot++, pos += 8) {
          values[slot] = view.getFloat64(pos, littleEndian);
        }
        break;
      case "int8":
        for (let slot = first; slot < last; slot++, pos += 1) {
          values[slot] = view.getInt8(pos);
        }
        break;
      case "int16":
        for (let slot = first; slot < last; slot++, pos += 2) {
          values[slot] = view.getInt16(pos, littleEndian);
        }
        break;
      case "int32":
        for (let slot = first; slot < last; slot++, pos += 4) {
          values[slot] = view.getInt32(pos, littleEndian);
        }
        break;
      case "int64": {
        const exact = chunk.int64Values as BigInt64Array;
        for (let slot = first; slot < last; slot++, pos += 8) {
          const value = view.getBigInt64(pos, littleEndian);
          exact[slot] = value;
          values[slot] = Number(value);
        }
        break;
      }
      case "string": {
        const strings = chunk.strings as string[];
        for (let slot = first; slot < last; slot++) {
          const fieldBytes = view.getUint8(pos);
          const length = this.#readStringLength(view, pos + 1, fieldBytes, slot - first);
          pos += 1 + fieldBytes;
          strings[slot] = utf8Decoder.decode(bytes.subarray(pos, pos + length));
          pos += length;
        }
        break;
      }
    }
    return pos - start;
  };
}

/** Returns `maxStringBytes` after checking it, or throws a `RangeError` unless it is a whole number from 0 to 2^31 - 1. */
export function checkMaxStringBytes(maxStringBytes: number): number {
  if (!Number.isInteger(maxStringBytes) || maxStringBytes < 0 || maxStringBytes > 0x7fffffff) {
    throw new RangeError(`maxStringBytes ${maxStringBytes} is invalid. Give a whole number of bytes from 0 to 2^31 - 1.`);
  }
  return maxStringBytes;
}

/** Builds the error for a declared string length over the limit. */
export function stringTooLong(length: number | bigint, channel: number, maxStringBytes: number): LslProtocolError {
  return new LslProtocolError(
    `string value of channel ${channel} declares ${length} bytes, over maxStringBytes ${maxStringBytes}. Raise maxStringBytes if the stream really sends strings this long.`,
  );
}
