/**
 * The legacy LSL protocol 1.00 feed: a "portable binary archive" as liblsl writes it
 * (liblsl `src/portable_archive/portable_oarchive.hpp` and `portable_iarchive.hpp`):
 *
 * ```
 * 7F                        magic byte
 * 01 09                     archive version 9, a compressed integer
 * <length> <bytes>          the shortinfo XML: compressed u64 length, then UTF-8 bytes
 * 00 00                     class marker, written once, before the first sample only
 * sample, sample, ...       tag (1-byte integer), timestamp unless the tag is 1, values
 * ```
 *
 * Compressed integer: 0 is the single byte `00`. Any other value is a signed size byte `s`, then
 * the low |s| bytes of its little-endian two's-complement form, where |s| is the number of
 * arithmetic shifts by 8 bits after which the value is 0 or -1 (always 1 for 1-byte types).
 * `s` is negative for negative values. A reader pre-fills the full width with `FF` when s < 0,
 * else `00`, then copies the bytes in. Floats are sent as their IEEE-754 bit pattern (an unsigned
 * integer) with NaN normalized to a positive all-ones mantissa. The sign of zero is kept.
 */
import { valueBytes, type ChannelFormat } from "./formats.js";
import { checkChunkShape, chunkFromSamples, int64Value, integerValue, type LslChunk, type LslSample } from "./sample-chunk.js";
import { TAG_DEDUCED_TIMESTAMP, TAG_TRANSMITTED_TIMESTAMP } from "./sample-codec.js";

/** First byte of a 1.00 archive. */
export const ARCHIVE_MAGIC = 0x7f;
/** Archive version liblsl writes and this decoder accepts. */
export const ARCHIVE_VERSION = 9;
/** Default limit on the shortinfo XML received, in bytes (1 MiB). */
export const DEFAULT_MAX_SHORTINFO_BYTES = 1024 * 1024;

/** Settings of {@link encodeSamples100} and {@link encodeChunk100}. */
export interface Encode100Options {
  /** Whether this connection's class marker `00 00` was already sent with an earlier sample. */
  readonly classMarkerWritten: boolean;
}

const utf8Encoder = new TextEncoder();

/** Full-width little-endian bytes of the integer being written. */
const scratch = new Uint8Array(8);
const scratchView = new DataView(scratch.buffer);

/** Appends compressed integers and raw bytes to a buffer sized by the caller's upper bound. */
class ArchiveWriter {
  readonly #bytes: Uint8Array;
  #pos = 0;

  constructor(capacityBytes: number) {
    this.#bytes = new Uint8Array(capacityBytes);
  }

  /** Returns the bytes written so far. */
  result(): Uint8Array {
    return this.#bytes.subarray(0, this.#pos);
  }

  writeByte(value: number): void {
    this.#bytes[this.#pos++] = value;
  }

  writeBytes(bytes: Uint8Array): void {
    this.#bytes.set(bytes, this.#pos);
    this.#pos += bytes.length;
  }

  /** Writes the low `widthBytes` of `scratch` as a compressed integer. */
  writeScratch(widthBytes: number, signed: boolean): void {
    let zero = true;
    for (let i = 0; i < widthBytes; i++) {
      if (scratch[i] !== 0) {
        zero = false;
      }
    }
    if (zero) {
      this.writeByte(0);
      return;
    }
    const negative = signed && ((scratch[widthBytes - 1] as number) & 0x80) !== 0;
    const fill = negative ? 0xff : 0;
    let size = widthBytes;
    while (size > 1 && scratch[size - 1] === fill) {
      size--;
    }
    this.writeByte(negative ? 256 - size : size);
    for (let i = 0; i < size; i++) {
      this.writeByte(scratch[i] as number);
    }
  }

  writeUnsigned64(value: number): void {
    scratchView.setBigUint64(0, BigInt(value), true);
    this.writeScratch(8, false);
  }

  writeString(bytes: Uint8Array): void {
    this.writeUnsigned64(bytes.length);
    this.writeBytes(bytes);
  }

  writeFloat64(value: number): void {
    if (Number.isNaN(value)) {
      scratchView.setUint32(0, 0xffffffff, true);
      scratchView.setUint32(4, 0x7fffffff, true);
    } else {
      scratchView.setFloat64(0, value, true);
    }
    this.writeScratch(8, false);
  }

  writeFloat32(value: number): void {
    if (Number.isNaN(value)) {
      scratchView.setUint32(0, 0x7fffffff, true);
    } else {
      scratchView.setFloat32(0, value, true);
    }
    this.writeScratch(4, false);
  }
}

/** Encodes the archive header: magic byte, version 9 and the shortinfo XML as UTF-8. */
export function encodeArchiveHeader(shortinfoXml: string): Uint8Array {
  const xml = utf8Encoder.encode(shortinfoXml);
  const writer = new ArchiveWriter(3 + 9 + xml.length);
  writer.writeByte(ARCHIVE_MAGIC);
  scratchView.setUint16(0, ARCHIVE_VERSION, true);
  writer.writeScratch(2, false);
  writer.writeString(xml);
  return writer.result();
}

/**
 * Encodes samples in the 1.00 format, preceded by the class marker `00 00` when there is at least
 * one sample and `options.classMarkerWritten` is false. Throws like {@link encodeSamples110}.
 */
export function encodeSamples100(
  format: ChannelFormat,
  nChannels: number,
  samples: readonly LslSample[],
  options: Encode100Options,
): Uint8Array {
  return encodeChunk100(chunkFromSamples(format, nChannels, samples), options);
}

/**
 * Encodes a chunk in the 1.00 format, where a NaN timestamp gets the deduced tag. Adds the class marker
 * as {@link encodeSamples100} does. Throws like {@link encodeChunk110}.
 */
export function encodeChunk100(chunk: LslChunk, options: Encode100Options): Uint8Array {
  checkChunkShape(chunk);
  const { count, nChannels, format } = chunk;
  let encodedStrings: Uint8Array[] = [];
  let valuesBytes = count * nChannels * (1 + valueBytes(format));
  if (format === "string") {
    encodedStrings = (chunk.strings ?? []).slice(0, count * nChannels).map((text) => utf8Encoder.encode(text));
    valuesBytes = encodedStrings.reduce((sum, bytes) => sum + 9 + bytes.length, 0);
  }
  const writer = new ArchiveWriter(2 + count * 11 + valuesBytes);
  if (count > 0 && !options.classMarkerWritten) {
    writer.writeByte(0);
    writer.writeByte(0);
  }
  for (let index = 0; index < count; index++) {
    const timestamp = chunk.timestamps[index] as number;
    writer.writeByte(1);
    if (Number.isNaN(timestamp)) {
      writer.writeByte(TAG_DEDUCED_TIMESTAMP);
    } else {
      writer.writeByte(TAG_TRANSMITTED_TIMESTAMP);
      writer.writeFloat64(timestamp);
    }
    const first = index * nChannels;
    for (let slot = first; slot < first + nChannels; slot++) {
      writeValue(writer, chunk, slot, encodedStrings);
    }
  }
  return writer.result();
}

function writeValue(writer: ArchiveWriter, chunk: LslChunk, slot: number, encodedStrings: readonly Uint8Array[]): void {
  switch (chunk.format) {
    case "float32":
      writer.writeFloat32(chunk.values[slot] as number);
      break;
    case "double64":
      writer.writeFloat64(chunk.values[slot] as number);
      break;
    case "int8":
      scratchView.setInt8(0, integerValue(chunk, slot));
      writer.writeScratch(1, true);
      break;
    case "int16":
      scratchView.setInt16(0, integerValue(chunk, slot), true);
      writer.writeScratch(2, true);
      break;
    case "int32":
      scratchView.setInt32(0, integerValue(chunk, slot), true);
      writer.writeScratch(4, true);
      break;
    case "int64":
      scratchView.setBigInt64(0, int64Value(chunk, slot), true);
      writer.writeScratch(8, true);
      break;
    case "string":
      writer.writeString(encodedStrings[slot] as Uint8Array);
      break;
  }
}

/**
 * Encodes one channel value of `format` as the 1.00 archive writes it, for example int8 -6 as
 * `ff fa` or the string "10" as `01 02 31 30`. Throws like {@link encodeSamples100}.
 */
export function encodeArchiveValue(format: ChannelFormat, value: number | bigint | string): Uint8Array {
  const chunk = chunkFromSamples(format, 1, [{ timestamp: undefined, values: [value] as LslSample["values"] }]);
  const strings = format === "string" ? [utf8Encoder.encode(value as string)] : [];
  const writer = new ArchiveWriter(9 + (strings[0]?.length ?? 0));
  writeValue(writer, chunk, 0, strings);
  return writer.result();
}
